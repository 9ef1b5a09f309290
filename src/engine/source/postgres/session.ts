// Connections of the PostgreSQL source. Every connection (normal and replication) runs with the
// same session settings, because the text output of values depends on them and the snapshot
// (COPY on normal connections) and the stream (pgoutput, formatted in the walsender with the
// replication connection's settings) must print the same value the same way.
import pg from 'pg';
import type { TaskPlan } from '../../config/plan';
import { describeConnectError, pgClientConfig } from './connect';
import { ident } from './ident';

export { ident };

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

const OPTIONS = Object.entries(SESSION_SETTINGS).map(([k, v]) => `-c ${k}=${v.replace(/,/g, '\\,')}`).join(' ');

/** Returns every value as the server's text (no pg-types parsing: canonical conversion is ours). */
export const RAW_TYPES = { getTypeParser: () => (v: string) => v };

export async function connect(plan: TaskPlan, opts: { replication?: boolean; appName?: string } = {}): Promise<pg.Client> {
  const config = {
    ...pgClientConfig(plan.source, { replication: opts.replication, applicationName: opts.appName ?? `lakesync:${plan.name}` }),
    options: OPTIONS,
    types: RAW_TYPES,
  };
  const client = new pg.Client(config);
  // An idle connection that dies must not crash the process; users of the client see the failure
  // on their next query (and the stream reports it through its `done` promise).
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw describeConnectError(err, plan.source, { replication: opts.replication });
  }
  return client;
}

/** Quotes a string literal for SQL (standard_conforming_strings is on since PostgreSQL 9.1). */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function qualified(t: { db: string; table: string }): string {
  return `${ident(t.db)}.${ident(t.table)}`;
}
