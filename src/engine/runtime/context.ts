// What the runner's parts share while a task runs: the plan, the source, the sink, the routes
// and per-table flags, the live status and the log.
import type { TaskPlan } from '../config/plan';
import type { Route } from '../pipeline/route';
import { Routes } from '../pipeline/routes';
import type { CheckpointPosition, Position } from '../positions';
import type { SourceAdapter } from '../source/adapter';
import type { SourceTable } from '../source/types';
import type { Sink } from '../sink/sink';
import type { LogLevel } from '../../protocol/ipc';
import type { StatusTracker } from './status';
import { HoldGate } from './hold';

export type Log = (level: LogLevel, message: string) => void;

/** A table waiting for (or in) a full sync. */
export interface SnapshotRequest {
  source: string;
  /** fresh: plan chunks anew; resume: finish the stored chunk plan. */
  kind: 'fresh' | 'resume';
  /** backfill filter (source SQL). */
  where?: string;
  /** backfill: the same rows in the target's SQL; those the backfill did not write are removed (verify --repair). */
  targetWhere?: string;
  /**
   * A whole-table resync that first brings the table to its shape at the source now (the stream
   * may not have reached the source's newest DDL): after a schema change the stream cannot carry.
   */
  align?: boolean;
  /** A resync: why it was asked for (said again if it has to wait, resync.ts deferResync). */
  why?: string[];
  /**
   * A resync started although the stream's shape of the table differs from the source's: the
   * checkpoint has passed `at`, read right after the source described the table as `shape`.
   * The copy may take the source's shape at the checkpoint only while the source still has it.
   */
  settled?: ShapeGoal;
}

/** A source position read right after the source described a table as `shape`. */
export interface ShapeGoal { at: Position; shape: SourceTable }

export class StopSignal extends Error {
  constructor(reason = 'stopped') { super(reason); this.name = 'StopSignal'; }
}

export class TaskContext {
  /** Source `db.table` -> route, and the halted tables (failed, cancelled, force-stopped): halt them with halt.ts haltTable. */
  readonly routes = new Routes();
  /** Tables under rules.keylessTables: append: their updates and deletes are not applied. */
  readonly appendOnly = new Set<string>();
  /** Tables whose running snapshot must stop now. */
  readonly abortSnapshot = new Set<string>();
  /** Full syncs to run, in order (prioritize moves one to the front). */
  snapshotQueue: SnapshotRequest[] = [];
  /** The stored checkpoint once there is one: the source position the sink has committed. */
  checkpoint?: CheckpointPosition;
  stopping = false;
  /** Set while streaming: ends the stream (flushing what is complete) for a stop or a full sync. */
  interrupt?: (why: 'stopped' | 'resnapshot') => void;
  /** Apply holds of `lakesync verify` (the stream waits at a held position). */
  readonly holds = new HoldGate();
  /**
   * Resyncs asked for by schema changes the stream cannot carry, waiting for the stream to reach
   * the source's shape (resync.ts); `goal`: the source position read right after the source last
   * described the table in a shape the stream had not reached, with that shape.
   */
  readonly pendingResync = new Map<string, { why: string[]; goal?: ShapeGoal }>();
  /** Snapshot order overrides: lower goes first (prioritize gives ever lower ranks). */
  readonly priorities = new Map<string, number>();
  private prioritySeq = 0;

  constructor(readonly plan: TaskPlan, readonly adapter: SourceAdapter, readonly sink: Sink,
    readonly status: StatusTracker, readonly log: Log) {}

  routeFor = (key: string): Route | undefined => this.routes.live(key);

  source(key: string): SourceTable | undefined { return this.routes.get(key)?.source; }

  targetName(route: Route): string { return `${route.mapping.namespace}.${route.mapping.table}`; }

  /** Counts and records a failover (status now, `_lakesync.failovers` for later runs). */
  async failover(cause: string, action: string): Promise<void> {
    this.status.failover(cause, action);
    await this.sink.state.addFailover(cause, action).catch(() => undefined);
  }

  prioritize(source: string): void {
    this.priorities.set(source, -(++this.prioritySeq));
    const req = this.snapshotQueue.find((r) => r.source === source);
    if (req) this.queueSnapshot(req, true);
  }

  queueSnapshot(req: SnapshotRequest, first = false): void {
    this.snapshotQueue = this.snapshotQueue.filter((r) => r.source !== req.source);
    if (first) this.snapshotQueue.unshift(req); else this.snapshotQueue.push(req);
  }
}
