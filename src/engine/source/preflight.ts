// Preflight checks of a task's source (`lakesync check`, and the extension's check view): each
// requirement is one result with a status and, when it is not met, the statement that fixes it.
import type { TaskPlan } from '../config/plan';
import type { SourceTable } from './types';
import { describeNaming } from '../config/naming';

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

/**
 * Runs every check for the task's source. `tables` (from metadata discovery) is optional: without
 * it the checks find the task's tables themselves.
 */
export async function runPreflight(plan: TaskPlan, tables?: SourceTable[]): Promise<CheckResult[]> {
  if (plan.source.type === 'postgres') return (await import('./postgres/preflight')).runPreflight(plan, tables);
  return (await import('./mysql/preflight')).runPreflight(plan, tables);
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
