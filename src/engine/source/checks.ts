// One preflight check's result and the helpers every source's checks share. Each requirement is
// one result with a status and, when it is not met, the statement that fixes it.
import type { TaskPlan } from '../config/plan';
import { describeNaming } from '../config/naming';
import { appendPublicationName, keylessRule, targetRefusesKeyless } from './keyless';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  /** Stable id, e.g. `wal_level`, `binlog_format`, `replication_privilege` (tests and the UI key on it). */
  id: string;
  /** What was checked, one short line, e.g. "wal_level = logical". */
  title: string;
  status: CheckStatus;
  /** What was found (current value, affected tables). */
  detail?: string;
  /** The exact statement or config lines that fix it (ok results have none). */
  fix?: string;
}

/** A task can run when nothing failed (warnings are allowed). */
export function canRun(results: CheckResult[]): boolean {
  return !results.some((r) => r.status === 'fail');
}

/** Lists names for a detail line, shortened after `max`. */
export function nameList(names: string[], max = 10): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** Target names: two selected source tables must not share one target table (config/naming.ts). */
export function targetNamesCheck(plan: TaskPlan, errors: string[]): CheckResult {
  const title = 'every source table has its own target table';
  if (errors.length === 0) return { id: 'target_names', title, status: 'ok', detail: `named ${describeNaming(plan)}` };
  return { id: 'target_names', title, status: 'fail', detail: errors.join('; '),
    fix: 'set target.tableName (e.g. "{schema}_{table}") or target.namespace: {from: source}, or exclude one of each pair' };
}

/** Tables without a primary key under rules.keylessTables (source/keyless.ts), as one check. */
export function keylessCheck(plan: TaskPlan, keyless: string[], noFullRows: string[], fixes: string[]): CheckResult {
  const rule = keylessRule(plan);
  const title = `tables without a primary key (rules.keylessTables: ${rule})`;
  if (keyless.length === 0) return { id: 'keyless_tables', title, status: 'ok', detail: 'every table has a primary key' };
  const list = nameList(keyless);
  const refused = targetRefusesKeyless(plan);
  if (refused && (rule === 'sync' || rule === 'append')) {
    return { id: 'keyless_tables', title, status: 'fail', detail: `without primary key, so they would stop: ${list}`, fix: refused };
  }
  switch (rule) {
    case 'fail': return { id: 'keyless_tables', title, status: 'fail', detail: `without primary key: ${list}`,
      fix: 'add a primary key, exclude them, or set rules.keylessTables to sync, append or skip' };
    case 'skip': return { id: 'keyless_tables', title, status: 'warn', detail: `left out: ${list}` };
    case 'append': return { id: 'keyless_tables', title, status: 'ok',
      detail: `insert-only (updates and deletes are not applied): ${list}${plan.source.type === 'postgres' ? `, read through publication "${appendPublicationName(plan.source.publication)}"` : ''}` };
    case 'sync': return noFullRows.length === 0
      ? { id: 'keyless_tables', title, status: 'ok', detail: `exact multisets (the source sends whole rows): ${list}` }
      : { id: 'keyless_tables', title, status: 'warn', detail: `these will stop, as the source sends no whole row for their updates and deletes: ${nameList(noFullRows)}`,
        fix: fixes.join('\n') + '\n-- or add a primary key, or set rules.keylessTables: append or skip' };
  }
}
