// A private MariaDB for tests: mariadb-install-db into a temp folder, mariadbd on a free port on
// 127.0.0.1 with the row binlog LakeSync needs, a password-authenticated admin over TCP, and
// --no-defaults so nothing of the system's /etc/mysql or its service is read or touched.
import { existsSync, mkdirSync, chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import mysql from 'mysql2/promise';
import {
  freePort, killQuietly, makeServerDir, onExit, randomPassword, removeDir, runAs, serverEnv, serverUser, sleep,
  spawnServer, tail, uniqueName, waitExit, type RunAs,
} from './process';
import type { ServerHandle, SqlOptions } from './types';
import { makeCerts, type TestCerts } from './certs';

export interface MariadbOptions {
  /** Binary log on (default). `false` makes `lakesync check` fail (tests of failing checks). */
  binlog?: boolean;
  binlogFormat?: 'ROW' | 'STATEMENT' | 'MIXED';
  binlogRowImage?: 'FULL' | 'MINIMAL' | 'NOBLOB';
  binlogRowMetadata?: 'FULL' | 'MINIMAL' | 'NO_LOG';
  serverId?: number;
  /** Extra mariadbd options, e.g. ['--expire-logs-days=0.5']. */
  args?: string[];
  user?: string;
  password?: string;
  /** TLS on (--ssl-ca/--ssl-cert/--ssl-key) with certificates made in the server's folder (handle.tls). */
  tls?: boolean;
}

function findBinary(candidates: string[], what: string): string {
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new Error(`MariaDB ${what} not found (looked for ${candidates.filter(Boolean).join(', ')}): ` +
    'install the Debian package "mariadb-server" (apt-get install mariadb-server)');
}

export function findMariadbBinaries(): { installDb: string; server: string } {
  return {
    installDb: findBinary([process.env.LAKESYNC_TEST_MARIADB_INSTALL_DB ?? '', '/usr/bin/mariadb-install-db',
      '/usr/bin/mysql_install_db', '/usr/local/bin/mariadb-install-db'], 'mariadb-install-db'),
    server: findBinary([process.env.LAKESYNC_TEST_MARIADBD ?? '', '/usr/sbin/mariadbd', '/usr/sbin/mysqld',
      '/usr/local/sbin/mariadbd'], 'server (mariadbd)'),
  };
}

let serverCount = 0;
const MAX_HELPER_CONNECTIONS = 8;

export async function startMariadb(opts: MariadbOptions = {}): Promise<ServerHandle> {
  const bins = findMariadbBinaries();
  let runUser: RunAs;
  let userArgs: string[] = [];
  try {
    runUser = serverUser('mysql', 'mariadb-server');
  } catch {
    // Root without a mysql account: mariadbd runs as root only when told so explicitly.
    runUser = { uid: 0, gid: 0, name: 'root', switchUser: false };
    userArgs = ['--user=root'];
  }
  const baseDir = makeServerDir('mariadb', runUser);
  const dataDir = join(baseDir, 'data');
  const tmpDir = join(baseDir, 'tmp');
  mkdirSync(tmpDir);
  if (runUser.switchUser) chownSync(tmpDir, runUser.uid, runUser.gid);
  const socket = join(baseDir, 'mysqld.sock');
  const logFile = join(baseDir, 'server.log');
  const user = opts.user ?? 'lakesync_admin';
  const password = opts.password ?? randomPassword();
  serverCount += 1;
  const passwordEnv = `LAKESYNC_TEST_MARIADB${serverCount}_${process.pid}_PASSWORD`;

  // Small buffers and logs: a test server starts in well under a second.
  const tuning = ['--innodb-buffer-pool-size=32M', '--innodb-log-file-size=8M', '--innodb-use-native-aio=0',
    '--performance-schema=OFF', '--skip-name-resolve'];
  await runAs(runUser, bins.installDb, ['--no-defaults', `--datadir=${dataDir}`,
    '--auth-root-authentication-method=normal', '--skip-test-db', ...userArgs, ...tuning],
  { cwd: baseDir, logFile: join(baseDir, 'install.log') });

  const certs: TestCerts | undefined = opts.tls ? makeCerts(baseDir, runUser) : undefined;
  const tlsArgs = certs ? [`--ssl-ca=${certs.ca}`, `--ssl-cert=${certs.serverCert}`, `--ssl-key=${certs.serverKey}`] : [];
  const binlog = opts.binlog ?? true;
  const serverArgs = (port: number): string[] => [
    '--no-defaults', ...userArgs, `--datadir=${dataDir}`, `--socket=${socket}`, `--pid-file=${join(baseDir, 'mariadbd.pid')}`,
    `--tmpdir=${tmpDir}`, `--port=${port}`, '--bind-address=127.0.0.1', ...tuning,
    `--server-id=${opts.serverId ?? 1}`,
    ...(binlog ? ['--log-bin=mysql-bin'] : ['--skip-log-bin']),
    `--binlog-format=${opts.binlogFormat ?? 'ROW'}`, `--binlog-row-image=${opts.binlogRowImage ?? 'FULL'}`,
    `--binlog-row-metadata=${opts.binlogRowMetadata ?? 'FULL'}`,
    '--innodb-flush-log-at-trx-commit=2', '--sync-binlog=0',
    '--character-set-server=utf8mb4', '--collation-server=utf8mb4_general_ci',
    '--max-connections=200', '--skip-external-locking',
    ...tlsArgs,
    ...(opts.args ?? []),
  ];

  let port = 0;
  let started = false;
  let child: ChildProcess | undefined;
  let version = '';
  const conns = new Map<string, mysql.Connection>();

  const unhook = onExit(() => {
    if (child?.pid && child.exitCode === null) killQuietly(child.pid);
    removeDir(baseDir);
  });

  // The install leaves root@localhost without a password: reachable only through our private socket.
  const rootConnect = () => mysql.createConnection({ socketPath: socket, user: 'root', connectTimeout: 2000 });

  const connect = async (database?: string): Promise<mysql.Connection> => {
    const c = await mysql.createConnection({
      host: '127.0.0.1', port, user, password, database, multipleStatements: true, connectTimeout: 5000,
      dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, charset: 'utf8mb4', timezone: 'Z',
    });
    // A server killed by a test must not crash mocha with an unhandled 'error' event.
    c.on('error', () => { if (conns.get(database ?? '') === c) conns.delete(database ?? ''); });
    return c;
  };

  const setup = async (): Promise<void> => {
    const c = await rootConnect();
    try {
      await c.query('SET sql_log_bin = 0'); // keep the binlog free of harness statements
      await c.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', password]);
      await c.query('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [user, '%']);
      // The install also creates password-less root logins for TCP; remove them.
      const [rows] = await c.query("SELECT User AS u, Host AS h FROM mysql.user WHERE User = 'root' AND Host <> 'localhost'");
      for (const r of rows as { u: string; h: string }[]) await c.query('DROP USER ?@?', [r.u, r.h]);
    } finally {
      await c.end();
    }
  };

  const launch = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      if (!port || (attempt > 0 && !started)) port = await freePort();
      const proc = spawnServer(runUser, bins.server, serverArgs(port), { cwd: baseDir, logFile });
      child = proc;
      if (proc.pid) writeFileSync(join(baseDir, 'server.pid'), String(proc.pid));
      const deadline = Date.now() + 60_000;
      let ready = false;
      while (Date.now() < deadline) {
        if (proc.exitCode !== null || proc.signalCode !== null) break;
        try {
          const c = await rootConnect();
          const [rows] = await c.query('SELECT VERSION() AS v');
          version = (rows as { v: string }[])[0].v;
          await c.end();
          ready = true;
          break;
        } catch {
          await sleep(100);
        }
      }
      if (ready) {
        if (!started) await setup();
        started = true;
        return;
      }
      const log = tail(logFile);
      killQuietly(proc.pid);
      await waitExit(proc, 5000);
      if (/already in use|Can't start server: Bind/i.test(log) && attempt < 5) { await sleep(500); continue; }
      throw new Error(`MariaDB did not start (port ${port}, folder ${baseDir}):\n${log}`);
    }
  };

  const closeConnections = async (): Promise<void> => {
    const all = [...conns.values()];
    conns.clear();
    await Promise.all(all.map((c) => c.end().catch(() => undefined)));
  };

  const shutdown = async (): Promise<void> => {
    await closeConnections();
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM'); // clean shutdown
    if (!(await waitExit(proc, 30_000))) { proc.kill('SIGKILL'); await waitExit(proc, 5000); }
  };

  await launch();
  serverEnv[passwordEnv] = password;

  // Tests touch many databases of the shared server: keep only a few idle helper connections.
  const busy = new Map<mysql.Connection, number>();
  const evictIdle = (): void => {
    for (const [k, oc] of conns) {
      if (conns.size <= MAX_HELPER_CONNECTIONS) break;
      if (busy.get(oc)) continue;
      conns.delete(k);
      busy.delete(oc);
      oc.end().catch(() => undefined);
    }
  };

  const sql = async <T = any>(query: string, params?: unknown[], o?: SqlOptions): Promise<T[]> => {
    const key = o?.database ?? '';
    let c = conns.get(key);
    if (!c) {
      const fresh = await connect(o?.database);
      c = conns.get(key); // a parallel call may have connected first
      if (c) fresh.end().catch(() => undefined); else c = fresh;
    }
    conns.delete(key);
    conns.set(key, c); // most recently used last
    busy.set(c, (busy.get(c) ?? 0) + 1);
    try {
      const [rows] = await c.query(query, params);
      return (Array.isArray(rows) ? rows : [rows]) as T[];
    } finally {
      busy.set(c, (busy.get(c) ?? 1) - 1);
      evictIdle();
    }
  };

  const handle: ServerHandle = {
    kind: 'mariadb',
    host: '127.0.0.1',
    get port() { return port; },
    user,
    password,
    socket,
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
      await sql(`CREATE DATABASE ${mysql.escapeId(db)}`);
      return db;
    },
    async dropDatabase(name: string) {
      const c = conns.get(name);
      conns.delete(name);
      await c?.end().catch(() => undefined);
      await sql(`DROP DATABASE IF EXISTS ${mysql.escapeId(name)}`);
    },
    async createUser(o = {}) {
      const name = o.name ?? uniqueName('user');
      const pw = o.password ?? randomPassword();
      await sql('CREATE USER ?@? IDENTIFIED BY ?', [name, '%', pw]);
      const who = `${mysql.escape(name)}@'%'`;
      for (const g of o.grants ?? []) await sql(g.replaceAll('{user}', who));
      return { user: name, password: pw };
    },
    source(database?: string, overrides: Record<string, unknown> = {}) {
      return { type: 'mysql', host: '127.0.0.1', port, user, password: `\${env:${passwordEnv}}`,
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
      proc.kill('SIGKILL');
      await waitExit(proc, 5000);
    },
    async start() {
      if (handle.isRunning()) return;
      await launch();
    },
    async killClients(which) {
      const mine = new Set<number>();
      for (const c of conns.values()) mine.add(c.threadId ?? -1);
      const list = await sql<{ Id: number | string; Command: string; User: string }>('SHOW FULL PROCESSLIST');
      let n = 0;
      for (const p of list) {
        const id = Number(p.Id);
        if (mine.has(id) || p.User === 'system user' || p.Command === 'Daemon') continue;
        if (which === 'replication' && !/^Binlog Dump/i.test(p.Command)) continue;
        try { await sql(`KILL CONNECTION ${id}`); n += 1; } catch { /* already gone */ }
      }
      return n;
    },
    closeConnections,
  };
  return handle;
}
