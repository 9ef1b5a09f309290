// Connections of the PostgreSQL source readers (through connect.ts, the one connect path, whose
// session settings every connection shares) and SQL quoting helpers.
import type pg from 'pg';
import type { TaskPlan } from '../../config/plan';
import { connectPostgres, RAW_TYPES, SESSION_SETTINGS } from './connect';
import { ident } from './ident';

export { ident, RAW_TYPES, SESSION_SETTINGS };

/** A source reader's connection: raw text values, named after the task (connect.ts is the one path). */
export function connect(plan: TaskPlan, opts: { replication?: boolean; appName?: string } = {}): Promise<pg.Client> {
  return connectPostgres(plan.source, { replication: opts.replication, applicationName: opts.appName ?? `lakesync:${plan.name}`, rawTypes: true });
}

/** Quotes a string literal for SQL (standard_conforming_strings is on since PostgreSQL 9.1). */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function qualified(t: { db: string; table: string }): string {
  return `${ident(t.db)}.${ident(t.table)}`;
}
