// Sources by the task file's `source.type`: the facts the rest of the engine needs about a source,
// and its adapter and preflight checks. Nothing outside a source's own folder switches on
// `source.type`; a new source is one entry here plus its folder (an adapter, checks, metadata).
// Implementations load lazily: a task never loads a source it does not use.
import type { SourceConfig, SourceType, TaskPlan } from '../config/plan';
import type { Position } from '../positions';
import type { SourceAdapter } from './adapter';
import type { CheckResult } from './checks';
import type { SourceTable } from './types';

/** What the engine knows about a source without loading it. */
export interface SourceFacts {
  /** Kinds of position this source's checkpoints hold (positions.ts); start requests may also be `time`. */
  readonly positionKinds: readonly Position['kind'][];
  /**
   * The change stream carries no DDL (PostgreSQL's logical decoding): new and dropped tables are
   * found by listing the source's tables again now and then. False: the stream itself says.
   */
  readonly rediscover: boolean;
  /** Where to look when the stream has stalled, for people. */
  readonly stallHint: string;
  /** What `lakesync reset --drop-slot` drops on the server, for people; undefined when the source keeps nothing there. */
  replicationState(source: SourceConfig): string | undefined;
}

/** The loaded parts of a source. */
export interface SourceModule {
  /** The source's adapter for a task (connects lazily; `close()` releases everything). */
  createAdapter(plan: TaskPlan): SourceAdapter;
  /** `lakesync check`'s requirements; `tables` when already discovered. */
  runPreflight(plan: TaskPlan, tables?: SourceTable[]): Promise<CheckResult[]>;
}

interface Entry { facts: SourceFacts; load(): Promise<SourceModule> }

const sources: Record<SourceType, Entry> = {
  postgres: {
    facts: {
      positionKinds: ['lsn'],
      rediscover: true,
      stallHint: 'Check the walsender in pg_stat_replication (state, sent_lsn) and the network to the source.',
      replicationState: (s) => `replication slot ${s.slot} and publication ${s.publication}`,
    },
    load: async () => {
      const [adapter, preflight] = await Promise.all([import('./postgres/index'), import('./postgres/preflight')]);
      return { createAdapter: (plan) => adapter.createPostgresSource(plan), runPreflight: preflight.runPreflight };
    },
  },
  mysql: {
    facts: {
      positionKinds: ['binlog', 'gtid'],
      rediscover: false,
      stallHint: 'Check the binlog dump thread in SHOW PROCESSLIST and the network to the source.',
      replicationState: () => undefined,
    },
    load: async () => {
      const [adapter, preflight] = await Promise.all([import('./mysql/index'), import('./mysql/preflight')]);
      return { createAdapter: (plan) => adapter.createMysqlSource(plan), runPreflight: preflight.runPreflight };
    },
  },
};

function entry(type: SourceType): Entry {
  const e = sources[type];
  if (!e) throw new Error(`no source for source.type ${JSON.stringify(type)} (known: ${Object.keys(sources).join(', ')})`);
  return e;
}

export function sourceFacts(type: SourceType): SourceFacts {
  return entry(type).facts;
}

export async function sourceModule(type: SourceType): Promise<SourceModule> {
  return entry(type).load();
}

/** The task's source adapter. */
export async function openSource(plan: TaskPlan): Promise<SourceAdapter> {
  return (await sourceModule(plan.source.type)).createAdapter(plan);
}
