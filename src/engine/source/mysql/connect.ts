// Opens MySQL/MariaDB connections for a task, and turns every way a connect can fail into one
// sentence that says what failed and how to fix it (never a stack trace, never the password).
import { connect as netConnect, isIP } from 'node:net';
import { checkServerIdentity, type TLSSocket } from 'node:tls';
import mysql from 'mysql2/promise';
import type { SourceConfig } from '../../config/plan';
import { UserError } from '../../errors';
import { networkErrorSentence, scrubPassword, where } from '../connect-errors';
import { effectiveMode, expectedName, tlsConfigOf, tlsConnectOptions, tlsErrorSentence, tlsState, type TlsState } from '../tls';
import { endpointOf, tunnelFor } from '../tunnel';

export interface MysqlConnectOptions {
  /** Default database other than source.database (null: none). */
  database?: string | null;
  multipleStatements?: boolean;
}

/**
 * Driver options every LakeSync connection uses: values arrive as exact text (dates, DECIMAL,
 * BIGINT), utf8mb4 on the wire. zongji takes the same options for the binlog connection.
 */
export function mysqlConnectionOptions(source: SourceConfig, opts: MysqlConnectOptions = {}): mysql.ConnectionOptions {
  const database = opts.database === null ? undefined : opts.database ?? source.database;
  return {
    host: source.host,
    port: source.port,
    user: source.user,
    password: source.password,
    ...(database ? { database } : {}),
    connectTimeout: source.connectTimeoutMs > 0 ? source.connectTimeoutMs : 10_000,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    charset: 'utf8mb4',
    timezone: 'Z',
    multipleStatements: opts.multipleStatements ?? false,
  };
}

/** Servers (host:port) that answered "no TLS" to a `prefer` connection: later connects go plain at once. */
const plainServers = new Set<string>();

/**
 * The driver options of a real connection: mysqlConnectionOptions plus transport (source.tls,
 * source.ssh). mysql2 checks the certificate's name against `host`, so when the dial address
 * differs from the expected name (a tunnel, tls.serverName) `host` is that name and `stream`
 * dials the real address. zongji's binlog connection takes the same options.
 */
export async function mysqlTransportOptions(source: SourceConfig, opts: MysqlConnectOptions = {}, plain = false): Promise<mysql.ConnectionOptions> {
  const base = mysqlConnectionOptions(source, opts);
  const dial = await endpointOf(source);
  const tls = plain ? undefined : await tlsConnectOptions(source);
  const mode = tlsConfigOf(source).mode;
  const out: mysql.ConnectionOptions = { ...base, host: dial.host, port: dial.port };
  if (tls && !(mode === 'prefer' && plainServers.has(`${source.host}:${source.port}`))) {
    const name = expectedName(source);
    out.ssl = {
      ...(tls.ca ? { ca: tls.ca as string } : {}),
      ...(tls.cert ? { cert: tls.cert as string } : {}),
      ...(tls.key ? { key: tls.key as string } : {}),
      ...(tls.passphrase ? { passphrase: tls.passphrase } : {}),
      rejectUnauthorized: tls.rejectUnauthorized ?? false,
      verifyIdentity: effectiveMode(tlsConfigOf(source)) === 'verify-full',
    };
    // verify-full: mysql2 checks `host`, so it must be the expected name (it skips the check for an
    // IP address: connectMysql checks those itself).
    if (name !== dial.host || out.ssl.verifyIdentity) {
      out.host = name;
      out.stream = () => {
        const s = netConnect(dial.port, dial.host);
        s.setNoDelay(true);
        return s;
      };
    }
  }
  return out;
}

/**
 * A connected mysql2 (promise) connection with the session in UTC, so TIMESTAMP columns read the
 * same as the binlog's UTC values. Failures become a UserError from describeConnectError.
 */
export async function connectMysql(source: SourceConfig, opts: MysqlConnectOptions = {}): Promise<mysql.Connection> {
  const tunnel = tunnelFor(source);
  let conn: mysql.Connection;
  try {
    try {
      conn = await mysql.createConnection(await mysqlTransportOptions(source, opts));
    } catch (err) {
      // prefer: a server without TLS is used unencrypted (as the mysql client does); `check` warns.
      if (tlsConfigOf(source).mode !== 'prefer' || (err as { code?: string }).code !== 'HANDSHAKE_NO_SSL_SUPPORT') throw err;
      plainServers.add(`${source.host}:${source.port}`);
      conn = await mysql.createConnection(await mysqlTransportOptions(source, opts, true));
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    if (await needsTls(err, source, opts)) {
      throw new UserError(`MySQL/MariaDB at ${where(source)} accepts user "${source.user}" only over TLS (require_secure_transport or REQUIRE SSL), but source.tls.mode is disable: set tls.mode: verify-full (with tls.ca) or require`);
    }
    throw describeConnectError(err, source, opts, tunnel?.takeForwardError());
  }
  // Until the caller adds its own listener, a dropped connection must not crash the process:
  // pending and later queries reject, which is where callers see it.
  conn.on('error', () => undefined);
  const mismatch = identityError(conn, source);
  if (mismatch) {
    conn.destroy();
    throw describeConnectError(mismatch, source, opts);
  }
  await conn.query("SET time_zone = '+00:00'");
  return conn;
}

/**
 * With tls.mode disable, MariaDB answers "access denied" both for a wrong password and for a plain
 * connection it refuses (require_secure_transport, REQUIRE SSL): one encrypted try tells them apart.
 */
async function needsTls(err: unknown, source: SourceConfig, opts: MysqlConnectOptions): Promise<boolean> {
  if ((err as { code?: string }).code !== 'ER_ACCESS_DENIED_ERROR' || tlsConfigOf(source).mode !== 'disable') return false;
  try {
    const probe = await mysql.createConnection({ ...(await mysqlTransportOptions({ ...source, tls: { mode: 'require' } }, opts)) });
    await probe.end().catch(() => undefined);
    return true;
  } catch {
    return false;
  }
}

/**
 * verify-full for an IP address: mysql2 only checks host names, so the certificate's IP entries
 * are checked here, on the connected TLS socket.
 */
function identityError(conn: mysql.Connection, source: SourceConfig): Error | undefined {
  const name = expectedName(source);
  if (effectiveMode(tlsConfigOf(source)) !== 'verify-full' || isIP(name) === 0) return undefined;
  const socket = (conn as unknown as { connection?: { stream?: Partial<TLSSocket> } }).connection?.stream;
  const cert = socket?.getPeerCertificate?.();
  if (!cert) return new Error('the connection is not encrypted although source.tls.mode is verify-full');
  return checkServerIdentity(name, cert);
}

/** What the connection's transport is (TLS protocol, cipher, verification), for `check`. */
export function mysqlTlsState(conn: mysql.Connection, source: SourceConfig): TlsState {
  return tlsState((conn as unknown as { connection?: { stream?: unknown } }).connection?.stream, source);
}

/** One sentence for a failed MySQL/MariaDB connect: what failed, and what to change. */
export function describeConnectError(err: unknown, source: SourceConfig, opts: MysqlConnectOptions = {}, tunnelError?: string): UserError {
  const e = (err ?? {}) as { code?: string; errno?: number; message?: string };
  const code = e.code ?? '';
  const msg = e.message ?? String(err);
  const at = `MySQL/MariaDB at ${where(source)}`;
  const db = opts.database === null ? undefined : opts.database ?? source.database;
  const mode = tlsConfigOf(source).mode;
  const text = ((): string => {
    // Through a tunnel, a connection the bastion could not open only looks like a reset here.
    if (tunnelError) return tunnelError;
    const tls = tlsErrorSentence(err, at, source, code === 'HANDSHAKE_NO_SSL_SUPPORT');
    if (tls) return tls;
    const network = networkErrorSentence(code, msg, at, source);
    if (network) return network;
    if (/insecure transport|require_secure_transport|SECURE_TRANSPORT/i.test(`${code} ${msg}`)) {
      return `${at} accepts only TLS connections (require_secure_transport), but source.tls.mode is ${mode}: set tls.mode: verify-full (with tls.ca) or require`;
    }
    if ((code === 'ER_ACCESS_DENIED_ERROR') && mode === 'disable') {
      return `${at} rejected user "${source.user}": wrong password, no such user for this client host, or the user requires TLS (REQUIRE SSL/X509) and source.tls.mode is disable; check source.user and source.password, or set tls.mode: verify-full`;
    }
    switch (code) {
      case 'ECONNRESET':
      case 'PROTOCOL_CONNECTION_LOST':
        return `${at} closed the connection during login; is source.port a MySQL/MariaDB port?`;
      case 'ER_ACCESS_DENIED_ERROR':
      case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
        return `${at} rejected user "${source.user}" (wrong password, or no such user for this client host); check source.user and source.password`;
      case 'ER_BAD_DB_ERROR':
        return `database "${db}" does not exist on ${at}; check source.database or create it (CREATE DATABASE \`${db}\`;)`;
      case 'ER_DBACCESS_DENIED_ERROR':
        return `user "${source.user}" may not use database "${db}" on ${at}; run GRANT SELECT ON \`${db}\`.* TO '${source.user}'@'%';`;
      case 'ER_HOST_NOT_PRIVILEGED':
      case 'ER_HOST_IS_BLOCKED':
        return `${at} does not accept connections from this machine (${code}); create the user for this client host (CREATE USER '${source.user}'@'%' ...) or run FLUSH HOSTS;`;
      case 'ER_CON_COUNT_ERROR':
      case 'ER_TOO_MANY_USER_CONNECTIONS':
        return `${at} has no free connections (too many connections); raise max_connections or close idle sessions`;
      case 'ER_NOT_SUPPORTED_AUTH_MODE':
        return `${at} wants an authentication method this client cannot use for user "${source.user}"; run ALTER USER '${source.user}'@'%' IDENTIFIED WITH mysql_native_password BY '...';`;
      case 'ER_SERVER_SHUTDOWN':
        return `${at} is shutting down; try again once it is up`;
      default:
        break;
    }
    if (/packets out of order|Malformed|handshake|Unexpected packet/i.test(msg)) {
      return `${at} did not answer like a MySQL/MariaDB server; is source.port the MySQL port?`;
    }
    return `cannot connect to ${at} as "${source.user}": ${scrubPassword(msg, source)}`;
  })();
  return new UserError(text);
}
