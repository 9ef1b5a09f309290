// source.ssh: one SSH tunnel per task (per bastion and destination), shared by every connection
// the task opens. Drivers connect to a private listener on 127.0.0.1; each accepted socket is
// forwarded through the one SSH session (ssh2 forwardOut). When the session drops, the next
// connection re-establishes it; `onEvent` tells the runtime (a failover) and the log.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import type { Client, ConnectConfig } from 'ssh2';
import type { SourceConfig, SshConfig } from '../config/plan';
import { UserError } from '../errors';
import { checkKnownHosts, fingerprint } from './knownhosts';

export interface TunnelInfo {
  /** `user@host:port` of the bastion. */
  bastion: string;
  /** The bastion's host key fingerprint and how it was trusted. */
  hostKey?: string;
  trustedBy?: string;
  /** Sessions opened so far (1 = never re-established). */
  sessions: number;
}

export type TunnelEvent = { kind: 'lost' | 'reestablished' | 'trusted-unknown-key'; message: string };

let listener: (e: TunnelEvent) => void = () => undefined;
/** Where tunnel events go (the runner counts `reestablished` as a failover and logs the rest). */
export function onTunnelEvent(fn: (e: TunnelEvent) => void): void { listener = fn; }

function bastionName(ssh: SshConfig): string { return `${ssh.user}@${ssh.host}:${ssh.port}`; }

export class Tunnel {
  private server: Server | undefined;
  private listening: Promise<number> | undefined;
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private readonly sockets = new Set<Socket>();
  private closed = false;
  /** The last failure of a forwarded connection (the bastion could not reach the database). */
  private forwardError: string | undefined;
  readonly info: TunnelInfo;

  constructor(private readonly ssh: SshConfig, private readonly dest: { host: string; port: number }, private readonly timeoutMs: number) {
    this.info = { bastion: bastionName(ssh), sessions: 0 };
  }

  /** Where a driver connects: the local end of the tunnel (the SSH session is up when this returns). */
  async endpoint(): Promise<{ host: string; port: number }> {
    await this.session();
    return { host: '127.0.0.1', port: await this.listen() };
  }

  /** Returns and clears the reason the last forwarded connection failed, if any. */
  takeForwardError(): string | undefined {
    const e = this.forwardError;
    this.forwardError = undefined;
    return e;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.sockets) s.destroy();
    this.client?.end();
    this.client = undefined;
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private listen(): Promise<number> {
    this.listening ??= new Promise<number>((resolve, reject) => {
      const server = createServer((sock) => this.forward(sock));
      server.on('error', reject);
      // Loopback only, an ephemeral port: the tunnel is for this process's own connections.
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
      this.server = server;
    });
    return this.listening;
  }

  private forward(sock: Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    this.session().then((client) => {
      client.forwardOut('127.0.0.1', sock.remotePort ?? 0, this.dest.host, this.dest.port, (err, channel) => {
        if (err) {
          this.forwardError = `the SSH bastion ${this.info.bastion} could not open a connection to ${this.dest.host}:${this.dest.port} (${err.message}); check source.host and source.port as the bastion sees them`;
          sock.destroy();
          return;
        }
        channel.on('error', () => sock.destroy());
        sock.on('close', () => channel.close());
        channel.on('close', () => sock.destroy());
        sock.pipe(channel).pipe(sock);
      });
    }, (err: Error) => {
      this.forwardError = err.message;
      sock.destroy();
    });
  }

  /** The SSH session, (re)connecting when there is none. */
  private session(): Promise<Client> {
    if (this.closed) return Promise.reject(new UserError('the SSH tunnel is closed'));
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => { this.connecting = undefined; });
    return this.connecting;
  }

  private async connect(): Promise<Client> {
    const ssh = this.ssh;
    const config: ConnectConfig = {
      host: ssh.host,
      port: ssh.port,
      username: ssh.user,
      readyTimeout: this.timeoutMs,
      keepaliveInterval: ssh.keepaliveSeconds * 1000,
      keepaliveCountMax: 3,
    };
    if (ssh.privateKey) {
      config.privateKey = 'text' in ssh.privateKey ? ssh.privateKey.text : await readKey(ssh.privateKey.path);
      if (ssh.privateKeyPassphrase) config.passphrase = ssh.privateKeyPassphrase;
    }
    if (ssh.password) config.password = ssh.password;
    const known = await this.knownHosts();
    let refusal: string | undefined;
    config.hostVerifier = (key: Buffer): boolean => {
      const verdict = this.verify(key, known);
      if (typeof verdict === 'string') { refusal = verdict; return false; }
      this.info.hostKey = fingerprint(key);
      this.info.trustedBy = verdict.by;
      return true;
    };

    const { Client: SshClient } = await import('ssh2'); // loaded only by tasks that use a tunnel
    const client = new SshClient();
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error & { level?: string; code?: string }): void => reject(new UserError(refusal ?? this.describe(err)));
      client.once('ready', () => { client.off('error', fail); resolve(); });
      client.once('error', fail);
      try {
        client.connect(config);
      } catch (err) {
        fail(err as Error);
      }
    });
    const reestablished = this.info.sessions > 0;
    this.info.sessions++;
    this.client = client;
    client.on('error', () => undefined); // 'close' follows; connections through it see their own errors
    client.once('close', () => {
      if (this.client === client) this.client = undefined;
      for (const s of this.sockets) s.destroy();
      if (!this.closed) listener({ kind: 'lost', message: `SSH tunnel through ${this.info.bastion} lost; it is re-established on the next connection` });
    });
    if (reestablished) listener({ kind: 'reestablished', message: `SSH tunnel through ${this.info.bastion} re-established (session ${this.info.sessions})` });
    return client;
  }

  private async knownHosts(): Promise<{ file: string; text: string } | undefined> {
    const file = this.ssh.knownHosts ?? join(homedir(), '.ssh', 'known_hosts');
    if (!this.ssh.knownHosts && !existsSync(file)) return undefined;
    try {
      return { file, text: await readFile(file, 'utf8') };
    } catch (err) {
      throw new UserError(`source.ssh.knownHosts: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the path (relative to the task file)`);
    }
  }

  /** How the key is trusted, or the sentence that refuses it. */
  private verify(key: Buffer, known: { file: string; text: string } | undefined): { by: string } | string {
    const ssh = this.ssh;
    const fp = fingerprint(key);
    const at = `${ssh.host}:${ssh.port}`;
    if (ssh.hostKey) {
      if (ssh.hostKey.replace(/=+$/, '') === fp) return { by: 'source.ssh.hostKey' };
      return `the SSH host key of ${at} is ${fp}, not the source.ssh.hostKey ${ssh.hostKey}: if the bastion's key was really replaced, set ssh.hostKey: ${fp}; otherwise someone may be in the middle`;
    }
    if (known) {
      const v = checkKnownHosts(known.text, ssh.host, ssh.port, key);
      if (v.result === 'match') return { by: `${known.file}:${v.line}` };
      if (v.result === 'revoked') return `the SSH host key of ${at} (${fp}) is marked @revoked in ${known.file}:${v.line}; ask the bastion's admin for its current key`;
      if (v.result === 'changed') {
        return `the SSH host key of ${at} CHANGED: it is now ${fp}, and ${known.file}:${v.line} lists another key: if the bastion's key was really replaced, update that line (ssh-keygen -R ${ssh.port === 22 ? ssh.host : `'[${ssh.host}]:${ssh.port}'`}); otherwise someone may be in the middle`;
      }
    }
    if (ssh.trustUnknownHostKey) {
      listener({ kind: 'trusted-unknown-key', message: `trusting the unknown SSH host key ${fp} of ${at} (source.ssh.trustUnknownHostKey); pin it with ssh.hostKey: ${fp}` });
      return { by: 'source.ssh.trustUnknownHostKey (not verified)' };
    }
    const where = known ? known.file : '~/.ssh/known_hosts (there is none)';
    return `the SSH host key of ${at} (${fp}) is unknown: it is not in ${where}; check the fingerprint with the bastion's admin and set ssh.hostKey: ${fp} (or add the key to known_hosts: ssh-keyscan -p ${ssh.port} ${ssh.host} >> ~/.ssh/known_hosts)`;
  }

  private describe(err: Error & { level?: string; code?: string }): string {
    const at = `the SSH bastion ${this.ssh.host}:${this.ssh.port}`;
    const msg = err.message ?? String(err);
    if (err.level === 'client-authentication' || /authentication methods failed/i.test(msg)) {
      return `${at} refused user "${this.ssh.user}" (${this.ssh.privateKey ? 'the private key' : this.ssh.password ? 'the password' : 'no key or password given'} was not accepted); check source.ssh.user and source.ssh.${this.ssh.privateKey ? 'privateKey' : 'password'}`;
    }
    if (/encrypted.*no passphrase/i.test(msg)) return 'source.ssh.privateKey is encrypted: set source.ssh.privateKeyPassphrase (e.g. ${secret:bastion-key-passphrase})';
    if (/bad passphrase|decrypt/i.test(msg)) return 'source.ssh.privateKeyPassphrase does not decrypt source.ssh.privateKey; check the passphrase';
    if (/Cannot parse privateKey|Unsupported key format|privateKey value does not contain/i.test(msg)) {
      return `source.ssh.privateKey is not a private key LakeSync can read (${msg}); use an OpenSSH, PEM or PuTTY private key`;
    }
    switch (err.code) {
      case 'ECONNREFUSED': return `cannot reach ${at}: connection refused; is sshd running and is source.ssh.port right?`;
      case 'ENOTFOUND': case 'EAI_AGAIN': return `cannot reach ${at}: the host name "${this.ssh.host}" does not resolve; check source.ssh.host`;
      case 'EHOSTUNREACH': case 'ENETUNREACH': return `cannot reach ${at}: no route to the host; check source.ssh.host and the network`;
      default: break;
    }
    if (/timed out/i.test(msg)) return `cannot reach ${at}: no SSH handshake within ${Math.round(this.timeoutMs / 1000)} s; check source.ssh.host, source.ssh.port and firewalls`;
    return `the SSH tunnel through ${at} failed: ${msg}`;
  }
}

async function readKey(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new UserError(`source.ssh.privateKey: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the path (relative to the task file)`);
  }
}

const tunnels = new Map<string, Tunnel>();

/** The task's tunnel (one per bastion, user and destination in this process), or undefined without source.ssh. */
export function tunnelFor(source: SourceConfig): Tunnel | undefined {
  const ssh = source.ssh;
  if (!ssh) return undefined;
  const key = JSON.stringify([ssh.host, ssh.port, ssh.user, source.host, source.port]);
  let t = tunnels.get(key);
  if (!t) {
    t = new Tunnel(ssh, { host: source.host, port: source.port }, source.connectTimeoutMs > 0 ? source.connectTimeoutMs : 10_000);
    tunnels.set(key, t);
  }
  return t;
}

/** Where the drivers connect for this source: the tunnel's local end, or the source itself. */
export async function endpointOf(source: SourceConfig): Promise<{ host: string; port: number }> {
  const t = tunnelFor(source);
  return t ? t.endpoint() : { host: source.host, port: source.port };
}

/** Closes every tunnel of the process (commands call it when they end). */
export async function closeTunnels(): Promise<void> {
  const all = [...tunnels.values()];
  tunnels.clear();
  await Promise.all(all.map((t) => t.close()));
}
