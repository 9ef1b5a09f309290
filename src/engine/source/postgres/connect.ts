// Opens PostgreSQL connections for a task, and turns every way a connect can fail into one sentence
// that says what failed and how to fix it (never a stack trace, never the password).
import pg from 'pg';
import type { SourceConfig } from '../../config/plan';
import { UserError } from '../../errors';
import { networkErrorSentence, scrubPassword, where } from '../connect-errors';
import { displayIdent } from './ident';

export interface PgConnectOptions {
  /** A logical replication connection (`replication=database`) for slots and pgoutput. */
  replication?: boolean;
  /** Database other than source.database (e.g. `postgres`). */
  database?: string;
  /** application_name; default `lakesync`. */
  applicationName?: string;
}

/**
 * Session settings that make text output canonical: UTC timestamps (`+00`), ISO dates. The same
 * settings apply on the replication connection, where the walsender formats pgoutput values.
 */
const SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO\\,YMD -c IntervalStyle=postgres -c bytea_output=hex -c lc_monetary=C ' +
  '-c extra_float_digits=1 -c client_encoding=UTF8';

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
    ...(opts.replication ? { replication: 'database' } : {}),
  };
}

/** A connected pg Client; failures become a UserError from describeConnectError. */
export async function connectPostgres(source: SourceConfig, opts: PgConnectOptions = {}): Promise<pg.Client> {
  const client = new pg.Client(pgClientConfig(source, opts));
  // Until the caller adds its own listener, a dropped connection must not crash the process:
  // pending and later queries reject, which is where callers see it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw describeConnectError(err, source, opts);
  }
  return client;
}

/** One sentence for a failed PostgreSQL connect: what failed, and what to change. */
export function describeConnectError(err: unknown, source: SourceConfig, opts: PgConnectOptions = {}): UserError {
  const e = (err ?? {}) as { code?: string; message?: string };
  const code = e.code ?? '';
  const msg = e.message ?? String(err);
  const at = `PostgreSQL at ${where(source)}`;
  const db = opts.database ?? source.database ?? 'postgres';
  const text = ((): string => {
    const network = networkErrorSentence(code, msg, at, source);
    if (network) return network;
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
    if (/does not support SSL|SSL/i.test(msg)) {
      return `${at}: SSL negotiation failed (${scrubPassword(msg, source)}); check the server's SSL settings`;
    }
    return `cannot connect to ${at} as "${source.user}": ${scrubPassword(msg, source)}`;
  })();
  return new UserError(text);
}

const quoteIdent = displayIdent;
