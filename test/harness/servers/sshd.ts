// A private OpenSSH server (the Debian `openssh-server` binary) for SSH tunnel tests: its own
// config file (-f), host key and authorized keys in a temp folder, on a free loopback port, in the
// foreground (-D -e). It never reads /etc/ssh or ~/.ssh and never touches the system's sshd.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import {
  childPids, freePort, killQuietly, makeServerDir, onExit, removeDir, sleep, spawnServer, tail, waitExit,
} from './process';

export interface SshdHandle {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The account to log in as (the user running the tests). */
  readonly user: string;
  readonly baseDir: string;
  readonly logFile: string;
  /** An unencrypted client private key that the server accepts (OpenSSH format). */
  readonly clientKey: string;
  /** The same kind of key, encrypted with `clientKeyPassphrase`. */
  readonly encryptedClientKey: string;
  readonly clientKeyPassphrase: string;
  /** The server's host key fingerprint, `SHA256:...` as ssh-keygen -l prints it. */
  readonly hostKeyFingerprint: string;
  /** A known_hosts file that lists this server's host key for [127.0.0.1]:port. */
  readonly knownHosts: string;
  /** Kills the per-connection sshd processes (every tunnel through it drops; the server stays). */
  killSessions(): number;
  stop(): Promise<void>;
}

function keygen(args: string[]): void {
  try {
    execFileSync('ssh-keygen', ['-q', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('ssh-keygen not found: install the Debian package "openssh-client"', { cause: err });
    throw new Error(`ssh-keygen failed: ${(err as { stderr?: Buffer }).stderr?.toString() ?? err}`, { cause: err });
  }
}

/** Waits until the port answers with an SSH banner. */
function banner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const done = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.setTimeout(1000, () => done(false));
    s.on('error', () => done(false));
    s.once('data', (d) => done(d.toString().startsWith('SSH-2.0')));
  });
}

export async function startSshd(): Promise<SshdHandle> {
  const sshd = '/usr/sbin/sshd';
  if (!existsSync(sshd)) throw new Error('sshd not found (/usr/sbin/sshd): install the Debian package "openssh-server"');
  const me = userInfo();
  const runUser = { uid: me.uid, gid: me.gid, name: me.username, switchUser: false };
  const baseDir = makeServerDir('sshd', runUser);
  const logFile = join(baseDir, 'sshd.log');
  const hostKey = join(baseDir, 'host_ed25519');
  const clientKey = join(baseDir, 'client_ed25519');
  const encryptedClientKey = join(baseDir, 'client_enc_ed25519');
  const clientKeyPassphrase = 'tunnel-key-passphrase-5d1e';
  keygen(['-t', 'ed25519', '-N', '', '-f', hostKey]);
  keygen(['-t', 'ed25519', '-N', '', '-f', clientKey, '-C', 'lakesync-test']);
  keygen(['-t', 'ed25519', '-N', clientKeyPassphrase, '-f', encryptedClientKey, '-C', 'lakesync-test-encrypted']);
  const authorized = join(baseDir, 'authorized_keys');
  writeFileSync(authorized, readFileSync(`${clientKey}.pub`, 'utf8') + readFileSync(`${encryptedClientKey}.pub`, 'utf8'));
  chmodSync(authorized, 0o600);
  const hostPub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/);
  const hostKeyFingerprint = 'SHA256:' + createHash('sha256').update(Buffer.from(hostPub[1], 'base64')).digest('base64').replace(/=+$/, '');
  // Privilege separation needs this empty root-owned folder (the Debian service creates it at start).
  if (me.uid === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });

  let port: number;
  let child: ChildProcess | undefined;
  const unhook = onExit(() => {
    if (child?.pid && child.exitCode === null) { for (const c of childPids(child.pid)) killQuietly(c); killQuietly(child.pid); }
    removeDir(baseDir);
  });

  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    const config = join(baseDir, 'sshd_config');
    writeFileSync(config, [
      `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${hostKey}`, `PidFile ${join(baseDir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorized}`,
      // The temp folder is not laid out like a home directory; the keys in it are ours.
      'StrictModes no', 'UsePAM no', 'PubkeyAuthentication yes', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password', `AllowUsers ${me.username}`, 'AllowTcpForwarding yes', 'X11Forwarding no',
      'PrintMotd no', 'LogLevel VERBOSE', 'MaxStartups 50', 'MaxSessions 50',
    ].join('\n') + '\n');
    child = spawnServer(runUser, sshd, ['-D', '-e', '-f', config], { cwd: baseDir, logFile });
    if (child.pid) writeFileSync(join(baseDir, 'server.pid'), String(child.pid));
    let ready = false;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      if (await banner(port)) { ready = true; break; }
      await sleep(100);
    }
    if (ready) break;
    killQuietly(child.pid);
    await waitExit(child, 5000);
    const log = tail(logFile);
    if (/Address already in use/.test(log) && attempt < 5) continue;
    throw new Error(`sshd did not start (port ${port}, folder ${baseDir}):\n${log}`);
  }

  const knownHosts = join(baseDir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostPub[0]} ${hostPub[1]}\n`);

  return {
    host: '127.0.0.1', port, user: me.username, baseDir, logFile, clientKey, encryptedClientKey, clientKeyPassphrase,
    hostKeyFingerprint, knownHosts,
    killSessions() {
      const pids = child?.pid ? childPids(child.pid) : [];
      for (const p of pids) killQuietly(p);
      return pids.length;
    },
    async stop() {
      if (child?.pid && child.exitCode === null) {
        for (const c of childPids(child.pid)) killQuietly(c);
        child.kill('SIGTERM');
        await waitExit(child, 5000);
      }
      unhook();
      removeDir(baseDir);
    },
  };
}
