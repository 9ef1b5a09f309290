// A private PostgreSQL for tests: initdb into a temp folder, started on a free port on 127.0.0.1
// with logical decoding on, a password-authenticated superuser, and no contact with the system's
// own cluster (own socket folder, own data, own port).
import { existsSync, readdirSync, readFileSync, writeFileSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { ChildProcess } from 'node:child_process';
import {
  childPids, freePort, killQuietly, makeServerDir, onExit, randomPassword, removeDir, runAs, serverEnv, serverUser,
  sleep, spawnServer, tail, uniqueName, waitExit, type RunAs,
} from './process';
import type { ServerHandle, SqlOptions } from './types';
import { makeCerts, type TestCerts } from './certs';

export interface PostgresOptions {
  /** wal_level; 'replica' makes `lakesync check` fail (tests of failing checks). Default 'logical'. */
  walLevel?: 'logical' | 'replica' | 'minimal';
  maxReplicationSlots?: number;
  maxWalSenders?: number;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string | number>;
  /** Folder holding initdb and postgres; default: the newest /usr/lib/postgresql/<ver>/bin. */
  binDir?: string;
  user?: string;
  password?: string;
  /** TLS on (ssl=on) with certificates made in the server's folder (handle.tls). */
  tls?: boolean;
  /** pg_hba.conf lines put before initdb's own (e.g. `hostssl all certuser 127.0.0.1/32 cert`). */
  hba?: string[];
}

/** The newest installed PostgreSQL bin folder, or an error that names the Debian package. */
export function findPostgresBin(): string {
  const env = process.env.LAKESYNC_TEST_PG_BIN;
  if (env) return env;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))
    && existsSync(join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) {
    throw new Error('PostgreSQL server binaries not found (looked for /usr/lib/postgresql/<version>/bin/initdb and postgres): ' +
      'install the Debian package "postgresql" (apt-get install postgresql), or set LAKESYNC_TEST_PG_BIN to the folder holding them');
  }
  return join(root, versions[0], 'bin');
}

let serverCount = 0;
const MAX_HELPER_CONNECTIONS = 8;

export async function startPostgres(opts: PostgresOptions = {}): Promise<ServerHandle> {
  const binDir = opts.binDir ?? findPostgresBin();
  const runUser: RunAs = serverUser('postgres', 'postgresql');
  const baseDir = makeServerDir('pg', runUser);
  const dataDir = join(baseDir, 'data');
  const logFile = join(baseDir, 'server.log');
  const user = opts.user ?? 'lakesync_admin';
  const password = opts.password ?? randomPassword();
  serverCount += 1;
  const passwordEnv = `LAKESYNC_TEST_PG${serverCount}_${process.pid}_PASSWORD`;

  const pwFile = join(baseDir, 'pwfile');
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (runUser.switchUser) chownSync(pwFile, runUser.uid, runUser.gid);
  await runAs(runUser, join(binDir, 'initdb'), [
    '-D', dataDir, '--no-sync', '-U', user, `--pwfile=${pwFile}`, '--auth-host=scram-sha-256',
    '--auth-local=trust', '-E', 'UTF8', '--locale=C.UTF-8',
  ], { cwd: baseDir, logFile: join(baseDir, 'initdb.log'), env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' } });
  removeDir(pwFile);
  let certs: TestCerts | undefined;
  const tlsSettings: Record<string, string> = {};
  if (opts.tls) {
    certs = makeCerts(baseDir, runUser);
    Object.assign(tlsSettings, { ssl: 'on', ssl_cert_file: certs.serverCert, ssl_key_file: certs.serverKey, ssl_ca_file: certs.ca });
  }
  if (opts.hba?.length) {
    const hbaFile = join(dataDir, 'pg_hba.conf');
    writeFileSync(hbaFile, `${opts.hba.join('\n')}\n${readFileSync(hbaFile, 'utf8')}`);
  }

  const walLevel = opts.walLevel ?? 'logical';
  const settings: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: baseDir,
    wal_level: walLevel,
    max_replication_slots: walLevel === 'minimal' ? 0 : opts.maxReplicationSlots ?? 20,
    max_wal_senders: walLevel === 'minimal' ? 0 : opts.maxWalSenders ?? 20,
    fsync: 'off',
    // fsync=off already makes commits cheap (a write(), no flush); synchronous_commit stays on so a
    // kill9() of the server never loses a commit that a test saw succeed.
    synchronous_commit: 'on',
    full_page_writes: 'off',
    shared_buffers: '32MB',
    max_connections: 200,
    logging_collector: 'off',
    log_min_messages: 'warning',
    dynamic_shared_memory_type: 'posix',
    ...tlsSettings,
    ...opts.settings,
  };

  let port = 0;
  let started = false;
  let child: ChildProcess | undefined;
  let version = '';
  const clients = new Map<string, pg.Client>();

  const unhook = onExit(() => {
    const pid = child?.pid;
    if (pid && child?.exitCode === null) { for (const c of childPids(pid)) killQuietly(c); killQuietly(pid); }
    removeDir(baseDir);
  });

  const connectClient = async (database: string): Promise<pg.Client> => {
    const c = new pg.Client({ host: '127.0.0.1', port, user, password, database, connectionTimeoutMillis: 5000,
      application_name: 'lakesync-test-harness' });
    // A server killed by a test must not crash mocha with an unhandled 'error' event.
    c.on('error', () => { if (clients.get(database) === c) clients.delete(database); });
    await c.connect();
    return c;
  };

  const launch = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      // A restart keeps its port (task files point at it); only the first start may pick another.
      if (!port || (attempt > 0 && !started)) port = await freePort();
      const args = ['-D', dataDir, '-p', String(port)];
      for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
      const proc = spawnServer(runUser, join(binDir, 'postgres'), args, { cwd: baseDir, logFile });
      child = proc;
      if (proc.pid) writeFileSync(join(baseDir, 'server.pid'), String(proc.pid));
      const deadline = Date.now() + 30_000;
      let ready = false;
      while (Date.now() < deadline) {
        if (proc.exitCode !== null || proc.signalCode !== null) break;
        try {
          const c = await connectClient('postgres');
          version = (await c.query('SHOW server_version')).rows[0].server_version;
          await c.end();
          ready = true;
          break;
        } catch {
          await sleep(100);
        }
      }
      if (ready) { started = true; return; }
      const log = tail(logFile);
      killQuietly(proc.pid);
      await waitExit(proc, 5000);
      if (/Address already in use/.test(log) && attempt < 5) { await sleep(500); continue; }
      throw new Error(`PostgreSQL did not start (port ${port}, folder ${baseDir}):\n${log}`);
    }
  };

  const closeConnections = async (): Promise<void> => {
    const all = [...clients.values()];
    clients.clear();
    await Promise.all(all.map((c) => c.end().catch(() => undefined)));
  };

  const shutdown = async (): Promise<void> => {
    await closeConnections();
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGINT'); // fast shutdown: aborts sessions, checkpoints, exits
    if (!(await waitExit(proc, 20_000))) {
      for (const c of proc.pid ? childPids(proc.pid) : []) killQuietly(c);
      proc.kill('SIGKILL');
      await waitExit(proc, 5000);
    }
  };

  await launch();
  serverEnv[passwordEnv] = password;

  // Tests touch many databases of the shared server: keep only a few idle helper connections.
  const busy = new Map<pg.Client, number>();
  const tails = new Map<pg.Client, Promise<unknown>>();
  const evictIdle = (): void => {
    for (const [k, oc] of clients) {
      if (clients.size <= MAX_HELPER_CONNECTIONS) break;
      if (busy.get(oc)) continue;
      clients.delete(k);
      busy.delete(oc);
      tails.delete(oc);
      oc.end().catch(() => undefined);
    }
  };

  const sql = async <T = any>(query: string, params?: unknown[], o?: SqlOptions): Promise<T[]> => {
    const database = o?.database ?? 'postgres';
    let c = clients.get(database);
    if (!c) {
      const fresh = await connectClient(database);
      c = clients.get(database); // a parallel call may have connected first
      if (c) fresh.end().catch(() => undefined); else c = fresh;
    }
    clients.delete(database);
    clients.set(database, c); // most recently used last
    busy.set(c, (busy.get(c) ?? 0) + 1);
    try {
      // One query at a time per connection (pg deprecates its implicit queue).
      const client = c;
      const prev = tails.get(client) ?? Promise.resolve();
      const run = prev.catch(() => undefined).then(() => client.query(query, params as any[] | undefined));
      tails.set(client, run);
      const res = await run;
      return (Array.isArray(res) ? res.at(-1)?.rows ?? [] : res.rows) as T[];
    } finally {
      busy.set(c, (busy.get(c) ?? 1) - 1);
      evictIdle();
    }
  };

  const handle: ServerHandle = {
    kind: 'postgres',
    host: '127.0.0.1',
    get port() { return port; },
    user,
    password,
    socket: baseDir,
    dataDir,
    baseDir,
    logFile,
    get version() { return version; },
    ...(certs ? { tls: certs } : {}),
    passwordEnv,
    env: { [passwordEnv]: password },
    pid: () => child?.pid,
    isRunning: () => !!child && child.exitCode === null && child.signalCode === null,
    sql,
    async createDatabase(name?: string) {
      const db = name ?? uniqueName('db');
      await sql(`CREATE DATABASE ${pg.escapeIdentifier(db)}`);
      return db;
    },
    async dropDatabase(name: string) {
      const c = clients.get(name);
      clients.delete(name);
      await c?.end().catch(() => undefined);
      await sql(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    },
    async createUser(o = {}) {
      const name = o.name ?? uniqueName('user');
      const pw = o.password ?? randomPassword();
      await sql(`CREATE ROLE ${pg.escapeIdentifier(name)} LOGIN PASSWORD ${pg.escapeLiteral(pw)}`);
      for (const g of o.grants ?? []) await sql(g.replaceAll('{user}', pg.escapeIdentifier(name)));
      return { user: name, password: pw };
    },
    source(database?: string, overrides: Record<string, unknown> = {}) {
      return { type: 'postgres', host: '127.0.0.1', port, user, password: `\${env:${passwordEnv}}`,
        ...(database ? { database } : {}), ...overrides };
    },
    async stop(o = {}) {
      await shutdown();
      if (!o.keepData) { unhook(); removeDir(baseDir); }
    },
    async restart() { await shutdown(); await launch(); },
    async kill9() {
      await closeConnections();
      const proc = child;
      if (!proc?.pid || proc.exitCode !== null) return;
      // Backends outlive a SIGKILLed postmaster for a moment and would block the next start.
      const kids = childPids(proc.pid);
      proc.kill('SIGKILL');
      for (const k of kids) killQuietly(k);
      await waitExit(proc, 5000);
    },
    async start() {
      if (handle.isRunning()) return;
      await launch();
    },
    async killClients(which) {
      const rows = await sql<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
          WHERE pid <> pg_backend_pid() AND application_name <> 'lakesync-test-harness'
            AND ${which === 'replication' ? "backend_type = 'walsender'" : "backend_type IN ('client backend', 'walsender')"}`);
      return rows[0]?.n ?? 0;
    },
    closeConnections,
  };
  return handle;
}
