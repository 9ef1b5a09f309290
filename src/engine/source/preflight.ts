// Preflight checks of a task's source (`lakesync check`, and the extension's check view), run by
// the source's own module; the result type and shared helpers live in ./checks.ts.
import type { TaskPlan } from '../config/plan';
import type { SourceTable } from './types';
import type { CheckResult } from './checks';
import { sourceModule } from './registry';

export { canRun, keylessCheck, nameList, targetNamesCheck, type CheckResult, type CheckStatus } from './checks';

/**
 * Runs every check for the task's source. `tables` (from metadata discovery) is optional: without
 * it the checks find the task's tables themselves.
 */
export async function runPreflight(plan: TaskPlan, tables?: SourceTable[]): Promise<CheckResult[]> {
  return (await sourceModule(plan.source.type)).runPreflight(plan, tables);
}
