// The one interface between the runtime and a lakehouse format. The runtime (src/engine/runtime)
// talks to a sink only through `Sink` and `SinkState`, and opens one only through the registry
// (./registry.ts, keyed by the task file's `target.type`). DuckDB (./duckdb) is the first
// implementation; a new format implements these two interfaces, registers a factory, and touches
// nothing else.
//
// The contract in one sentence: after any crash, each table holds exactly the changes up to the
// source position the sink says it holds, so the runtime can resume from the lowest of them and
// skip, per table, what a table already holds. See `applyBatch` and `TableState.position`.
import type { TargetConfig } from '../config/plan';
import type { TableBatch } from '../pipeline/batch';
import type { Row } from '../pipeline/events';
import type { Route } from '../pipeline/route';
import type { Position } from '../positions';
import type { Chunk, SchemaHistoryStore } from '../source/adapter';
import type { SourceTable, TableId } from '../source/types';
import type { TableMapping } from '../typemap/types';
import type { QueryResult, TableOp } from '../../protocol/ipc';
import type { TableStorage } from '../../protocol/status';

/** What one applied batch did, summed over its tables. */
export interface AppliedBatch { rows: number; deleted: number; inserted: number }

/**
 * A schema operation on an existing target table. Types are target types as the type map writes
 * them (`ColumnMapping.targetType`: DuckDB SQL spelling such as `BIGINT`, `DECIMAL(12,2)`,
 * `TIMESTAMPTZ`, `INTEGER[]`); a sink of another format translates them to its own types.
 * The runtime decides WHICH operation to run (the task's rules); the sink only runs it.
 */
export type SchemaOperation =
  /**
   * A new nullable column, after the existing ones: NULL in every existing row, or `fill` (the
   * value the source's rows took when it added the column: canonical text, read through
   * `fromText`, ColumnMapping.fromText of the column).
   */
  | { kind: 'add-column'; column: string; type: string; fill?: { text: string; fromText: string } }
  /** Removes a column and its values. Never sent for key columns. */
  | { kind: 'drop-column'; column: string }
  /** Renames a column, keeping its values and place. */
  | { kind: 'rename-column'; from: string; to: string }
  /**
   * Changes a column's type; the runtime asks for a narrowing only after `valuesFit` said every
   * value fits the new type (a widening always fits).
   */
  | { kind: 'change-type'; column: string; type: string };

/** The resume position of the whole task. */
export interface Checkpoint {
  /** Every table holds at least the changes up to here: the stream resumes here. */
  position: Position;
  /** Where the stream of the first full sync started (kept for status and export). */
  streamStart?: Position;
  /** ISO time of the last update. */
  updatedAt: string;
}

/** A table's row in the state store. `source` is the source `db.table` (the table's key everywhere). */
export interface TableState {
  source: string;
  /** `namespace.table` of the target table. */
  target: string;
  /** A TablePhase of src/protocol/status.ts ('pending', 'full-sync', 'incremental', 'cancelled', 'stopped', 'failed'). */
  phase: string;
  chunksDone: number;
  chunksTotal: number;
  snapshotRows: number;
  rowsWritten: number;
  /**
   * The source position this table holds: every change of this table up to here is in the
   * target, committed together with this value. May be ahead of the task checkpoint (a sink that
   * commits table by table and stopped between two tables); the runtime then skips this table's
   * changes up to here. Undefined until the table's first applied batch with a position.
   */
  position?: Position;
  /** ISO time of the newest applied source commit. */
  lastSourceTime?: string;
  lastUpdate?: string;
  /** 'append' when the table was empty at the start of its snapshot, else 'upsert'. */
  loadMode?: string;
  snapshotStartedAt?: string;
  snapshotEndedAt?: string;
  /** Backfill filter (source SQL) of the snapshot in progress. */
  whereClause?: string;
}

/** One chunk of a stored snapshot plan and its progress. */
export interface StoredChunk extends Chunk { done: boolean; rows: number }
/** A recorded error (kept for `lakesync status` and the exceptions view; the newest 200 are enough). */
export interface StoredError { time: string; source?: string; position?: string; message: string }
/** A table operation queued while the task was not running, done at its next start. */
export interface QueuedOp { id: number; op: TableOp; source: string; where?: string; queuedAt: string }
/** Reconnects, retried chunks and engine restarts, kept across engine processes. */
export interface Failovers { count: number; recent: { time: string; cause: string; action: string }[] }

/** The part of the state store that a task that is not running can be asked (status, details). */
export interface SinkStateReader {
  checkpoint(): Promise<Checkpoint | undefined>;
  tables(): Promise<TableState[]>;
  table(source: string): Promise<TableState | undefined>;
  /** The newest errors first, of one table or of all. */
  errors(source?: string, limit?: number): Promise<StoredError[]>;
  failovers(): Promise<Failovers>;
  queuedOps(): Promise<QueuedOp[]>;
}

/**
 * LakeSync's own state, kept by the sink next to the data it describes (DuckDB: schema
 * `_lakesync` of the same file). Every method is atomic on its own and safe to call while a
 * batch or a chunk is being written (an implementation serializes what must not interleave).
 * Writes that belong to data (a table's position, chunk "done" marks, the snapshot's end) are
 * not here: they happen inside `applyBatch`, `SnapshotChunkWriter.commitChunk` and
 * `finishSnapshot`, in the same commit as the data.
 */
export interface SinkState extends SinkStateReader, SchemaHistoryStore {
  /** Stores the task's resume position (and, for the first full sync, where its stream starts). */
  saveCheckpoint(position: Position, streamStart?: Position): Promise<void>;
  /** Forgets checkpoint, table states, chunk plans, queued work, errors, failovers and schema history. Data stays. */
  reset(): Promise<void>;
  /** Creates or updates a table's row (target name and phase; counters kept). */
  upsertTable(source: string, target: string, phase: string): Promise<void>;
  /** Optional: upsertTable of many tables in one commit. */
  upsertTables?(rows: { source: string; target: string; phase: string }[]): Promise<void>;
  setPhase(source: string, phase: string): Promise<void>;
  /**
   * A fresh snapshot plan for a table, in one commit: the chunks replace any earlier plan, the
   * table's snapshot counters restart, its phase becomes 'full-sync' and its snapshot start time now.
   */
  saveChunkPlan(source: string, chunks: Chunk[], loadMode: 'append' | 'upsert', where?: string): Promise<void>;
  /** Optional: saveChunkPlan of many tables in one commit. */
  saveChunkPlans?(plans: { source: string; chunks: Chunk[]; loadMode: 'append' | 'upsert'; where?: string }[]): Promise<void>;
  /** The table's stored plan in index order (`id` fills Chunk.table). */
  chunkPlan(source: string, id: TableId): Promise<StoredChunk[]>;
  /** Records an error; `position` is a formatted source position (for people). */
  addError(message: string, source?: string, position?: string): Promise<void>;
  addFailover(cause: string, action: string): Promise<void>;
  queueOp(op: TableOp, source: string, where?: string): Promise<void>;
  /** The queued operations, oldest first, removed from the queue. */
  takeOps(): Promise<QueuedOp[]>;
}

/** A chunk read into a CSV file (SnapshotSession.copyChunk), with the rows the source wrote. */
export interface ChunkFile { index: number; file: string; rows: number }

/**
 * Writes snapshot chunks of one reader. The runtime uses two per reader (one stages the next
 * chunk while the other commits) and never uses one writer from two places at once.
 */
export interface SnapshotChunkWriter {
  /** Stages rows of the chunk being read (source column order of `route.source`); nothing is visible yet. */
  stage(route: Route, rows: Row[], snapshotMs: number): Promise<void>;
  /**
   * Optional bulk path: stages the whole chunk from a CSV file written by
   * `SnapshotSession.copyChunk` (source column order of `route.source`, see CHUNK_CSV), in place
   * of `stage` calls. Returns the rows staged. On failure nothing is staged and the caller reads
   * the chunk again through `stage`.
   */
  stageFile?(route: Route, file: string, snapshotMs: number): Promise<number>;
  /**
   * Commits the staged rows together with the chunk's "done" mark (StoredChunk.done, and the
   * table's chunksDone / snapshotRows / rowsWritten counters): after a crash the chunk is either
   * fully in the target and marked, or absent and read again. `append`: the table had no rows
   * when its snapshot began (plain insert); else rows are upserted by key. Returns the rows.
   */
  commitChunk(route: Route, index: number, append: boolean): Promise<number>;
  /**
   * Optional: the table's last unfinished chunk and the end of its full sync (`Sink.finishSnapshot`
   * with the same arguments) in ONE commit: a table of one chunk (most tables of a large database
   * mirror) costs one commit instead of two. Returns the chunk's rows and the stale rows removed.
   */
  commitLastChunk?(route: Route, index: number, append: boolean, removeStale: boolean, within?: string): Promise<{ rows: number; removed: number }>;
  /**
   * Optional: chunks of one table that had no rows when its snapshot began (append), read into CSV
   * files by `SnapshotSession.copyChunk`, committed in ONE transaction with their done marks,
   * straight from the files (no stage: the writer's stage is left alone). `last`: they are the
   * table's last unfinished chunks and the end of its full sync commits with them (as
   * commitLastChunk). Throws, committing nothing, when the files do not hold the chunks' rows or
   * a value is refused. Returns the rows and the stale rows removed.
   */
  commitFiles?(route: Route, chunks: readonly ChunkFile[], snapshotMs: number, last?: { removeStale: boolean; within?: string }): Promise<{ rows: number; removed: number }>;
  /** With commitFiles: the rows worth committing at once (the runtime groups chunks up to this). */
  readonly fileCommitRows?: number;
  /** Throws the staged rows away (a failed or cancelled chunk). */
  abandon(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A lakehouse target. Table identity is the mapping's `namespace` + `table`; rows of a route are
 * the route's source rows (canonical text, see pipeline/events.ts `Row`) placed by
 * `route.columnIndex`. Every target table carries the metadata columns of typemap/ddl.ts; when
 * `route.merged`, the sink also writes the route's source identity (`route.source.id` into
 * `_lakesync_source_db` / `_lakesync_source_table`) and scopes deletes, truncates and
 * snapshot clean-up to that source: the identity is the sink's job, not the runtime's.
 */
export interface Sink {
  readonly state: SinkState;
  /**
   * Optional: the most tables one applied batch should span (the stream applies its batch once a
   * transaction took it to this many). DuckDB holds per-table memory until a checkpoint, which
   * cannot run inside the batch's transaction: 300 small tables in one batch ran it out of memory.
   */
  readonly maxTablesPerBatch?: number;

  /** Creates the namespace and the table when missing; an existing table is left as it is. */
  ensureTable(mapping: TableMapping): Promise<void>;
  /** The existing table's data and metadata columns with their target types, in order; empty when it does not exist. */
  tableColumns(mapping: TableMapping): Promise<Map<string, string>>;
  /** Optional: ensureTable of many tables at once; the tables that could not be created, with why (the others are). */
  ensureTables?(mappings: TableMapping[]): Promise<Map<TableMapping, Error>>;
  /** Optional: tableColumns of many tables in one read. */
  tablesColumns?(mappings: TableMapping[]): Promise<Map<TableMapping, Map<string, string>>>;
  /** Whether two target type spellings are the same type (`TIMESTAMPTZ` = `TIMESTAMP WITH TIME ZONE`). */
  sameType(a: string, b: string): Promise<boolean>;
  /** Runs one schema operation on the table (committed on return). */
  alterTable(mapping: TableMapping, op: SchemaOperation): Promise<void>;
  /**
   * Optional: a schema change and the position past it in ONE commit: runs `ops` in order on
   * the table of `mapping`, saves `shape` (the source table's shape from here on) in the schema
   * history at `position`, and `position` as the task checkpoint. After a crash the target holds
   * all of it or none, so the shapes at the checkpoint always describe the target's tables. A
   * sink without it gets each op through `alterTable`, then the shape and the checkpoint: a crash
   * between them replays the schema change, whose ops the runtime only repeats where the target
   * lacks them.
   */
  applySchema?(mapping: TableMapping, ops: SchemaOperation[], position: Position, shape: SourceTable): Promise<void>;
  /**
   * Optional: whether every value of a column converts to `type` unchanged, so that a narrowing
   * (length, precision, scale, integer width) may apply. A sink without it keeps the wider type.
   */
  valuesFit?(mapping: TableMapping, column: string, type: string): Promise<boolean>;
  /** Drops the table and its rows (rules.dropTable: drop); nothing when it does not exist. */
  dropTable(mapping: TableMapping): Promise<void>;
  /** Rows of the route's target table that came from the route's source table. */
  rowCount(route: Route): Promise<number>;

  /**
   * Applies reduced table batches (at most one entry per key; `truncate` first) and records
   * `position` as the position of every table in the batch and then as the task checkpoint.
   * Each table's data commits together with its position. DuckDB commits all tables and the
   * checkpoint in one transaction; a sink that commits table by table must commit each table's
   * data with its position atomically and the checkpoint only after the last table, so that after
   * a crash no table holds less than the checkpoint and none holds changes past its own position.
   * `position` undefined (a batch ending inside a very large source transaction) keeps every
   * position as it is; replaying such a batch later converges (full-row upserts and deletes by key).
   * On failure nothing of the batch may be visible as committed beyond a table's own position.
   */
  applyBatch(tables: TableBatch[], position: Position | undefined): Promise<AppliedBatch>;
  /** Tries one table's batch without keeping anything: the error it would raise, if any. */
  probe(batch: TableBatch): Promise<Error | undefined>;

  /** A new writer for snapshot chunks (the runtime closes it). */
  snapshotWriter(): Promise<SnapshotChunkWriter>;
  /**
   * Ends a table's full sync in one commit: marks it 'incremental', forgets its chunk plan and,
   * when `removeStale`, deletes the route's rows not written again since the snapshot started
   * (rows gone at the source). Returns the rows removed. `within` (a backfill of `verify
   * --repair`): only rows matching this DuckDB SQL filter are candidates, and rows LakeSync never
   * wrote (no synced-at) count as stale too.
   */
  finishSnapshot(route: Route, removeStale: boolean, within?: string): Promise<number>;

  /** A read-only query for people (the extension's Query command): one statement, at most `limit` rows. */
  query(sql: string, limit?: number): Promise<QueryResult>;
  /** Optional: the files and snapshots of target table `namespace.table` (formats that keep them), for the status. */
  storage?(target: string): Promise<TableStorage | undefined>;
  close(): Promise<void>;
}

/** A stopped task's sink, opened without writing (`lakesync status`, `query`, table details). */
export interface ReadOnlySink {
  /** Undefined when the sink holds no LakeSync state (yet). */
  readonly state: SinkStateReader | undefined;
  query(sql: string, limit: number): Promise<QueryResult>;
  storage?(target: string): Promise<TableStorage | undefined>;
  close(): Promise<void>;
}

/** How the registry (./registry.ts) opens a sink of one `target.type`. */
/** What the task's parameters allow the sink's engine (DuckDB) to use. */
export interface SinkLimits {
  /** parameters.memoryMb: the memory of the whole engine process, MiB. */
  memoryMb: number;
}

export interface SinkFactory {
  /**
   * Opens the sink of a task for writing (one writer at a time; a second one fails with a
   * UserError that says what holds it). Creates what is missing (file, state store).
   */
  open(target: TargetConfig, limits?: SinkLimits): Promise<Sink>;
  /** Opens a stopped task's sink without writing; undefined when it does not exist. */
  openReadOnly(target: TargetConfig): Promise<ReadOnlySink | undefined>;
  /**
   * Optional: the DuckDB type `query` shows for a column of target type `targetType`, when the
   * format stores it in another, lossless form (Iceberg: INTERVAL as its text, UBIGINT as
   * DECIMAL(20,0)); `CAST(column AS targetType)` gives the value back. Absent: stored as is.
   */
  storedType?(targetType: string): string;
}
