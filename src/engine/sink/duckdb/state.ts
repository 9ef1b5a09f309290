// LakeSync's own state, kept in schema `_lakesync` of the target file so that it commits in the
// same transactions as the data it describes. Positions are stored formatted (positions.ts).
import type { SourceTable, TableId } from '../../source/types';
import type { Chunk } from '../../source/adapter';
import { formatPosition, parsePosition, type Position } from '../../positions';
import type { TableOp } from '../../../protocol/ipc';
import type { Checkpoint, Failovers, QueuedOp, StoredChunk, StoredError, TableState } from '../sink';
import type { Conn } from './db';

const S = '"_lakesync"';

export type { Checkpoint, QueuedOp, StoredChunk, StoredError, TableState };

const DDL = [
  `CREATE SCHEMA IF NOT EXISTS ${S}`,
  `CREATE TABLE IF NOT EXISTS ${S}.checkpoint (id INTEGER PRIMARY KEY, position VARCHAR NOT NULL, stream_start VARCHAR, updated_at TIMESTAMPTZ NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS ${S}.tables (source VARCHAR PRIMARY KEY, target VARCHAR, phase VARCHAR, chunks_done INTEGER DEFAULT 0,
     chunks_total INTEGER DEFAULT 0, snapshot_rows BIGINT DEFAULT 0, rows_written BIGINT DEFAULT 0, position VARCHAR,
     last_source_ts TIMESTAMPTZ, last_update TIMESTAMPTZ, load_mode VARCHAR, snapshot_started_at TIMESTAMPTZ,
     snapshot_ended_at TIMESTAMPTZ, where_clause VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS ${S}.chunks (source VARCHAR, idx INTEGER, from_key VARCHAR, to_key VARCHAR, where_clause VARCHAR,
     done BOOLEAN DEFAULT false, rows BIGINT DEFAULT 0, PRIMARY KEY (source, idx))`,
  `CREATE SEQUENCE IF NOT EXISTS ${S}.seq`,
  `CREATE TABLE IF NOT EXISTS ${S}.errors (id BIGINT DEFAULT nextval('_lakesync.seq'), time TIMESTAMPTZ, source VARCHAR, position VARCHAR, message VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS ${S}.operations (id BIGINT DEFAULT nextval('_lakesync.seq'), op VARCHAR, source VARCHAR, where_clause VARCHAR, queued_at TIMESTAMPTZ)`,
  `CREATE TABLE IF NOT EXISTS ${S}.failovers (id BIGINT DEFAULT nextval('_lakesync.seq'), time TIMESTAMPTZ, cause VARCHAR, action VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS ${S}.schema_history (id BIGINT DEFAULT nextval('_lakesync.seq'), source VARCHAR, position VARCHAR, saved_at TIMESTAMPTZ, definition VARCHAR)`,
];

const iso = (v: unknown): string | undefined => (v instanceof Date ? v.toISOString() : v == null ? undefined : String(v));
const num = (v: unknown): number => (v == null ? 0 : Number(v));
/** A stored position; one this version cannot read counts as absent (it is only ever written by formatPosition). */
const storedPosition = (v: unknown): Position | undefined => {
  if (v == null) return undefined;
  try { return parsePosition(String(v)); } catch { return undefined; }
};

/** Store of checkpoint, table states, chunk plans, errors, queued operations and schema history. */
export class StateStore {
  constructor(private readonly conn: Conn) {}

  static async init(conn: Conn): Promise<StateStore> {
    for (const sql of DDL) await conn.exec(sql);
    return new StateStore(conn);
  }

  // ---- checkpoint ----
  async checkpoint(): Promise<Checkpoint | undefined> {
    const [r] = await this.conn.rows<{ position: string; stream_start: string | null; updated_at: Date }>(
      `SELECT position, stream_start, updated_at FROM ${S}.checkpoint WHERE id = 1`);
    return r ? { position: parsePosition(r.position), streamStart: storedPosition(r.stream_start), updatedAt: iso(r.updated_at)! } : undefined;
  }

  /** Stores the resume position; part of the caller's transaction when one is open. */
  async saveCheckpoint(at: Position, streamStart?: Position): Promise<void> {
    await this.conn.rows(`INSERT OR REPLACE INTO ${S}.checkpoint VALUES (1, ?, COALESCE(?, (SELECT stream_start FROM ${S}.checkpoint WHERE id = 1)), now())`,
      [formatPosition(at), streamStart ? formatPosition(streamStart) : null]);
  }

  /** Forgets the checkpoint, table states, chunk plans and queued work; errors and schema history too. Target data stays. */
  async reset(): Promise<void> {
    for (const t of ['checkpoint', 'tables', 'chunks', 'errors', 'operations', 'schema_history', 'failovers']) await this.conn.exec(`DELETE FROM ${S}.${t}`);
  }

  // ---- tables ----
  /** Every table's state, or the one of `source`. */
  async tables(source?: string): Promise<TableState[]> {
    const rows = source === undefined ? await this.conn.rows(`SELECT * FROM ${S}.tables ORDER BY source`)
      : await this.conn.rows(`SELECT * FROM ${S}.tables WHERE source = ?`, [source]);
    return rows.map((r) => ({
      source: String(r.source), target: String(r.target ?? ''), phase: String(r.phase ?? 'pending'),
      chunksDone: num(r.chunks_done), chunksTotal: num(r.chunks_total), snapshotRows: num(r.snapshot_rows),
      rowsWritten: num(r.rows_written), position: storedPosition(r.position),
      lastSourceTime: iso(r.last_source_ts), lastUpdate: iso(r.last_update), loadMode: (r.load_mode as string | null) ?? undefined,
      snapshotStartedAt: iso(r.snapshot_started_at), snapshotEndedAt: iso(r.snapshot_ended_at),
      whereClause: (r.where_clause as string | null) ?? undefined,
    }));
  }

  async table(source: string): Promise<TableState | undefined> {
    return (await this.tables(source))[0];
  }

  async upsertTable(source: string, target: string, phase: string): Promise<void> {
    await this.upsertTables([{ source, target, phase }]);
  }

  /** upsertTable of many tables, 200 to a statement (run it in a transaction for one commit). */
  async upsertTables(rows: { source: string; target: string; phase: string }[]): Promise<void> {
    for (let at = 0; at < rows.length; at += 200) {
      const part = rows.slice(at, at + 200);
      await this.conn.rows(`INSERT INTO ${S}.tables (source, target, phase) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}
        ON CONFLICT (source) DO UPDATE SET target = excluded.target, phase = excluded.phase`, part.flatMap((r) => [r.source, r.target, r.phase]));
    }
  }

  async setPhase(source: string, phase: string): Promise<void> {
    await this.conn.rows(`UPDATE ${S}.tables SET phase = ? WHERE source = ?`, [phase, source]);
  }

  /** A fresh snapshot plan for a table: chunks replace any earlier plan; counters restart. Run it in a transaction. */
  async saveChunkPlan(source: string, chunks: Chunk[], loadMode: 'append' | 'upsert', where?: string): Promise<void> {
    await this.conn.rows(`DELETE FROM ${S}.chunks WHERE source = ?`, [source]);
    // a large table has thousands of chunks: insert them 500 to a statement
    for (let at = 0; at < chunks.length; at += 500) {
      const part = chunks.slice(at, at + 500);
      await this.conn.rows(`INSERT INTO ${S}.chunks (source, idx, from_key, to_key, where_clause) VALUES ${part.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
        part.flatMap((c) => [source, c.index, c.from ? JSON.stringify(c.from) : null, c.to ? JSON.stringify(c.to) : null, c.where ?? null]));
    }
    await this.conn.rows(`UPDATE ${S}.tables SET phase = 'full-sync', chunks_done = 0, chunks_total = ?, snapshot_rows = 0,
      load_mode = ?, snapshot_started_at = now(), snapshot_ended_at = NULL, where_clause = ? WHERE source = ?`,
    [chunks.length, loadMode, where ?? null, source]);
  }

  /**
   * saveChunkPlan of many tables with a few statements (run it in a transaction). A fresh plan
   * per table of a 1,000-table mirror was 3 statements and a commit each.
   */
  async saveChunkPlans(plans: { source: string; chunks: Chunk[]; loadMode: 'append' | 'upsert'; where?: string }[]): Promise<void> {
    for (let at = 0; at < plans.length; at += 200) {
      const part = plans.slice(at, at + 200);
      await this.conn.rows(`DELETE FROM ${S}.chunks WHERE source IN (${part.map(() => '?').join(', ')})`, part.map((p) => p.source));
      await this.conn.rows(`UPDATE ${S}.tables SET phase = 'full-sync', chunks_done = 0, chunks_total = p.n, snapshot_rows = 0,
        load_mode = p.mode, snapshot_started_at = now(), snapshot_ended_at = NULL, where_clause = p.w
        FROM (VALUES ${part.map(() => '(?::VARCHAR, ?::INTEGER, ?::VARCHAR, ?::VARCHAR)').join(', ')}) p(s, n, mode, w) WHERE source = p.s`,
      part.flatMap((p) => [p.source, p.chunks.length, p.loadMode, p.where ?? null]));
    }
    const rows = plans.flatMap((p) => p.chunks.map((c) => [p.source, c.index, c.from ? JSON.stringify(c.from) : null, c.to ? JSON.stringify(c.to) : null, c.where ?? null]));
    for (let at = 0; at < rows.length; at += 500) {
      const part = rows.slice(at, at + 500);
      await this.conn.rows(`INSERT INTO ${S}.chunks (source, idx, from_key, to_key, where_clause) VALUES ${part.map(() => '(?, ?, ?, ?, ?)').join(', ')}`, part.flat());
    }
  }

  async chunkPlan(source: string, id: TableId): Promise<StoredChunk[]> {
    const rows = await this.conn.rows(`SELECT * FROM ${S}.chunks WHERE source = ? ORDER BY idx`, [source]);
    return rows.map((r) => ({
      table: id, index: num(r.idx), from: r.from_key ? JSON.parse(String(r.from_key)) : null,
      to: r.to_key ? JSON.parse(String(r.to_key)) : null, ...(r.where_clause ? { where: String(r.where_clause) } : {}),
      done: Boolean(r.done), rows: num(r.rows),
    }));
  }

  /** Marks a chunk done; call in the same transaction as the chunk's rows. */
  async chunkDone(source: string, index: number, rows: number): Promise<void> {
    await this.conn.rows(`UPDATE ${S}.chunks SET done = true, rows = ? WHERE source = ? AND idx = ?`, [rows, source, index]);
    await this.conn.rows(`UPDATE ${S}.tables SET chunks_done = chunks_done + 1, snapshot_rows = snapshot_rows + ?,
      rows_written = rows_written + ?, last_update = now() WHERE source = ?`, [rows, rows, source]);
  }

  /** chunkDone of several chunks of one table (committed together), in two statements. */
  async chunksDone(source: string, chunks: readonly { index: number; rows: number }[]): Promise<void> {
    if (chunks.length === 0) return;
    const cases = chunks.map(() => 'WHEN CAST(? AS INTEGER) THEN CAST(? AS BIGINT)').join(' ');
    await this.conn.rows(`UPDATE ${S}.chunks SET done = true, rows = CASE idx ${cases} END WHERE source = ? AND idx IN (${chunks.map(() => '?').join(', ')})`,
      [...chunks.flatMap((c) => [c.index, c.rows]), source, ...chunks.map((c) => c.index)]);
    const rows = chunks.reduce((a, c) => a + c.rows, 0);
    await this.conn.rows(`UPDATE ${S}.tables SET chunks_done = chunks_done + ?, snapshot_rows = snapshot_rows + ?,
      rows_written = rows_written + ?, last_update = now() WHERE source = ?`, [chunks.length, rows, rows, source]);
  }

  /**
   * chunkDone of the table's last `chunks` chunks (1 unless committed together) and
   * snapshotFinished together (its chunk marks go: the plan is done).
   */
  async lastChunkDone(source: string, rows: number, chunks = 1): Promise<void> {
    await this.conn.rows(`UPDATE ${S}.tables SET chunks_done = chunks_done + ?, snapshot_rows = snapshot_rows + ?, rows_written = rows_written + ?,
      last_update = now(), phase = 'incremental', snapshot_ended_at = now(), where_clause = NULL WHERE source = ?`, [chunks, rows, rows, source]);
    await this.conn.rows(`DELETE FROM ${S}.chunks WHERE source = ?`, [source]);
  }

  async snapshotFinished(source: string): Promise<void> {
    await this.conn.rows(`UPDATE ${S}.tables SET phase = 'incremental', snapshot_ended_at = now(), where_clause = NULL WHERE source = ?`, [source]);
    await this.conn.rows(`DELETE FROM ${S}.chunks WHERE source = ?`, [source]);
  }

  /** Per-table progress of an applied batch; part of the batch's transaction. */
  async tableApplied(source: string, rows: number, at: Position | undefined, sourceTimeMs: number): Promise<void> {
    await this.conn.rows(`UPDATE ${S}.tables SET rows_written = rows_written + ?, position = COALESCE(?, position),
      last_source_ts = to_timestamp(? / 1000.0), last_update = now() WHERE source = ?`, [rows, at ? formatPosition(at) : null, sourceTimeMs, source]);
  }

  // ---- errors ----
  async addError(message: string, source?: string, position?: string): Promise<void> {
    await this.conn.rows(`INSERT INTO ${S}.errors (time, source, position, message) VALUES (now(), ?, ?, ?)`,
      [source ?? null, position ?? null, message]);
    // keep the most recent 200
    await this.conn.exec(`DELETE FROM ${S}.errors WHERE id NOT IN (SELECT id FROM ${S}.errors ORDER BY id DESC LIMIT 200)`);
  }

  async errors(source?: string, limit = 50): Promise<StoredError[]> {
    const rows = source
      ? await this.conn.rows(`SELECT * FROM ${S}.errors WHERE source = ? ORDER BY id DESC LIMIT ${limit | 0}`, [source])
      : await this.conn.rows(`SELECT * FROM ${S}.errors ORDER BY id DESC LIMIT ${limit | 0}`);
    return rows.map((r) => ({ time: iso(r.time)!, source: (r.source as string | null) ?? undefined,
      position: (r.position as string | null) ?? undefined, message: String(r.message) }));
  }

  // ---- failovers (reconnects, retried chunks, engine restarts), kept across engine processes ----
  async addFailover(cause: string, action: string): Promise<void> {
    await this.conn.rows(`INSERT INTO ${S}.failovers (time, cause, action) VALUES (now(), ?, ?)`, [cause, action]);
  }

  async failovers(): Promise<Failovers> {
    const [c] = await this.conn.rows<{ n: bigint }>(`SELECT count(*) AS n FROM ${S}.failovers`);
    const rows = await this.conn.rows(`SELECT time, cause, action FROM ${S}.failovers ORDER BY id DESC LIMIT 10`);
    return { count: Number(c.n), recent: rows.reverse().map((r) => ({ time: iso(r.time)!, cause: String(r.cause), action: String(r.action) })) };
  }

  // ---- queued operations (for the next start) ----
  async queueOp(op: TableOp, source: string, where?: string): Promise<void> {
    await this.conn.rows(`INSERT INTO ${S}.operations (op, source, where_clause, queued_at) VALUES (?, ?, ?, now())`, [op, source, where ?? null]);
  }

  async takeOps(): Promise<QueuedOp[]> {
    const rows = await this.conn.rows(`SELECT * FROM ${S}.operations ORDER BY id`);
    await this.conn.exec(`DELETE FROM ${S}.operations`);
    return rows.map((r) => ({ id: num(r.id), op: String(r.op) as TableOp, source: String(r.source),
      ...(r.where_clause ? { where: String(r.where_clause) } : {}), queuedAt: iso(r.queued_at)! }));
  }

  async queuedOps(): Promise<QueuedOp[]> {
    const rows = await this.conn.rows(`SELECT * FROM ${S}.operations ORDER BY id`);
    return rows.map((r) => ({ id: num(r.id), op: String(r.op) as TableOp, source: String(r.source),
      ...(r.where_clause ? { where: String(r.where_clause) } : {}), queuedAt: iso(r.queued_at)! }));
  }

  // ---- schema history (MySQL: the table shape valid from a binlog position on) ----
  async saveSchema(table: TableId, position: string, definition: SourceTable): Promise<void> {
    await this.saveSchemas([{ table, position, definition }]);
  }

  /** saveSchema of many tables, 200 to a statement (one statement commits alone: run it in a transaction for one commit). */
  async saveSchemas(entries: { table: TableId; position: string; definition: SourceTable }[]): Promise<void> {
    for (let at = 0; at < entries.length; at += 200) {
      const part = entries.slice(at, at + 200);
      await this.conn.rows(`INSERT INTO ${S}.schema_history (source, position, saved_at, definition) VALUES ${part.map(() => '(?, ?, now(), ?)').join(', ')}`,
        part.flatMap((e) => [`${e.table.db}.${e.table.table}`, e.position, JSON.stringify(e.definition)]));
    }
  }

  /** schemaHistory of many tables in one read, by `db.table`. */
  async schemaHistories(tables: TableId[]): Promise<Map<string, { position: string; savedAt: string; table: SourceTable }[]>> {
    const wanted = new Set(tables.map((t) => `${t.db}.${t.table}`));
    const out = new Map<string, { position: string; savedAt: string; table: SourceTable }[]>();
    const rows = await this.conn.rows(`SELECT source, position, saved_at, definition FROM ${S}.schema_history ORDER BY id`);
    for (const r of rows) {
      const source = String(r.source);
      if (!wanted.has(source)) continue;
      const list = out.get(source) ?? [];
      list.push({ position: String(r.position), savedAt: iso(r.saved_at)!, table: JSON.parse(String(r.definition)) as SourceTable });
      out.set(source, list);
    }
    return out;
  }

  /** Every saved shape of a table, oldest first. */
  async schemaHistory(table: TableId): Promise<{ position: string; savedAt: string; table: SourceTable }[]> {
    const rows = await this.conn.rows(`SELECT position, saved_at, definition FROM ${S}.schema_history WHERE source = ? ORDER BY id`,
      [`${table.db}.${table.table}`]);
    return rows.map((r) => ({ position: String(r.position), savedAt: iso(r.saved_at)!, table: JSON.parse(String(r.definition)) as SourceTable }));
  }
}
