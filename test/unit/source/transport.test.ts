// The pieces of source.tls and source.ssh that need no server: known_hosts lookups (plain, hashed,
// [host]:port, revoked, changed), fingerprints, the TLS options per mode, the certificate
// sentences, and how the task file's values become a plan (paths relative to the task file, PEM text).
import assert from 'node:assert/strict';
import { createHash, createHmac, generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { loadTask } from '../../../src/engine/config';
import type { SourceConfig } from '../../../src/engine/config/plan';
import { checkKnownHosts, fingerprint, keyType } from '../../../src/engine/source/knownhosts';
import { tlsConnectOptions, tlsErrorSentence, verifyFullLine } from '../../../src/engine/source/tls';
import { TempDir } from '../config/helpers';

/** An SSH public key blob of an ed25519 key: string "ssh-ed25519" + string key. */
function ed25519Blob(): Buffer {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]);
}

const source = (over: Partial<SourceConfig> = {}): SourceConfig => ({
  type: 'postgres', host: '10.0.0.5', port: 5432, user: 'u', password: 'p', database: 'd', serverId: 1, slot: 's', publication: 's',
  connectTimeoutMs: 1000, ...over,
});

describe('known_hosts', () => {
  const key = ed25519Blob();
  const other = ed25519Blob();
  const b64 = key.toString('base64');

  it('matches a plain host, [host]:port for other ports, comma lists and globs', () => {
    assert.equal(keyType(key), 'ssh-ed25519');
    assert.deepEqual(checkKnownHosts(`# c\nbastion,10.1.1.1 ssh-ed25519 ${b64}\n`, 'bastion', 22, key), { result: 'match', line: 2 });
    assert.deepEqual(checkKnownHosts(`bastion ssh-ed25519 ${b64}\n`, 'bastion', 2222, key), { result: 'unknown' }, 'port 2222 needs [bastion]:2222');
    assert.deepEqual(checkKnownHosts(`[bastion]:2222 ssh-ed25519 ${b64}\n`, 'bastion', 2222, key), { result: 'match', line: 1 });
    assert.deepEqual(checkKnownHosts(`*.example.com ssh-ed25519 ${b64}\n`, 'b.example.com', 22, key), { result: 'match', line: 1 });
    assert.deepEqual(checkKnownHosts(`*.example.com,!b.example.com ssh-ed25519 ${b64}\n`, 'b.example.com', 22, key), { result: 'unknown' });
  });

  it('matches hashed host names (ssh-keygen -H)', () => {
    const salt = Buffer.from('0123456789abcdef0123');
    const hash = createHmac('sha1', salt).update('[bastion]:2022').digest('base64');
    assert.deepEqual(checkKnownHosts(`|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${b64}\n`, 'bastion', 2022, key), { result: 'match', line: 1 });
  });

  it('tells a changed key (same type, other key) from an unknown host, and honours @revoked', () => {
    assert.deepEqual(checkKnownHosts(`bastion ssh-ed25519 ${other.toString('base64')}\n`, 'bastion', 22, key), { result: 'changed', line: 1 });
    assert.deepEqual(checkKnownHosts(`bastion ssh-rsa AAAAB3NzaC1yc2E=\n`, 'bastion', 22, key), { result: 'unknown' }, 'only another key type is known');
    assert.deepEqual(checkKnownHosts(`@revoked bastion ssh-ed25519 ${b64}\nbastion ssh-ed25519 ${b64}\n`, 'bastion', 22, key), { result: 'revoked', line: 1 });
    assert.deepEqual(checkKnownHosts(`@cert-authority *.x ssh-ed25519 ${b64}\n`, 'a.x', 22, key), { result: 'unknown' });
  });

  it('fingerprints as ssh-keygen -l does (SHA256, base64 without padding)', () => {
    assert.equal(fingerprint(key), `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`);
    assert.match(fingerprint(key), /^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe('TLS options and sentences', () => {
  it('maps each mode to what is checked (require with a CA is verify-ca, as in libpq)', async () => {
    assert.equal(await tlsConnectOptions(source({ tls: { mode: 'disable' } })), undefined);
    const prefer = (await tlsConnectOptions(source()))!;
    assert.equal(prefer.rejectUnauthorized, false);
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const requireCa = (await tlsConnectOptions(source({ tls: { mode: 'require', ca: { text: pem } } })))!;
    assert.equal(requireCa.rejectUnauthorized, true);
    assert.equal(requireCa.ca, pem);
    const full = (await tlsConnectOptions(source({ host: 'db.internal', tls: { mode: 'verify-full', serverName: 'db.example.com' } })))!;
    assert.equal(full.rejectUnauthorized, true);
    assert.equal(full.servername, 'db.example.com');
    const cert = { subjectaltname: 'DNS:db.internal', subject: { CN: 'db.internal' } } as never;
    assert.match(String(full.checkServerIdentity!('127.0.0.1', cert)), /db\.example\.com/, 'checked against serverName, not the dialled address');
    assert.equal((await tlsConnectOptions(source({ tls: { mode: 'verify-ca' } })))!.checkServerIdentity!('x', cert), undefined);
  });

  it('a missing CA file is one sentence naming the key and the path', async () => {
    await assert.rejects(tlsConnectOptions(source({ tls: { mode: 'verify-full', ca: { path: '/nope/ca.pem' } } })),
      /^UserError: source\.tls\.ca: cannot read \/nope\/ca\.pem \(no such file\); check the path/);
  });

  it('says which name the certificate has and how to fix it', () => {
    const err = Object.assign(new Error("Hostname/IP does not match certificate's altnames: IP: 10.0.0.5 is not in the cert's list: "),
      { code: 'ERR_TLS_CERT_ALTNAME_INVALID', cert: { subjectaltname: 'DNS:db.internal' } });
    assert.equal(tlsErrorSentence(err, 'PostgreSQL at 10.0.0.5:5432', source({ tls: { mode: 'verify-full' } }), false),
      "the server's certificate is for db.internal, not 10.0.0.5: set tls.serverName or connect by name");
    const mysql2 = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'HANDSHAKE_SSL_ERROR' });
    assert.match(tlsErrorSentence(mysql2, 'MySQL/MariaDB at h:3306', source({ tls: { mode: 'verify-ca' } }), false)!,
      /^the certificate of MySQL\/MariaDB at h:3306 is not signed by any CA this machine trusts \(source\.tls\.ca is not set\): set tls\.ca/);
    assert.match(tlsErrorSentence(new Error('x'), 'PostgreSQL at h:1', source({ tls: { mode: 'require' } }), true)!,
      /does not offer TLS, but source\.tls\.mode is require: turn TLS on at the server, or set tls\.mode: prefer/);
    assert.equal(tlsErrorSentence(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'x', source(), false), undefined);
  });

  it('the verify-full line keeps the CA path and serverName of the task', () => {
    assert.equal(verifyFullLine(source()), 'tls: {mode: verify-full, ca: certs/ca.pem}');
    assert.equal(verifyFullLine(source({ tls: { mode: 'require', ca: { path: '/t/ca.pem' }, serverName: 'db' } })), 'tls: {mode: verify-full, ca: /t/ca.pem, serverName: db}');
  });
});

describe('source.tls and source.ssh in the task file', () => {
  let dir: TempDir;
  before(() => { dir = new TempDir(); });
  after(() => dir.remove());

  it('resolves paths relative to the task file, keeps PEM text from references, applies the defaults', async () => {
    const file = dir.write('conn.sync.yaml', [
      'source:', '  type: mysql', '  host: db', '  user: u',
      '  tls: {mode: verify-full, ca: certs/ca.pem, cert: /abs/client.pem, key: "${secret:client-key}", keyPassphrase: "${env:KP}"}',
      '  ssh: {host: bastion, user: deploy, privateKey: keys/id, privateKeyPassphrase: "${secret:pp}", knownHosts: kh}',
      'mode: database-mirror', 'databases: [shop]', '',
    ].join('\n'));
    const key = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n';
    const plan = await loadTask(file, { env: { KP: 'kp', LAKESYNC_SECRET_CLIENT_KEY: key, LAKESYNC_SECRET_PP: 'pp' } });
    assert.deepEqual(plan.source.tls, { mode: 'verify-full', ca: { path: join(dir.path, 'certs/ca.pem') }, cert: { path: '/abs/client.pem' }, key: { text: key }, keyPassphrase: 'kp' });
    assert.deepEqual(plan.source.ssh, { host: 'bastion', port: 22, user: 'deploy', trustUnknownHostKey: false, keepaliveSeconds: 15,
      privateKey: { path: join(dir.path, 'keys/id') }, privateKeyPassphrase: 'pp', knownHosts: join(dir.path, 'kh') });
  });

  it('warns about plain passphrases and refuses a private key pasted into the file', async () => {
    const file = dir.write('plain.sync.yaml', [
      'source:', '  type: mysql', '  host: db', '  user: u',
      '  tls: {mode: require, keyPassphrase: secret1}',
      '  ssh: {host: b, user: u, password: secret2, privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\\nabc\\n"}',
      'mode: database-mirror', 'databases: [shop]', '',
    ].join('\n'));
    const err = await loadTask(file, { env: {} }).then(() => undefined, (e: Error) => e);
    assert.ok(err);
    const text = err.message;
    assert.match(text, /source\.ssh\.privateKey holds a private key in plain text/);
    assert.match(text, /source\.tls\.keyPassphrase is written in plain text/);
    assert.match(text, /source\.ssh\.password is written in plain text/);
    assert.ok(!/secret1|secret2|abc/.test(text), 'no secret value in the messages');
  });

  it('an ssh block needs a key or a password, and a fingerprint in ssh-keygen form', async () => {
    const file = dir.write('bad.sync.yaml', ['source:', '  type: mysql', '  host: db', '  user: u', '  ssh: {host: b, user: u, hostKey: "MD5:aa"}',
      'mode: database-mirror', 'databases: [shop]', ''].join('\n'));
    const err = await loadTask(file, { env: {} }).then(() => undefined, (e: Error) => e);
    assert.match(String(err?.message), /hostKey/);
    assert.match(String(err?.message), /privateKey|password/);
  });
});
