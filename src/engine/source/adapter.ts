// The contract between the task runner and a source (PostgreSQL or MySQL/MariaDB).
// The runner owns ordering, batching, checkpoints and the target; a source only reads.
import type { TaskPlan } from '../config/plan';
import type { Position } from '../positions';
import type { Row, Transaction } from '../pipeline/events';
import type { SourceTable, TableId } from './types';

/** A key range of one table for the snapshot; bounds are canonical text key tuples, null = open. */
export interface Chunk {
  table: TableId;
  /** 0-based chunk number within the table, stable across restarts (stored as chunk progress). */
  index: number;
  /** Inclusive lower bound of the primary key (null: from the start). */
  from: string[] | null;
  /** Exclusive upper bound of the primary key (null: to the end). */
  to: string[] | null;
  /** Optional extra filter (backfill --where), SQL in the source dialect. */
  where?: string;
}

/**
 * The CSV of `SnapshotSession.copyChunk`, read by `SnapshotChunkWriter.stageFile`: UTF-8, comma
 * separated, one row per record ended by \n, no header; a value is either quoted ("..." with
 * "" for a quote; it may hold newlines) or unquoted; NULL is the unquoted \N, and a quoted "\N"
 * is the two-character text.
 */
export const CHUNK_CSV = { delimiter: ',', quote: '"', escape: '"', null: '\\N' } as const;

export interface SnapshotSession {
  /**
   * Where the change stream must start so that, applied after the snapshot's rows, the target
   * converges to the source: the slot's consistent point (PostgreSQL) or the binlog position
   * read before the first chunk (MySQL).
   */
  readonly streamStart: Position;
  /** Splits a table into key-range chunks of about `chunkSize` rows. */
  planChunks(table: SourceTable, chunkSize: number, where?: string): Promise<Chunk[]>;
  /** Reads one chunk; `onRows` receives batches of rows (canonical text, column order of `table`). */
  readChunk(table: SourceTable, chunk: Chunk, onRows: (rows: Row[]) => Promise<void> | void): Promise<number>;
  /**
   * Optional bulk path: the chunk's rows written to `file` as CSV with no value passing through
   * JavaScript one by one (see CHUNK_CSV). Each field is exactly the canonical text readChunk
   * would give for it; columns in the order of `table.columns`. Resolves to the rows written, or
   * to undefined (nothing written) when a column of this table needs JavaScript to reach its
   * canonical text: the caller then uses readChunk. Same consistency as readChunk.
   */
  copyChunk?(table: SourceTable, chunk: Chunk, file: string): Promise<number | undefined>;
  /** Releases the snapshot's connections (and the exported snapshot). */
  close(): Promise<void>;
}

export interface StreamHandle {
  /** Stops reading; resolves once the connection is closed. */
  stop(): Promise<void>;
  /** Resolves when the stream ends by stop(), rejects when it fails (connection lost...). */
  readonly done: Promise<void>;
  /** When bytes last came from the source (data, keepalive or heartbeat), ms since epoch. */
  lastReceivedAt?(): number;
}

/**
 * Table shapes by source position, kept in the target's `_lakesync` schema (MySQL: the binlog
 * carries no column names, so a replay needs the shape that was valid at each position).
 */
export interface SchemaHistoryStore {
  saveSchema(table: TableId, position: string, definition: SourceTable): Promise<void>;
  /** Every saved shape of the table, oldest first; `position` as formatPosition wrote it. */
  schemaHistory(table: TableId): Promise<{ position: string; savedAt: string; table: SourceTable }[]>;
  /** Optional: schemaHistory of many tables in one read, by `db.table` (a mirror of 1,000 tables starts with 1 query, not 1,000). */
  schemaHistories?(tables: TableId[]): Promise<Map<string, { position: string; savedAt: string; table: SourceTable }[]>>;
  /** Optional: many saveSchema in one commit. */
  saveSchemas?(entries: { table: TableId; position: string; definition: SourceTable }[]): Promise<void>;
}

export interface SourceAdapter {
  readonly plan: TaskPlan;
  /** The task's concrete source tables with columns and keys (mode, tables, globs, excludes expanded). */
  discover(): Promise<SourceTable[]>;
  /** Current metadata of one table (after a DDL, or for a new table). */
  describe(table: TableId): Promise<SourceTable | undefined>;
  /**
   * Prepares a full sync of `tables`: PostgreSQL creates the slot (exporting its snapshot) and the
   * publication when missing; MySQL records the binlog position. `resume` is set whenever the
   * runner already has a checkpoint (an interrupted snapshot being finished, or a resync, backfill
   * or new table while the task streams): then keep the existing replication state; the runner
   * goes on streaming from its checkpoint, which is before this snapshot, and ignores
   * `streamStart` (replaying full-row changes over the snapshot's rows converges).
   */
  openSnapshot(tables: SourceTable[], concurrency: number, resume?: Position): Promise<SnapshotSession>;
  /**
   * Optional: the snapshot's chunk plan of a table, without touching replication state (no slot,
   * no publication, no snapshot transaction): `lakesync verify` checks the same chunks.
   */
  planChunks?(table: SourceTable, chunkSize: number, where?: string): Promise<Chunk[]>;
  /** The position where the source is now (for --no-snapshot without a checkpoint, and catch-up). */
  currentPosition(): Promise<Position>;
  /** Translates a start request (time, gtid) into a concrete position to stream from. */
  resolveStart(requested: Position): Promise<Position>;
  /**
   * Streams committed transactions from `from` (exclusive of what it already contains).
   * `onTransaction` may return a promise to apply backpressure. A transaction with no changes
   * only advances the position (keepalive / heartbeat on a quiet source): the runner checkpoints
   * and confirms it, which lets `--until-caught-up` finish and the slot advance. Such a position
   * must be proven: every transaction committed before it was handed over already.
   */
  stream(from: Position, tables: SourceTable[], onTransaction: (tx: Transaction) => Promise<void> | void): Promise<StreamHandle>;
  /**
   * Optional: how far the source's own reader has got, when it works before it sends (PostgreSQL:
   * the walsender's sent_lsn, which moves while a large transaction is decoded). A moving value
   * tells a long wait from a stall.
   */
  readerPosition?(): Promise<Position | undefined>;
  /** The target committed everything up to `position`: PostgreSQL confirms the slot's flush LSN. */
  confirm(position: Position): Promise<void>;
  close(): Promise<void>;
  /** Optional: `lakesync reset --drop-slot` drops the replication state (PostgreSQL: slot and publication). */
  dropReplicationState?(): Promise<void>;
  /**
   * Optional: the shapes `tables` had at `position` by the source's own schema history (MySQL), so
   * that a resumed task reads and applies the changes after its checkpoint with the shapes they
   * were written with, DDL included. Tables without a history keep their shape.
   */
  shapesAt?(position: Position, tables: SourceTable[]): Promise<SourceTable[]>;
  /** Optional: called by the runner before discover() with the target's schema history store. */
  attachState?(store: SchemaHistoryStore): void;
  /**
   * Optional: warnings about the source's replication state, for people (PostgreSQL: the slot's
   * retained WAL nears max_slot_wal_keep_size or grows large). Cheap; the runner may poll it
   * (e.g. once a minute) and log / record what it returns. Empty when all is well.
   */
  checkHealth?(): Promise<string[]>;
}
