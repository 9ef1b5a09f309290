// What the Flink CDC pipeline asks of the task's source. One implementation per source
// (./mysql.ts, ./postgres.ts), reached through the source registry's facts (source/known.ts), so
// pipeline.ts never switches on source.type.
import type { TaskPlan } from '../../config/plan';
import type { SourceColumn } from '../../source/types';
import type { Entry } from './yaml';

/** Where the pipeline starts reading (a hand-over), from LakeSync's checkpoint. */
export type StartPosition =
  | { kind: 'binlog'; checkpoint: string; file?: string; pos?: number; gtid?: string; mariadb: boolean }
  | { kind: 'lsn'; checkpoint: string; lsn: string };

export interface FlinkCdcSource {
  /** The source block's `type` (Flink CDC's pipeline connector). */
  readonly connector: string;
  /** How Flink CDC names a table in a selector, for people (e.g. database.table). */
  readonly selectorForm: string;
  /** What the first part of a table id is called, for people (schema, database). */
  readonly container: string;
  /** Parts every selector starts with (PostgreSQL: the task's one database). */
  selectorPrefix(plan: TaskPlan): string[];
  /** What Flink CDC does with a source column, when that differs from LakeSync in a lossy way. */
  typeDifference(c: SourceColumn): string | undefined;
  /** How to pass source.tls to Flink CDC's connections, for people. */
  readonly tlsHint: string;
  /** The connector's own entries (replication slot, server ids); may add warnings. */
  connectionEntries(plan: TaskPlan, warnings: string[]): Entry[];
  /** scan.startup entries of a hand-over at `start` (a refusal when it cannot continue there). */
  startEntries(start: StartPosition, refusals: string[], alternative: string): Entry[];
  /** Entries after the start (new tables). */
  laterEntries(plan: TaskPlan): Entry[];
  /** What the connector does differently from LakeSync, for this task. */
  warnings(plan: TaskPlan): string[];
  /** Lines for the file's "What changes against LakeSync" header. */
  readonly headerNotes: string[];
}
