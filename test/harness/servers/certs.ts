// Test certificates made with the `openssl` binary in a server's temp folder: a CA, a server
// certificate for the name `localhost` only (no IP address, so verify-full against 127.0.0.1
// fails by design), and client certificates whose CN is a database user name.
import { execFileSync } from 'node:child_process';
import { chownSync, chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunAs } from './process';

export interface TestCerts {
  dir: string;
  /** CA certificate (PEM file). */
  ca: string;
  serverCert: string;
  serverKey: string;
  /** A client certificate + key for CN = `user` (made on first use). */
  client(user: string): { cert: string; key: string };
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('openssl not found: install the Debian package "openssl"', { cause: err });
    throw new Error(`openssl ${args[0]} failed: ${(err as { stderr?: Buffer }).stderr?.toString() ?? err}`, { cause: err });
  }
}

/** Makes the CA and server certificate in `<baseDir>/certs`; the server's files belong to `owner`. */
export function makeCerts(baseDir: string, owner: RunAs, serverName = 'localhost'): TestCerts {
  const dir = join(baseDir, 'certs');
  mkdirSync(dir, { recursive: true });
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  const serverCert = join(dir, 'server.pem');
  const serverKey = join(dir, 'server.key');
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', ca, '-days', '2', '-subj', '/CN=LakeSync test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const sign = (key: string, cert: string, subject: string, ext: string[]): void => {
    const csr = `${cert}.csr`;
    const extFile = `${cert}.ext`;
    openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject], dir);
    writeFileSync(extFile, ext.join('\n') + '\n');
    openssl(['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', extFile], dir);
  };
  sign(serverKey, serverCert, `/CN=${serverName}`, [`subjectAltName=DNS:${serverName}`, 'extendedKeyUsage=serverAuth']);
  // PostgreSQL refuses a key others can read; both servers read their files as their own user.
  for (const f of [serverCert, serverKey, ca]) {
    chmodSync(f, 0o600);
    if (owner.switchUser) chownSync(f, owner.uid, owner.gid);
  }
  if (owner.switchUser) chownSync(dir, owner.uid, owner.gid);
  chmodSync(ca, 0o644);
  return {
    dir, ca, serverCert, serverKey,
    client(user: string) {
      const cert = join(dir, `client-${user}.pem`);
      const key = join(dir, `client-${user}.key`);
      if (!existsSync(cert)) sign(key, cert, `/CN=${user}`, ['extendedKeyUsage=clientAuth']);
      return { cert, key };
    },
  };
}
