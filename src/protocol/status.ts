// Task and table status: written by the engine (status stream, status file, `lakesync status`),
// read by the CLI, the extension's tree and the dashboard.

export type TaskPhase = 'stopped' | 'initializing' | 'full-sync' | 'incremental' | 'failed';
export type TablePhase = 'pending' | 'full-sync' | 'incremental' | 'cancelled' | 'stopped' | 'failed';

export interface FailoverEvent { time: string; cause: string; action: string }
export interface TableError {
  time: string; position?: string; message: string;
  /** 'info': an event for people that is no error (e.g. why the engine resynced the table); absent: an error or warning. */
  level?: 'info';
}

export interface TableStatus {
  /** Source `db.table`. */
  source: string;
  /** Target `namespace.table`. */
  target: string;
  phase: TablePhase;
  chunksDone: number;
  chunksTotal: number;
  /** Rows copied by the snapshot. */
  snapshotRows: number;
  rowsRead: number;
  rowsWritten: number;
  /** Formatted source position of the newest applied change. */
  position?: string;
  /** Source commit time of the newest applied change (ISO). */
  lastSourceTime?: string;
  /** Last write to the target (ISO). */
  lastUpdate?: string;
  /** Source commit -> visible in target, ms, for the newest batch. */
  latencyMs?: number;
  latencyP50Ms?: number;
  latencyP99Ms?: number;
  snapshotStartedAt?: string;
  snapshotEndedAt?: string;
  errors: TableError[];
  /** Files and history of the target table, for formats that keep them (Iceberg). */
  storage?: TableStorage;
  /** The newest `lakesync verify` of the table (docs/verify.md). */
  verified?: TableVerified;
}

/** An Iceberg table's files and snapshots now, and its last background maintenance. */
export interface TableStorage {
  dataFiles: number;
  deleteFiles: number;
  snapshots: number;
  /** skipped: a compaction met a concurrent change and is retried next round. */
  maintenance?: { at: string; outcome: 'ok' | 'skipped' | 'failed'; detail: string };
}

/** The outcome of the newest `lakesync verify` of one table. */
export interface TableVerified {
  at: string;
  result: 'equal' | 'different' | 'skipped' | 'error';
  rows: number;
  differences: number;
  repaired?: boolean;
  /** Why it was skipped or failed. */
  message?: string;
  /** The first differences, for people (key and columns; values never). */
  sample?: string[];
}

export interface TaskStatus {
  name: string;
  file: string;
  phase: TaskPhase;
  /** Process id of the engine running the task, when running. */
  pid?: number;
  startedAt?: string;
  updatedAt: string;
  position?: string;
  rowsRead: number;
  rowsWritten: number;
  readRate: number;
  writeRate: number;
  failovers: number;
  failoverEvents: FailoverEvent[];
  phases: { phase: TaskPhase; at: string }[];
  tables: TableStatus[];
  error?: string;
  /** Source health warnings in force now (retained WAL near its limit, binlog about to expire...). */
  warnings?: string[];
  /** `run --until-caught-up`: where the run must get to, and how far it is. */
  catchUp?: CatchUpStatus;
}

/**
 * The catch-up of `run --until-caught-up`: the source's position read once when it started, and
 * whether the target's committed checkpoint (`TaskStatus.position`) has reached it. Only
 * `caughtUp: true` means caught up; a quiet source never does.
 */
export interface CatchUpStatus {
  goal: string;
  caughtUp: boolean;
  /** Bytes of WAL / binlog between the checkpoint and the goal, when the positions tell it. */
  bytesLeft?: number;
  /** PostgreSQL: how far the walsender has read (it decodes a large transaction before sending any of it). */
  sourceRead?: string;
  /** Time since anything last came from the source, ms. */
  quietMs: number;
  /**
   * A normal run (no --until-caught-up) reads the source's position every few seconds as a moving
   * goal: when the newest position the committed checkpoint has reached was read. `caughtUp` is
   * true while that is recent.
   */
  reachedAt?: string;
}
