// The embedded lakehouse: one DuckDB file holding the target namespace and `_lakesync` state.
// Change batches and their checkpoint commit in one transaction; snapshot chunks and their
// "done" mark commit in one transaction. Implements ../sink.ts.
import type { TableBatch } from '../../pipeline/batch';
import type { Row } from '../../pipeline/events';
import type { Route } from '../../pipeline/route';
import { formatPosition, type Position } from '../../positions';
import type { SourceTable, TableId } from '../../source/types';
import type { Chunk } from '../../source/adapter';
import type { TableMapping } from '../../typemap/types';
import type { QueryResult, TableOp } from '../../../protocol/ipc';
import type { AppliedBatch, ChunkFile, SchemaOperation, Sink, SinkLimits, SinkState, SnapshotChunkWriter } from '../sink';
import { applyTableBatch, commitStagedSnapshot, dropStage, insertSnapshotFiles, stageSnapshotFile, stageSnapshotRows } from './apply';
import { Conn, Db } from './db';
import { createTableSql } from './ddl';
import { fromTextExpr, qualified, quoteIdent, quoteLiteral } from './sql';
import { StateStore } from './state';
import { Mutex } from '../mutex';
import { TableMemory, TABLES_PER_RELEASE } from './tablememory';
import { traceMemory } from './memtrace';
import { BulkCommits, ROW_GROUP_ROWS } from './bulkcommit';

export type { AppliedBatch };

/**
 * The state store as the runtime sees it. Writes to the state the data path also writes (tables,
 * chunks, checkpoint, queued operations) go through the main connection under the write lock,
 * so they never land inside a data transaction nor conflict with one. Reads, errors, failovers
 * and schema history use a second connection that is never in a transaction: they are never
 * held up by a long batch and never join one by accident.
 */
class DuckDbState implements SinkState {
  constructor(private readonly main: StateStore, private readonly conn: Conn, private readonly side: StateStore,
    private readonly lock: Mutex) {}

  private locked<T>(fn: () => Promise<T>): Promise<T> { return this.lock.run(fn); }

  checkpoint() { return this.side.checkpoint(); }
  tables() { return this.side.tables(); }
  table(source: string) { return this.side.table(source); }
  errors(source?: string, limit?: number) { return this.side.errors(source, limit); }
  failovers() { return this.side.failovers(); }
  queuedOps() { return this.side.queuedOps(); }
  chunkPlan(source: string, id: TableId) { return this.side.chunkPlan(source, id); }
  schemaHistory(table: TableId) { return this.side.schemaHistory(table); }
  schemaHistories(tables: TableId[]) { return this.side.schemaHistories(tables); }

  saveCheckpoint(at: Position, streamStart?: Position) { return this.locked(() => this.main.saveCheckpoint(at, streamStart)); }
  reset() { return this.locked(() => this.conn.transaction(() => this.main.reset())); }
  upsertTable(source: string, target: string, phase: string) { return this.locked(() => this.main.upsertTable(source, target, phase)); }
  upsertTables(rows: { source: string; target: string; phase: string }[]) {
    return this.locked(() => this.conn.transaction(() => this.main.upsertTables(rows)));
  }
  setPhase(source: string, phase: string) { return this.locked(() => this.main.setPhase(source, phase)); }
  saveChunkPlan(source: string, chunks: Chunk[], loadMode: 'append' | 'upsert', where?: string) {
    return this.locked(() => this.conn.transaction(() => this.main.saveChunkPlan(source, chunks, loadMode, where)));
  }
  saveChunkPlans(plans: { source: string; chunks: Chunk[]; loadMode: 'append' | 'upsert'; where?: string }[]) {
    return this.locked(() => this.conn.transaction(() => this.main.saveChunkPlans(plans)));
  }
  queueOp(op: TableOp, source: string, where?: string) { return this.locked(() => this.main.queueOp(op, source, where)); }
  takeOps() { return this.locked(() => this.conn.transaction(() => this.main.takeOps())); }

  addError(message: string, source?: string, position?: string) { return this.side.addError(message, source, position); }
  addFailover(cause: string, action: string) { return this.side.addFailover(cause, action); }
  saveSchema(table: TableId, position: string, definition: SourceTable) { return this.side.saveSchema(table, position, definition); }
  saveSchemas(entries: { table: TableId; position: string; definition: SourceTable }[]) { return this.side.saveSchemas(entries); }
}

export class DuckDbSink implements Sink {
  private readonly writeLock = new Mutex();
  readonly state: SinkState;
  /** Checkpoints and empties DuckDB's cache as the tables written add up (see tablememory.ts). */
  readonly tableMemory: TableMemory;
  readonly maxTablesPerBatch = TABLES_PER_RELEASE;
  /** Checkpoints snapshot commits of whole row groups without vacuum (see bulkcommit.ts). */
  readonly bulkCommits: BulkCommits;

  /** `conn` is the data connection (tests read the target through it; the runtime never does). */
  private constructor(readonly db: Db, readonly conn: Conn, private readonly store: StateStore, sideConn: Conn) {
    this.state = new DuckDbState(store, conn, new StateStore(sideConn), this.writeLock);
    this.tableMemory = new TableMemory(conn, db.memoryLimitMb);
    this.bulkCommits = new BulkCommits(conn);
    this.stopTrace = traceMemory(sideConn);
  }

  /** LAKESYNC_MEMORY_TRACE (memtrace.ts): stopped before the connections close. */
  private readonly stopTrace: () => void;

  static async open(path: string, limits?: SinkLimits): Promise<DuckDbSink> {
    const db = await Db.open(path, limits ? { memoryMb: limits.memoryMb } : {});
    const conn = await db.connect();
    const state = await StateStore.init(conn);
    // A second connection for state written from outside the data path (schema history from
    // a reader, errors) so it never joins a data transaction by accident.
    const side = await db.connect();
    return new DuckDbSink(db, conn, state, side);
  }

  /** Creates the namespace and the table when missing (an existing table is kept as it is). */
  async ensureTable(m: TableMapping, createSql: (m: TableMapping) => string = createTableSql): Promise<void> {
    await this.writeLock.run(async () => {
      await this.conn.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(m.namespace)}`);
      await this.conn.exec(createSql(m));
    });
  }

  /**
   * ensureTable of many tables in one commit (a statement that commits alone costs a WAL sync:
   * 1,000 tables took seconds). When one fails, each is created alone so that only that one fails.
   */
  async ensureTables(mappings: TableMapping[], createSql: (m: TableMapping) => string = createTableSql): Promise<Map<TableMapping, Error>> {
    const failed = new Map<TableMapping, Error>();
    const together = await this.writeLock.run(() => this.conn.transaction(async () => {
      for (const ns of new Set(mappings.map((m) => m.namespace))) await this.conn.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(ns)}`);
      for (const m of mappings) await this.conn.exec(createSql(m));
    })).then(() => true, () => false);
    if (!together) {
      for (const m of mappings) await this.ensureTable(m, createSql).catch((err: Error) => { failed.set(m, err); });
    }
    return failed;
  }

  /** tableColumns of many tables in one catalog read (duckdb_columns() lists every table: once per table was quadratic). */
  async tablesColumns(mappings: TableMapping[]): Promise<Map<TableMapping, Map<string, string>>> {
    const rows = await this.conn.rows<{ schema_name: string; table_name: string; column_name: string; data_type: string }>(
      'SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() ORDER BY schema_name, table_name, column_index');
    const byName = new Map<string, Map<string, string>>();
    for (const r of rows) {
      const key = JSON.stringify([r.schema_name, r.table_name]);
      const cols = byName.get(key) ?? new Map<string, string>();
      cols.set(r.column_name, r.data_type);
      byName.set(key, cols);
    }
    return new Map(mappings.map((m) => [m, byName.get(JSON.stringify([m.namespace, m.table])) ?? new Map<string, string>()]));
  }

  /** The existing target table's columns and their DuckDB types (empty when the table does not exist). */
  async tableColumns(m: TableMapping): Promise<Map<string, string>> {
    const rows = await this.conn.rows<{ column_name: string; data_type: string }>(
      'SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? ORDER BY column_index',
      [m.namespace, m.table]);
    return new Map(rows.map((r) => [r.column_name, r.data_type]));
  }

  private readonly typeNames = new Map<string, string | null>();

  /** DuckDB's own name of a type (`TIMESTAMPTZ` -> `TIMESTAMP WITH TIME ZONE`), asked once per spelling. */
  private async typeName(t: string): Promise<string | null> {
    if (!this.typeNames.has(t)) {
      try {
        const [r] = await this.conn.rows<{ t: string }>(`SELECT typeof(CAST(NULL AS ${t})) AS t`);
        this.typeNames.set(t, r.t);
      } catch {
        this.typeNames.set(t, null);
      }
    }
    return this.typeNames.get(t)!;
  }

  /** Whether two type names are the same DuckDB type (unknown spellings count as equal). */
  async sameType(a: string, b: string): Promise<boolean> {
    if (a === b) return true;
    const [na, nb] = [await this.typeName(a), await this.typeName(b)];
    return na === null || nb === null || na === nb;
  }

  async alterTable(m: TableMapping, op: SchemaOperation): Promise<void> {
    const statements = alterSql(m, op);
    await this.writeLock.run(async () => {
      if (statements.length === 1) { await this.conn.exec(statements[0]); return; }
      await this.conn.transaction(async () => { for (const sql of statements) await this.conn.exec(sql); });
    });
  }

  /** The schema change, its shape in the schema history and the checkpoint past it: one transaction. */
  async applySchema(m: TableMapping, ops: SchemaOperation[], position: Position, shape: SourceTable): Promise<void> {
    await this.writeLock.run(() => this.conn.transaction(async () => {
      // DuckDB refuses to commit an ALTER of a table after a write to its rows in one
      // transaction: every ALTER first, then the fills of added columns
      const fills: [SchemaOperation, string][] = [];
      for (const op of ops) {
        const [alter, fill] = alterSql(m, op);
        await this.conn.exec(alter).catch((err: Error) => { throw new Error(`${JSON.stringify(op)}: ${err.message}`); });
        if (fill) fills.push([op, fill]);
      }
      for (const [op, fill] of fills) await this.conn.exec(fill).catch((err: Error) => { throw new Error(`${JSON.stringify(op)}: ${err.message}`); });
      await this.store.saveSchema(shape.id, formatPosition(position), shape);
      await this.store.saveCheckpoint(position);
    }));
  }

  async valuesFit(m: TableMapping, column: string, type: string): Promise<boolean> {
    const c = quoteIdent(column);
    const [r] = await this.conn.rows<{ n: bigint }>(`SELECT count(*) AS n FROM ${qualified(m.namespace, m.table)} `
      + `WHERE ${c} IS NOT NULL AND (TRY_CAST(${c} AS ${type}) IS NULL OR TRY_CAST(${c} AS ${type}) <> ${c})`);
    return Number(r.n) === 0;
  }

  async dropTable(m: TableMapping): Promise<void> {
    await this.writeLock.run(() => this.conn.exec(`DROP TABLE IF EXISTS ${qualified(m.namespace, m.table)}`));
  }

  async rowCount(route: Route): Promise<number> {
    const [r] = await this.conn.rows<{ n: bigint }>(`SELECT count(*) AS n FROM ${qualified(route.mapping.namespace, route.mapping.table)} t`
      + (route.merged ? ` WHERE t."_lakesync_source_db" = ${quoteLiteral(route.source.id.db)} AND t."_lakesync_source_table" = ${quoteLiteral(route.source.id.table)}` : ''));
    return Number(r.n);
  }

  /**
   * Applies the batch's tables and stores `position` as their position and the checkpoint, all in
   * ONE transaction: after a crash the target holds exactly the changes up to the stored position,
   * or the batch and the position are both absent. `position` undefined keeps the checkpoint (a
   * batch that ends inside a large source transaction; replaying it later converges, see runtime/stream.ts).
   */
  async applyBatch(tables: TableBatch[], position: Position | undefined): Promise<AppliedBatch> {
    return this.writeLock.run(async () => {
      const applied = await this.conn.transaction(async () => {
        const out: AppliedBatch = { rows: 0, deleted: 0, inserted: 0 };
        for (const b of tables) {
          const r = await applyTableBatch(this.conn, b);
          out.deleted += r.deleted;
          out.inserted += r.inserted;
          out.rows += b.entries.size;
          await this.store.tableApplied(b.route.key, b.entries.size, position, b.lastCommitTime);
        }
        if (position !== undefined) await this.store.saveCheckpoint(position);
        return out;
      });
      await this.tableMemory.wrote(tables.map((b) => b.route.key));
      return applied;
    });
  }

  /**
   * Ends a table's full sync. After a full sync over existing rows (resync, a run after reset),
   * rows the snapshot did not write again are gone at the source: they are deleted, in the same
   * transaction that marks the table incremental. (No change is applied while a snapshot runs.)
   */
  async finishSnapshot(route: Route, removeStale: boolean, within?: string): Promise<number> {
    return this.writeLock.run(() => this.conn.transaction(async () => {
      const removed = removeStale ? await removeStaleRows(this.conn, route, within) : 0;
      await this.store.snapshotFinished(route.key);
      return removed;
    }));
  }

  /** Tries one table's batch in a transaction that is always rolled back: the error it would raise, if any. */
  async probe(batch: TableBatch): Promise<Error | undefined> {
    return this.writeLock.run(async () => {
      await this.conn.exec('BEGIN TRANSACTION');
      try {
        await applyTableBatch(this.conn, batch);
        return undefined;
      } catch (err) {
        return err as Error;
      } finally {
        await this.conn.exec('ROLLBACK').catch(() => undefined);
      }
    });
  }

  /** A writer of snapshot chunks with its own connection (and so its own TEMP stage). */
  async snapshotWriter(): Promise<SnapshotWriter> {
    const conn = await this.db.connect();
    return new SnapshotWriter(conn, new StateStore(conn), this.writeLock, this.tableMemory, this.bulkCommits);
  }

  /** Read-only query for the user (the extension's Query command): one statement, no writes. */
  async query(sql: string, limit = 1000): Promise<QueryResult> {
    const conn = await this.db.connect();
    try {
      const statements = await conn.raw.extractStatements(sql);
      if (statements.count !== 1) throw new Error('a query must be exactly one statement');
      const trimmed = sql.trim().replace(/^\(+/, '').toLowerCase();
      if (!/^(select|with|from|describe|show|summarize|explain|pragma\s+table_info|values)\b/.test(trimmed)) {
        throw new Error('only read-only statements (SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN) run through the engine');
      }
      // A rolled-back transaction guarantees no write survives even if the statement tried one.
      await conn.exec('BEGIN TRANSACTION');
      try { return await conn.columnsAndRows(sql, limit); } finally { await conn.exec('ROLLBACK'); }
    } finally {
      await conn.close();
    }
  }

  /** Closes every connection (a snapshot writer's too) once its statement in flight is done, then the file. */
  async close(): Promise<void> {
    this.stopTrace();
    await this.db.close();
  }
}

/**
 * After a full sync over existing rows: deletes the rows the snapshot did not write again (synced
 * before it started). Within a backfill's target filter (verify --repair), a row LakeSync never
 * wrote is stale too. Run it in the transaction that ends the table's full sync.
 */
async function removeStaleRows(conn: Conn, route: Route, within?: string): Promise<number> {
  const filter = route.merged
    ? ` AND t."_lakesync_source_db" = ${quoteLiteral(route.source.id.db)} AND t."_lakesync_source_table" = ${quoteLiteral(route.source.id.table)}`
    : '';
  const synced = within ? '(t."_lakesync_synced_at" IS NULL OR t."_lakesync_synced_at" < ' : '(t."_lakesync_synced_at" < ';
  return conn.exec(`DELETE FROM ${qualified(route.mapping.namespace, route.mapping.table)} t `
    + `WHERE ${synced}(SELECT snapshot_started_at FROM "_lakesync".tables WHERE source = ${quoteLiteral(route.key)}))${filter}`
    + `${within ? ` AND (${within})` : ''}`);
}

/** The statement of one schema operation, and for an added column with a fill value the UPDATE that fills it. */
function alterSql(m: TableMapping, op: SchemaOperation): string[] {
  const t = qualified(m.namespace, m.table);
  if (op.kind === 'add-column' && op.fill) {
    return [`ALTER TABLE ${t} ADD COLUMN ${quoteIdent(op.column)} ${op.type}`,
      `UPDATE ${t} SET ${quoteIdent(op.column)} = ${fromTextExpr(op.fill.fromText, quoteLiteral(op.fill.text))}`];
  }
  return [op.kind === 'add-column' ? `ALTER TABLE ${t} ADD COLUMN ${quoteIdent(op.column)} ${op.type}`
    : op.kind === 'drop-column' ? `ALTER TABLE ${t} DROP COLUMN ${quoteIdent(op.column)}`
      : op.kind === 'rename-column' ? `ALTER TABLE ${t} RENAME COLUMN ${quoteIdent(op.from)} TO ${quoteIdent(op.to)}`
        : `ALTER TABLE ${t} ALTER COLUMN ${quoteIdent(op.column)} TYPE ${op.type}`];
}

/**
 * Rows handed to the Appender at once. Sources deliver 1,000 (MySQL) or 5,000 (PostgreSQL) rows
 * at a time; appending 200k rows x 10 columns in 1,000-row calls cost 15-35% more CPU than in
 * 10,240-row calls (a new Appender, partial vectors and a flush per call).
 */
const STAGE_ROWS = 10_240;

export class SnapshotWriter implements SnapshotChunkWriter {
  private staged = 0;
  private stageReady = false;
  private buffer: Row[][] = [];
  private buffered = 0;
  private pending?: { route: Route; snapshotMs: number };

  constructor(readonly conn: Conn, private readonly state: StateStore, private readonly lock: Mutex, private readonly memory?: TableMemory,
    private readonly bulk?: BulkCommits) {}

  /** Stages rows of the chunk being read; nothing is visible until commitChunk. */
  async stage(route: Route, rows: Row[], snapshotMs: number): Promise<void> {
    if (rows.length === 0) return;
    this.buffer.push(rows);
    this.buffered += rows.length;
    this.staged += rows.length;
    this.pending = { route, snapshotMs };
    // the first rows go in at once, so the stage exists from the first call on
    if (this.buffered >= STAGE_ROWS || !this.stageReady) await this.flush();
  }

  /** Stages a whole chunk from a CSV file of canonical text (the bulk path, see SnapshotChunkWriter). */
  async stageFile(route: Route, file: string, snapshotMs: number): Promise<number> {
    this.buffer = [];
    this.buffered = 0;
    this.staged = await stageSnapshotFile(this.conn, route, file, snapshotMs);
    this.stageReady = true;
    return this.staged;
  }

  /** Appends the buffered rows to the stage. */
  private async flush(): Promise<void> {
    if (this.buffered === 0 || !this.pending) return;
    const rows = this.buffer.length === 1 ? this.buffer[0] : this.buffer.flat();
    const { route, snapshotMs } = this.pending;
    this.buffer = [];
    this.buffered = 0;
    await stageSnapshotRows(this.conn, route, rows, !this.stageReady, snapshotMs);
    this.stageReady = true;
  }

  /**
   * The chunk's rows and its "done" mark commit together, so a chunk is either fully in the
   * target and marked, or absent and read again (no duplicates after a crash).
   */
  async commitChunk(route: Route, index: number, append: boolean): Promise<number> {
    await this.flush();
    const rows = this.staged;
    await this.lock.run(async () => {
      await this.bulk?.before(rows);
      await this.conn.transaction(async () => {
        if (rows > 0) await commitStagedSnapshot(this.conn, route, append);
        await this.state.chunkDone(route.key, index, rows);
      }).finally(() => this.bulk?.after());
      await this.memory?.wrote([route.key]);
    });
    this.committed();
    return rows;
  }

  /** The last chunk and the end of the table's full sync in one commit (see SnapshotChunkWriter). */
  async commitLastChunk(route: Route, index: number, append: boolean, removeStale: boolean, within?: string): Promise<{ rows: number; removed: number }> {
    await this.flush();
    const rows = this.staged;
    const removed = await this.lock.run(async () => {
      await this.bulk?.before(rows);
      const n = await this.conn.transaction(async () => {
        if (rows > 0) await commitStagedSnapshot(this.conn, route, append);
        const stale = removeStale ? await removeStaleRows(this.conn, route, within) : 0;
        await this.state.lastChunkDone(route.key, rows);
        return stale;
      }).finally(() => this.bulk?.after());
      await this.memory?.wrote([route.key]);
      return n;
    });
    this.committed();
    return { rows, removed };
  }

  /**
   * Chunks committed together reach a row group (and more: fewer commits, fewer checkpoints),
   * so DuckDB writes their rows straight into the file instead of through the WAL and again at
   * the checkpoint: 2M rows cost 14.0 s of DuckDB CPU in commits of 50,000, 6.7 s in commits of
   * 200,000 (docs/performance.md). Reading the files in the INSERT also skips the stage table.
   */
  readonly fileCommitRows = 2 * ROW_GROUP_ROWS;

  /** Several chunks' files and their done marks in one commit (see SnapshotChunkWriter). */
  async commitFiles(route: Route, chunks: readonly ChunkFile[], snapshotMs: number, last?: { removeStale: boolean; within?: string }): Promise<{ rows: number; removed: number }> {
    const rows = chunks.reduce((a, c) => a + c.rows, 0);
    const files = chunks.filter((c) => c.rows > 0).map((c) => c.file);
    const removed = await this.lock.run(async () => {
      await this.bulk?.before(rows);
      const n = await this.conn.transaction(async () => {
        const inserted = files.length > 0 ? await insertSnapshotFiles(this.conn, route, files, snapshotMs) : 0;
        // a CSV read differently from how it was written would show here first
        if (inserted !== rows) throw new Error(`${rows} rows copied but ${inserted} read from the chunk files`);
        if (!last) { await this.state.chunksDone(route.key, chunks); return 0; }
        const stale = last.removeStale ? await removeStaleRows(this.conn, route, last.within) : 0;
        await this.state.lastChunkDone(route.key, rows, chunks.length);
        return stale;
      }).finally(() => this.bulk?.after());
      await this.memory?.wrote([route.key]);
      return n;
    });
    return { rows, removed };
  }

  /**
   * After a commit the stage is left as it is: the next chunk's first rows replace it (CREATE OR
   * REPLACE), which saves a DROP per chunk (a table per chunk in a mirror of many small tables).
   */
  private committed(): void {
    this.buffer = [];
    this.buffered = 0;
    this.stageReady = false;
    this.staged = 0;
  }

  /** Throws away the staged rows of an unfinished chunk. */
  async abandon(): Promise<void> {
    this.buffer = [];
    this.buffered = 0;
    if (this.stageReady) await dropStage(this.conn);
    this.stageReady = false;
    this.staged = 0;
  }

  close(): Promise<void> { return this.conn.close(); }
}
