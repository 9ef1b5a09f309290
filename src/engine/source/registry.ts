// Sources by the task file's `source.type`: their facts (source/known.ts) and their loaded parts
// (adapter, preflight checks, verify reader). Nothing outside a source's own folder switches on
// `source.type`; a new source is one entry here and one in known.ts, plus its folder.
// Implementations load lazily: a task never loads a source it does not use.
import type { SourceType, TaskPlan } from '../config/plan';
import type { VerifyReader } from '../verify/types';
import type { SourceAdapter } from './adapter';
import type { CheckResult } from './checks';
import { sourceFacts } from './known';
import type { SourceTable } from './types';

export { isSourceType, sourceFacts, SOURCE_TYPES, type SourceFacts } from './known';

/** The loaded parts of a source. */
export interface SourceModule {
  /** The source's adapter for a task (connects lazily; `close()` releases everything). */
  createAdapter(plan: TaskPlan): SourceAdapter;
  /** `lakesync check`'s requirements; `tables` when already discovered. */
  runPreflight(plan: TaskPlan, tables?: SourceTable[]): Promise<CheckResult[]>;
  /** `lakesync verify`'s reads at a known position (connects lazily). */
  openVerify(plan: TaskPlan): VerifyReader;
}

const loaders: Record<SourceType, () => Promise<SourceModule>> = {
  postgres: async () => {
    const [adapter, preflight, verify] = await Promise.all([import('./postgres/index'), import('./postgres/preflight'), import('./postgres/verify')]);
    return { createAdapter: (plan) => adapter.createPostgresSource(plan), runPreflight: preflight.runPreflight, openVerify: (plan) => verify.openPostgresVerify(plan) };
  },
  mysql: async () => {
    const [adapter, preflight, verify] = await Promise.all([import('./mysql/index'), import('./mysql/preflight'), import('./mysql/verify')]);
    return { createAdapter: (plan) => adapter.createMysqlSource(plan), runPreflight: preflight.runPreflight, openVerify: (plan) => verify.openMysqlVerify(plan.source) };
  },
};

export async function sourceModule(type: SourceType): Promise<SourceModule> {
  sourceFacts(type); // refuses an unknown type, for people
  return loaders[type]();
}

/** The task's source adapter. */
export async function openSource(plan: TaskPlan): Promise<SourceAdapter> {
  return (await sourceModule(plan.source.type)).createAdapter(plan);
}
