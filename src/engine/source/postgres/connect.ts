// Opens PostgreSQL connections for a task, and turns every way a connect can fail into one sentence
// that says what failed and how to fix it (never a stack trace, never the password).
import pg from 'pg';
import type { SourceConfig } from '../../config/plan';
import { UserError } from '../../errors';
import { networkErrorSentence, scrubPassword, where } from '../connect-errors';
import { tlsConfigOf, tlsConnectOptions, tlsErrorSentence, tlsState, type TlsState } from '../tls';
import { endpointOf, tunnelFor } from '../tunnel';
import { displayIdent } from './ident';

export interface PgConnectOptions {
  /** A logical replication connection (`replication=database`) for slots and pgoutput. */
  replication?: boolean;
  /** Database other than source.database (e.g. `postgres`). */
  database?: string;
  /** application_name; default `lakesync`. */
  applicationName?: string;
  /** Every value as the server's text (the source readers); default: pg's parsed types (checks, discovery). */
  rawTypes?: boolean;
}

/**
 * Session settings of every LakeSync connection (normal and replication): the text output of
 * values depends on them, and the snapshot (COPY on normal connections) and the stream (pgoutput,
 * formatted in the walsender with the replication connection's settings) must print the same
 * value the same way. UTC timestamps (`+00`), ISO dates.
 */
export const SESSION_SETTINGS: Record<string, string> = {
  TimeZone: 'UTC',
  DateStyle: 'ISO,YMD',
  IntervalStyle: 'postgres',
  bytea_output: 'hex',
  lc_monetary: 'C',
  extra_float_digits: '1',
  client_encoding: 'UTF8',
  // A server default must not cut a long COPY or a snapshot reader waiting between chunks.
  statement_timeout: '0',
  idle_in_transaction_session_timeout: '0',
};

const SESSION_OPTIONS = Object.entries(SESSION_SETTINGS).map(([k, v]) => `-c ${k}=${v.replace(/,/g, '\\,')}`).join(' ');

/** Returns every value as the server's text (no pg-types parsing: canonical conversion is ours). */
export const RAW_TYPES = { getTypeParser: () => (v: string) => v };

/** Driver options without transport (no TLS, no tunnel): tests use them to open plain side connections. */
export function pgClientConfig(source: SourceConfig, opts: PgConnectOptions = {}): pg.ClientConfig & { replication?: string } {
  return {
    host: source.host,
    port: source.port,
    user: source.user,
    password: source.password,
    database: opts.database ?? source.database ?? 'postgres',
    connectionTimeoutMillis: source.connectTimeoutMs > 0 ? source.connectTimeoutMs : 10_000,
    application_name: opts.applicationName ?? 'lakesync',
    keepAlive: true,
    options: SESSION_OPTIONS,
    ...(opts.rawTypes ? { types: RAW_TYPES } : {}),
    ...(opts.replication ? { replication: 'database' } : {}),
  };
}

/** Servers (host:port) that answered "no TLS" to a `prefer` connection: later connects go plain at once. */
const plainServers = new Set<string>();

const NO_TLS = /server does not support SSL/i;

/**
 * THE way LakeSync connects to PostgreSQL (checks, discovery, snapshot readers, the replication
 * connection): session settings, source.tls, source.ssh. Failures become a UserError from
 * describeConnectError.
 */
export async function connectPostgres(source: SourceConfig, opts: PgConnectOptions = {}): Promise<pg.Client> {
  const tunnel = tunnelFor(source);
  const { host, port } = await endpointOf(source);
  const ssl = await tlsConnectOptions(source);
  const mode = tlsConfigOf(source).mode;
  const key = `${source.host}:${source.port}`;
  const attempt = async (withTls: boolean): Promise<pg.Client> => {
    const client = new pg.Client({ ...pgClientConfig(source, opts), host, port, ssl: withTls && ssl ? { ...ssl } : false });
    // Until the caller adds its own listener, a dropped connection must not crash the process:
    // pending and later queries reject, which is where callers see it.
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
  };
  try {
    if (mode === 'prefer' && plainServers.has(key)) return await attempt(false);
    try {
      return await attempt(ssl !== undefined);
    } catch (err) {
      // prefer: a server without TLS is used unencrypted (as psql does); `check` warns about it.
      if (mode !== 'prefer' || !NO_TLS.test((err as Error).message ?? '')) throw err;
      plainServers.add(key);
      return await attempt(false);
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw describeConnectError(err, source, opts, tunnel?.takeForwardError());
  }
}

/** What the connection's transport is (TLS protocol, cipher, verification), for `check`. */
export function pgTlsState(client: pg.Client, source: SourceConfig): TlsState {
  return tlsState((client as unknown as { connection?: { stream?: unknown } }).connection?.stream, source);
}

/** One sentence for a failed PostgreSQL connect: what failed, and what to change. */
export function describeConnectError(err: unknown, source: SourceConfig, opts: PgConnectOptions = {}, tunnelError?: string): UserError {
  const e = (err ?? {}) as { code?: string; message?: string };
  const code = e.code ?? '';
  const msg = e.message ?? String(err);
  const at = `PostgreSQL at ${where(source)}`;
  const db = opts.database ?? source.database ?? 'postgres';
  const text = ((): string => {
    // Through a tunnel, a connection the bastion could not open only looks like a reset here.
    if (tunnelError) return tunnelError;
    const tls = tlsErrorSentence(err, at, source, NO_TLS.test(msg));
    if (tls) return tls;
    const network = networkErrorSentence(code, msg, at, source);
    if (network) return network;
    const mode = tlsConfigOf(source).mode;
    if (code === '28000' && /no encryption/.test(msg)) {
      return `${at} accepts user "${source.user}" only over TLS (pg_hba.conf has no line for unencrypted connections), but source.tls.mode is ${mode}: set tls.mode: verify-full (with tls.ca) or require`;
    }
    if (code === '28000' && /certificate/i.test(msg)) {
      return `${at} requires a client certificate for user "${source.user}" (${msg}): set source.tls.cert and source.tls.key to a certificate signed by the server's CA whose CN is the user name`;
    }
    switch (code) {
      case 'ECONNRESET':
        return `${at} closed the connection during login; is source.port a PostgreSQL port, and does the server accept this client (SSL, pg_hba.conf)?`;
      case '28P01':
        return `${at} rejected the password for user "${source.user}" (or the user does not exist); check source.user and source.password`;
      case '3D000':
        return `database "${db}" does not exist on ${at}; check source.database or create it (CREATE DATABASE ${quoteIdent(db)};)`;
      case '28000':
        if (/role .* does not exist/.test(msg)) {
          return `user "${source.user}" does not exist on ${at}; check source.user or create it (CREATE ROLE ${quoteIdent(source.user)} LOGIN REPLICATION PASSWORD '...';)`;
        }
        if (/pg_hba\.conf/.test(msg)) {
          const kind = opts.replication ? 'replication' : quoteIdent(db);
          return `${at} does not let user "${source.user}" connect${opts.replication ? ' for replication' : ` to database "${db}"`} from this machine (pg_hba.conf); add a line like "host ${kind} ${source.user} <this machine's address>/32 scram-sha-256" to pg_hba.conf and run SELECT pg_reload_conf();`;
        }
        return `${at} refused user "${source.user}": ${scrubPassword(msg, source)}`;
      case '42501':
        if (opts.replication) {
          return `user "${source.user}" may not open a replication connection on ${at}; run ALTER ROLE ${quoteIdent(source.user)} WITH REPLICATION;`;
        }
        return `user "${source.user}" may not connect to database "${db}" on ${at}; run GRANT CONNECT ON DATABASE ${quoteIdent(db)} TO ${quoteIdent(source.user)};`;
      case '53300':
        return `${at} has no free connections (too many clients); raise max_connections or close idle sessions`;
      case '57P03':
        return `${at} is starting up or shutting down; try again in a moment`;
      default:
        break;
    }
    if (/password must be a string|client password/i.test(msg)) {
      return `${at} asks for a password for user "${source.user}" but source.password is empty; set source.password (e.g. \${env:PGPASSWORD})`;
    }
    if (/Connection terminated unexpectedly|unexpected message|Received unexpected|invalid response/i.test(msg)) {
      return `${at} did not answer like a PostgreSQL server; is source.port the PostgreSQL port?`;
    }
    if (/SSL/i.test(msg)) {
      return `${at}: SSL negotiation failed (${scrubPassword(msg, source)}); check the server's SSL settings`;
    }
    return `cannot connect to ${at} as "${source.user}": ${scrubPassword(msg, source)}`;
  })();
  return new UserError(text);
}

const quoteIdent = displayIdent;
