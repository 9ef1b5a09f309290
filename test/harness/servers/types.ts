// The handle every private test server returns; the same shape for PostgreSQL and MariaDB.
import type { TestCerts } from './certs';

export interface SqlOptions {
  /** Database to run in (PostgreSQL: a connection per database; MariaDB: USE before the query). */
  database?: string;
}

export interface ServerHandle {
  readonly kind: 'postgres' | 'mariadb';
  readonly host: string;
  readonly port: number;
  /** Superuser / admin account, password-authenticated over TCP. */
  readonly user: string;
  readonly password: string;
  /** Unix socket (MariaDB: socket file; PostgreSQL: socket directory). */
  readonly socket: string;
  readonly dataDir: string;
  /** The server's temp folder (data, socket, log); removed by stop(). */
  readonly baseDir: string;
  readonly logFile: string;
  /** With `{ tls: true }`: the server's CA and certificates (server cert for `localhost`). */
  readonly tls?: TestCerts;
  /** Server version string, e.g. "15.20" or "10.11.19-MariaDB-...". */
  readonly version: string;
  /** Name of the environment variable that task files use for the password (${env:NAME}). */
  readonly passwordEnv: string;
  /** { [passwordEnv]: password }: pass to the CLI (runCli adds it for every live server). */
  readonly env: Record<string, string>;
  /** Current server process id (changes on restart). */
  pid(): number | undefined;
  isRunning(): boolean;

  /** Runs one query as the admin user; returns the rows (MariaDB: multi-statement allowed). */
  sql<T = any>(query: string, params?: unknown[], opts?: SqlOptions): Promise<T[]>;
  /** Creates a database (unique name when none is given) and returns its name. */
  createDatabase(name?: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  /** Creates a login with a password (no privileges beyond what `grants` adds) and returns it. */
  createUser(opts?: { name?: string; password?: string; grants?: string[] }): Promise<{ user: string; password: string }>;
  /** Task-file `source` block for this server; the password is `${env:<passwordEnv>}`. */
  source(database?: string, overrides?: Record<string, unknown>): Record<string, unknown>;

  /** Clean shutdown; the data folder is removed unless `keepData`. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
  /** Clean shutdown and start again on the same port with the same data. */
  restart(): Promise<void>;
  /** SIGKILL the server (and its backends): a crash, not a shutdown. Data stays; call start() or restart(). */
  kill9(): Promise<void>;
  /** Start again after kill9() or stop({keepData:true}). */
  start(): Promise<void>;
  /**
   * Kills client sessions (not the harness's own): 'replication' = WAL senders / binlog dumps
   * (the stream of a running task), 'all' = every client session. Returns how many were killed.
   */
  killClients(which: 'replication' | 'all'): Promise<number>;
  /** Closes the helper connections used by sql() (e.g. before a restart a test wants to observe). */
  closeConnections(): Promise<void>;
}
