// rules.keylessTables: what happens to a source table without a primary key.
//   sync   (default) an exact multiset where the source sends whole rows for updates and deletes
//          (MySQL: binlog_row_image=FULL, which every task needs; PostgreSQL: REPLICA IDENTITY
//          FULL); otherwise that table alone stops, with the statement that fixes it
//   append insert-only: inserts (and truncates) are applied, updates and deletes are not; on
//          PostgreSQL through a second publication that publishes only inserts and truncates,
//          which needs no replica identity
//   skip   the table is left out, with a warning
//   fail   the task is refused while it selects such a table
// Pure: the runner, the PostgreSQL publication and the preflight checks all ask here.
import type { TaskPlan } from '../config/plan';
import { tableKey, type SourceTable } from './types';

export type KeylessRule = 'sync' | 'append' | 'skip' | 'fail';
export type KeylessAction = 'sync' | 'append' | 'skip' | 'stop';

export interface KeylessVerdict {
  action: KeylessAction;
  /** Why, for a table that is skipped or stopped (names the rule and the fix). */
  message?: string;
}

type RulePlan = Pick<TaskPlan, 'source'> & { rules: Pick<TaskPlan['rules'], 'keylessTables'>; target?: Pick<TaskPlan['target'], 'type'> };

export const keylessRule = (plan: { rules: Partial<Pick<TaskPlan['rules'], 'keylessTables'>> }): KeylessRule => plan.rules.keylessTables ?? 'sync';

/** PostgreSQL's spelling of a relreplident code. */
const IDENTITY: Record<string, string> = { d: 'DEFAULT', n: 'NOTHING', i: 'USING INDEX', f: 'FULL' };

function quote(name: string): string { return `"${name.replace(/"/g, '""')}"`; }

/** True when the source sends the whole old row for an update or delete of this table. */
export function sendsFullRows(plan: Pick<TaskPlan, 'source'>, table: SourceTable): boolean {
  // MySQL/MariaDB: binlog_row_image=FULL is a requirement of every task (lakesync check)
  return plan.source.type === 'mysql' || table.replicaIdentity === 'f';
}

/**
 * Why the task's target cannot hold tables without a key (undefined: it can). An Iceberg table
 * turns updates and deletes into position deletes found through its primary key.
 */
export function targetRefusesKeyless(plan: { target?: Pick<TaskPlan['target'], 'type'> }): string | undefined {
  return plan.target?.type === 'iceberg'
    ? 'an Iceberg target needs a primary key (updates and deletes become position deletes found by key). '
      + 'Add a primary key, exclude the table, set rules.keylessTables: skip (left out) or fail, or sync it to a DuckDB target'
    : undefined;
}

/** What the task does with `table`; undefined for a table with a primary key. */
export function keylessVerdict(plan: RulePlan, table: SourceTable): KeylessVerdict | undefined {
  if (table.primaryKey.length > 0) return undefined;
  const key = tableKey(table.id);
  const rule = keylessRule(plan);
  const refused = targetRefusesKeyless(plan);
  if (refused && (rule === 'sync' || rule === 'append')) {
    return { action: 'stop', message: `${key} has no primary key and rules.keylessTables is ${rule}, but ${refused}` };
  }
  switch (rule) {
    case 'append': return { action: 'append' };
    case 'skip': return { action: 'skip', message: `${key} has no primary key: left out (rules.keylessTables: skip)` };
    case 'fail': return { action: 'stop', message: `${key} has no primary key (rules.keylessTables: fail)` };
    case 'sync':
      if (sendsFullRows(plan, table)) return { action: 'sync' };
      return { action: 'stop', message: `${key} has no primary key and PostgreSQL sends no whole row for its updates and deletes `
        + `(REPLICA IDENTITY ${IDENTITY[table.replicaIdentity ?? 'd'] ?? table.replicaIdentity}), which rules.keylessTables: sync needs. `
        + `Run ALTER TABLE ${quote(table.id.db)}.${quote(table.id.table)} REPLICA IDENTITY FULL; then resync the table `
        + '(or add a primary key, or set rules.keylessTables: append or skip)' };
  }
}

/** The refusal under rules.keylessTables: fail, or undefined when the task may run. */
export function keylessRefusal(plan: RulePlan & Pick<TaskPlan, 'file'>, tables: SourceTable[]): string | undefined {
  if (keylessRule(plan) !== 'fail') return undefined;
  const keyless = tables.filter((t) => t.primaryKey.length === 0).map((t) => tableKey(t.id));
  if (keyless.length === 0) return undefined;
  return `${keyless.length === 1 ? 'table' : 'tables'} ${keyless.join(', ')} ${keyless.length === 1 ? 'has' : 'have'} no primary key and rules.keylessTables is fail: `
    + 'add a primary key, exclude them, or set rules.keylessTables to sync (exact multisets), append (insert-only) or skip';
}

/** The second publication of a task under rules.keylessTables: append (inserts and truncates only). */
export function appendPublicationName(publication: string): string {
  const suffix = '_append';
  return publication.length + suffix.length <= 63 ? publication + suffix : publication.slice(0, 63 - suffix.length) + suffix;
}
