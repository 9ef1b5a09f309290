// The Apache Iceberg sink (../sink.ts): one format-v2 table per target table under
// <warehouse>/<namespace>/<table>/, read by any Iceberg reader while the task writes.
//
// Exactly-once: every commit of a table is one Iceberg snapshot whose summary carries, per source
// table, the source position it reaches (`lakesync.position:<db.table>`) and, during a full
// sync, the chunks it holds (`lakesync.chunks:<db.table>`). The snapshot summary is the truth:
// LakeSync's state store (a DuckDB file in <warehouse>/.lakesync/, which also holds the key
// index) follows it, and on open the positions and chunk marks are taken from the tables. A batch
// that touches several tables commits them one by one and stores the task checkpoint after the
// last, so after a crash between two tables each table says how far it got (the contract of
// Sink.applyBatch).
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { TableBatch } from '../../pipeline/batch';
import type { Row } from '../../pipeline/events';
import type { Route } from '../../pipeline/route';
import { formatPosition, parsePosition, type Position } from '../../positions';
import type { Chunk } from '../../source/adapter';
import type { SourceTable, TableId } from '../../source/types';
import type { TableMapping } from '../../typemap/types';
import type { QueryResult, TableOp } from '../../../protocol/ipc';
import type { TableStorage } from '../../../protocol/status';
import { UserError } from '../../errors';
import type { AppliedBatch, SchemaOperation, Sink, SinkState, SnapshotChunkWriter, StoredChunk, TableState } from '../sink';
import { Conn, Db } from '../duckdb/db';
import { renderFromText } from '../../typemap/duckdb';
import { StateStore } from '../duckdb/state';
import { Maintenance, maintenanceOutcome, type MaintenanceReport, type MaintenanceSettings } from './maintenance';
import { currentRowsSql, duckType, quoteIdent, quoteLiteral } from './parquet';
import { dropStage, sourceFilter, stageBatch, stageSnapshotFile, stageSnapshotRows, tableColumns, typedSnapshotStage } from './stage';
import { IcebergTable, UNTIL_NEXT_SNAPSHOT } from './table';
import { latestVersion } from './files';
import { icebergType, narrows, sameType as sameIcebergType } from './types';
import { IcebergTableWriter, type ColumnSpec } from './writer';
import { Mutex } from '../mutex';
import { traceMemory } from '../duckdb/memtrace';
import { testPause } from '../../testhooks';

export interface IcebergTargetSettings {
  /** Absolute warehouse folder. */
  warehouse: string;
  /** LakeSync's state file (TargetConfig.path: `<warehouse>/.lakesync/state.duckdb`). */
  statePath: string;
  maintenance: MaintenanceSettings;
  /** parameters.memoryMb (the engine's memory): DuckDB gets its share (duckdbConfig), the query reader half of that. */
  memoryMb?: number;
}

const POSITION = (source: string) => `lakesync.position:${source}`;
const CHUNKS = (source: string) => `lakesync.chunks:${source}`;
/**
 * A schema change's commit holds, in the table property `SCHEMA_CHANGE(source)` until the next
 * snapshot, its position (a metadata-only change such as a rename makes no snapshot to carry it)
 * and the source table's new shape. The state store gets both right after; a kill -9 in between
 * is mended from the property when the sink opens (see recoverSchemaChanges).
 */
const SCHEMA_CHANGE = (source: string) => `${UNTIL_NEXT_SNAPSHOT}schema-change:${source}`;
interface SchemaChangeMark { position: string; shape: SourceTable }

function schemaChangeMark(table: IcebergTable, source: string): SchemaChangeMark | undefined {
  const text = table.property(SCHEMA_CHANGE(source));
  try { return text ? JSON.parse(text) as SchemaChangeMark : undefined; } catch { return undefined; }
}

/** `0-3,5,7-9` <-> sorted indices: the chunk marks stay short in the summary. */
export function formatRanges(ids: number[]): string {
  const s = [...new Set(ids)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < s.length; i++) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++;
    out.push(i === j ? `${s[i]}` : `${s[i]}-${s[j]}`);
    i = j;
  }
  return out.join(',');
}
export function parseRanges(text: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) out.add(i);
  }
  return out;
}

/** Where a target table lives in the warehouse. */
export function tableDir(warehouse: string, namespace: string, table: string): string {
  return join(warehouse, namespace, table);
}

/**
 * The state store, with what the Iceberg tables say taking precedence: a table's position and a
 * snapshot plan's done chunks come from the snapshot summaries (see the file comment).
 */
class IcebergState implements SinkState {
  constructor(private readonly sink: IcebergSink, private readonly main: StateStore, private readonly side: StateStore, private readonly lock: Mutex) {}

  private locked<T>(fn: () => Promise<T>): Promise<T> { return this.lock.run(fn); }

  checkpoint() { return this.side.checkpoint(); }
  async tables() { return Promise.all((await this.side.tables()).map((t) => this.sink.withTruth(t))); }
  async table(source: string) { const t = await this.side.table(source); return t && this.sink.withTruth(t); }
  errors(source?: string, limit?: number) { return this.side.errors(source, limit); }
  failovers() { return this.side.failovers(); }
  queuedOps() { return this.side.queuedOps(); }
  async chunkPlan(source: string, id: TableId): Promise<StoredChunk[]> {
    const plan = await this.side.chunkPlan(source, id);
    const done = await this.sink.chunksDone(source);
    return plan.map((c) => (done.has(c.index) ? { ...c, done: true } : c));
  }
  schemaHistory(table: TableId) { return this.side.schemaHistory(table); }

  saveCheckpoint(at: Position, streamStart?: Position) { return this.locked(() => this.main.saveCheckpoint(at, streamStart)); }
  reset() { return this.locked(() => this.main.reset()); }
  upsertTable(source: string, target: string, phase: string) { return this.locked(() => this.main.upsertTable(source, target, phase)); }
  setPhase(source: string, phase: string) { return this.locked(() => this.main.setPhase(source, phase)); }
  saveChunkPlan(source: string, chunks: Chunk[], loadMode: 'append' | 'upsert', where?: string) {
    return this.locked(() => this.main.saveChunkPlan(source, chunks, loadMode, where));
  }
  queueOp(op: TableOp, source: string, where?: string) { return this.locked(() => this.main.queueOp(op, source, where)); }
  takeOps() { return this.locked(() => this.main.takeOps()); }
  addError(message: string, source?: string, position?: string) { return this.side.addError(message, source, position); }
  addFailover(cause: string, action: string) { return this.side.addFailover(cause, action); }
  saveSchema(table: TableId, position: string, definition: SourceTable) { return this.side.saveSchema(table, position, definition); }
}

export class IcebergSink implements Sink {
  readonly state: SinkState;
  private readonly lock = new Mutex();
  private readonly writers = new Map<string, IcebergTableWriter>();
  /** Target `ns.table` of each source `db.table` (from the state store and ensureTable). */
  private readonly targets = new Map<string, TableMapping>();
  readonly maintenance: Maintenance;
  /** Queries through the running engine (control socket): one reader, reused. */
  private readonly reader: WarehouseReader;
  /**
   * Tables read from disk before their writer opened, reused while their newest version stays the
   * same: the start reads each table's metadata once (schema marks, positions, chunk marks, writer).
   */
  private readonly opened = new Map<string, IcebergTable>();

  private constructor(readonly settings: IcebergTargetSettings, private readonly db: Db, readonly conn: Conn,
    private readonly store: StateStore, sideConn: Conn, maintenanceConn: Conn) {
    this.state = new IcebergState(this, store, new StateStore(sideConn), this.lock);
    this.reader = new WarehouseReader(settings.warehouse, () => this.writers,
      settings.memoryMb ? { memoryMb: settings.memoryMb / 2, tempDirectory: join(dirname(settings.statePath), 'query.tmp') } : undefined);
    this.maintenance = new Maintenance({ openWriters: () => this.writers, run: (fn) => this.lock.run(fn), conn: maintenanceConn }, settings.maintenance,
      maintenanceFile(settings.statePath));
    this.stopTrace = traceMemory(sideConn);
  }

  /** LAKESYNC_MEMORY_TRACE (memtrace.ts): stopped before the connections close. */
  private readonly stopTrace: () => void;

  static async open(settings: IcebergTargetSettings): Promise<IcebergSink> {
    const db = await Db.open(settings.statePath, { memoryMb: settings.memoryMb });
    const conn = await db.connect();
    // DuckDB keeps the Parquet files it reads in memory (its external file cache): here those are
    // the files this sink has just written, re-read only by maintenance, which the OS caches anyway
    // (the Iceberg freshness case peaked ~25 MB lower without it; the query reader keeps its cache)
    await conn.exec('SET enable_external_file_cache = false');
    const store = await StateStore.init(conn);
    const side = await db.connect();
    // maintenance reads and writes files on its own connection, outside the commit lock
    const sink = new IcebergSink(settings, db, conn, store, side, await db.connect());
    await sink.recoverSchemaChanges();
    sink.maintenance.start();
    return sink;
  }

  get warehouse(): string { return this.settings.warehouse; }

  /**
   * A schema change the tables have and the state store's schema history does not (a kill -9
   * between the two commits of applySchema) goes into the history, so the resumed task reads the
   * table's shape as the table has it.
   */
  private async recoverSchemaChanges(): Promise<void> {
    for (const t of await this.store.tables()) {
      const table = await this.tableOf(t.target).catch(() => undefined);
      const mark = table && schemaChangeMark(table, t.source);
      if (!mark) continue;
      if ((await this.store.schemaHistory(mark.shape.id)).some((h) => h.position === mark.position)) continue;
      await this.store.saveSchema(mark.shape.id, mark.position, mark.shape);
    }
  }

  dirOf(m: Pick<TableMapping, 'namespace' | 'table'>): string { return tableDir(this.warehouse, m.namespace, m.table); }

  /** The writer of a table (opened, and the table created, on first use). Call under the lock. */
  async writer(m: TableMapping): Promise<IcebergTableWriter> {
    const name = `${m.namespace}.${m.table}`;
    let w = this.writers.get(name);
    if (!w) {
      const route = { mapping: m, merged: m.key.includes('_lakesync_source_db') || m.sources.length > 1 };
      if (m.key.length === 0) {
        throw new UserError(`${name}: the Iceberg sink needs a primary key (updates and deletes become position deletes found by key); `
          + 'add a primary key to the source table, or sync it to a DuckDB target');
      }
      const dir = this.dirOf(m);
      const read = await this.readTable(dir);
      this.opened.delete(dir); // the writer owns the table from here on
      w = await IcebergTableWriter.open(this.conn.raw, dir, name, tableColumns(route), m.key,
        { 'lakesync.table': name }, read);
      this.writers.set(name, w);
    }
    return w;
  }

  /**
   * A table state with its position taken from the table (the truth): its newest snapshot's, or
   * that of a metadata-only schema change made after it (the state store may not have it: a
   * kill -9 between the two commits of applySchema).
   */
  async withTruth(t: TableState): Promise<TableState> {
    const table = await this.tableOf(t.target);
    const text = (table && schemaChangeMark(table, t.source)?.position) ?? table?.summary(POSITION(t.source));
    if (!text) return t;
    try { return { ...t, position: parsePosition(text) }; } catch { return t; }
  }

  /** Chunks the table's newest snapshot holds for the source's current snapshot plan. */
  async chunksDone(source: string): Promise<Set<number>> {
    const st = await this.store.table(source);
    if (!st?.snapshotStartedAt) return new Set();
    const mark = (await this.tableOf(st.target))?.summary(CHUNKS(source));
    const [plan, ranges] = (mark ?? '').split('|');
    return plan === st.snapshotStartedAt ? parseRanges(ranges ?? '') : new Set();
  }

  private async tableOf(target: string): Promise<IcebergTable | undefined> {
    const w = this.writers.get(target);
    if (w) return w.table;
    const dot = target.indexOf('.');
    return this.readTable(tableDir(this.warehouse, target.slice(0, dot), target.slice(dot + 1)));
  }

  /** The table at `dir` as on disk: the copy read before when no newer version has been committed since. */
  private async readTable(dir: string): Promise<IcebergTable | undefined> {
    const had = this.opened.get(dir);
    if (had && (await latestVersion(dir)) === had.version) return had;
    const t = await IcebergTable.open(dir);
    if (t) this.opened.set(dir, t); else this.opened.delete(dir);
    return t;
  }

  async ensureTable(mapping: TableMapping): Promise<void> {
    for (const s of mapping.sources) this.targets.set(`${s.db}.${s.table}`, mapping);
    await this.lock.run(() => this.writer(mapping));
  }

  async tableColumns(mapping: TableMapping): Promise<Map<string, string>> {
    const t = this.writers.get(`${mapping.namespace}.${mapping.table}`)?.table ?? await this.readTable(this.dirOf(mapping));
    return new Map((t?.schema.fields ?? []).map((f) => [f.name, duckType(f.type)]));
  }

  /** Same Iceberg type (SMALLINT and INTEGER are both `int` here). */
  async sameType(a: string, b: string): Promise<boolean> {
    let n = 0;
    const next = () => ++n;
    try { return sameIcebergType(icebergType(a, next).type, (n = 0, icebergType(b, next).type)); } catch { return a === b; }
  }

  async alterTable(mapping: TableMapping, op: SchemaOperation): Promise<void> {
    await this.lock.run(() => this.evolveTable(mapping, [op], {}));
  }

  /**
   * The schema change and the position past it together: the table's new schema (and, where the
   * change rewrites every row, its rows) commit as one Iceberg metadata file whose snapshot
   * summary carries `position`; then the shape and the checkpoint go to the state store. After a
   * kill -9 the table is the old one or the new one; a replay finds the new columns already there.
   */
  async applySchema(mapping: TableMapping, ops: SchemaOperation[], position: Position, shape: SourceTable): Promise<void> {
    await this.lock.run(async () => {
      const source = `${shape.id.db}.${shape.id.table}`;
      await this.evolveTable(mapping, ops, { [POSITION(source)]: formatPosition(position) }, { source, shape });
      await testPause('schema-in-target');
      await this.store.saveSchema(shape.id, formatPosition(position), shape);
      await this.store.saveCheckpoint(position);
    });
  }

  /**
   * Runs `ops` in order on the table's columns and moves the table there in one commit, with
   * `summary` (the source position) in it (in the snapshot of a rewrite) and, for a `change`, the
   * table property SCHEMA_CHANGE with the position and the source's new shape. Call under the lock.
   */
  private async evolveTable(mapping: TableMapping, ops: SchemaOperation[], summary: Record<string, string>,
    change?: { source: string; shape: SourceTable }): Promise<void> {
    const w = await this.writer(mapping);
    const at = change && summary[POSITION(change.source)];
    const properties = change && at ? { [SCHEMA_CHANGE(change.source)]: JSON.stringify({ position: at, shape: change.shape } satisfies SchemaChangeMark) } : {};
    // `was`: the column's name in the table now (renames are matched by it)
    let cols: (ColumnSpec & { was?: string })[] = w.fields.map((f) => ({ name: f.name, duckType: duckType(f.type), was: f.name }));
    let key = [...mapping.key];
    const fills: Record<string, string> = {};
    for (const op of ops) {
      if (op.kind === 'add-column') {
        // a column the table has already (a replayed change) keeps its values
        if (cols.some((c) => c.name === op.column)) continue;
        cols = [...cols, { name: op.column, duckType: op.type }];
        if (op.fill) fills[op.column] = renderFromText(op.fill.fromText, quoteLiteral(op.fill.text));
      } else if (op.kind === 'drop-column') {
        cols = cols.filter((c) => c.name !== op.column);
      } else if (op.kind === 'rename-column') {
        cols = cols.map((c) => (c.name === op.from ? { ...c, name: op.to } : c));
        key = key.map((k) => (k === op.from ? op.to : k));
        if (fills[op.from] !== undefined) { fills[op.to] = fills[op.from]; delete fills[op.from]; }
      } else {
        cols = cols.map((c) => (c.name === op.column ? { ...c, duckType: op.type } : c));
      }
    }
    const renames = Object.fromEntries(cols.filter((c) => c.was !== undefined && c.was !== c.name).map((c) => [c.name, c.was!]));
    try {
      // rules.changeType: apply is the only rule that sends a change-type: a change Iceberg cannot
      // promote replaces the column (its rows rewritten, converted)
      await w.evolve(cols.map(({ name, duckType: t }) => ({ name, duckType: t })), key, renames, { fills, replace: true, summary, properties });
    } catch (err) {
      throw Object.assign(new UserError(`${mapping.namespace}.${mapping.table}: ${(err as Error).message}. Set rules.changeType: fail to stop on such a change, `
        + 'or resync the table after changing its type at the source'), { cause: err });
    }
  }

  /**
   * Whether the column may move to `type`. Where the table keeps its Iceberg type (INTEGER ->
   * SMALLINT are both `int`, a VARCHAR of any length is `string`) or changes to another kind
   * (string -> int, a decimal of a larger scale), every current value must convert to `type`
   * unchanged, as on DuckDB; the change then applies (a new kind replaces the column, see
   * alterTable). A smaller type of the same kind (long -> int, fewer decimal digits) never
   * applies: Iceberg never narrows a column (spec: "Schema Evolution"), the wider one stays.
   */
  async valuesFit(mapping: TableMapping, column: string, type: string): Promise<boolean> {
    return this.lock.run(async () => {
      const w = await this.writer(mapping);
      const f = w.fields.find((x) => x.name === column);
      let id = 0;
      if (!f || narrows(f.type, icebergType(type, () => ++id).type)) return false;
      const c = `t.${quoteIdent(column)}`;
      const [r] = await this.conn.rows<{ n: bigint }>(`SELECT count(*) AS n FROM (${await w.rowsSql()}) t `
        + `WHERE ${c} IS NOT NULL AND (TRY_CAST(${c} AS ${type}) IS NULL OR TRY_CAST(${c} AS ${type}) <> ${c})`);
      return Number(r.n) === 0;
    });
  }

  async dropTable(mapping: TableMapping): Promise<void> {
    await this.lock.run(async () => {
      const name = `${mapping.namespace}.${mapping.table}`;
      await this.writers.get(name)?.index.drop();
      this.writers.delete(name);
      this.opened.delete(this.dirOf(mapping));
      await rm(this.dirOf(mapping), { recursive: true, force: true });
    });
  }

  async rowCount(route: Route): Promise<number> {
    const w = await this.lock.run(() => this.writer(route.mapping));
    const [r] = await this.conn.rows<{ n: bigint }>(`SELECT count(*) AS n FROM (${await w.rowsSql()}) t WHERE ${sourceFilter(route, 't')}`);
    return Number(r.n);
  }

  /** Stages one table batch as TEMP `name` on `conn` (a merged table's truncate: its source's rows as deletes). */
  private async stage(conn: Conn, name: string, b: TableBatch, w: IcebergTableWriter): Promise<void> {
    await stageBatch(conn, name, b, (keys) => w.rowsAt(keys));
    if (b.truncate && b.route.merged) {
      const keys = w.index.keys.map((k) => quoteIdent(k.name)).join(', ');
      await conn.exec(`INSERT INTO temp.main.${quoteIdent(name)} BY NAME SELECT ${keys}, 'delete' AS _op FROM (${await w.rowsSql()}) t `
        + `WHERE ${sourceFilter(b.route, 't')} AND (${keys}) NOT IN (SELECT (${keys}) FROM temp.main.${quoteIdent(name)})`);
    }
  }

  async applyBatch(tables: TableBatch[], position: Position | undefined): Promise<AppliedBatch> {
    return this.lock.run(async () => {
      const out: AppliedBatch = { rows: 0, deleted: 0, inserted: 0 };
      for (const b of tables) {
        if (b.entries.size === 0 && !b.truncate) continue;
        const w = await this.writer(b.route.mapping);
        try {
          await this.stage(this.conn, 'ice_batch', b, w);
          const summary = position ? { [POSITION(b.route.key)]: formatPosition(position) } : {};
          const r = await w.apply('temp.main.ice_batch', { truncate: b.truncate && !b.route.merged, summary });
          out.deleted += r.deleted;
          out.inserted += r.inserted;
          out.rows += b.entries.size;
        } finally {
          await dropStage(this.conn, 'ice_batch');
        }
        await this.store.tableApplied(b.route.key, b.entries.size, position, b.lastCommitTime);
      }
      if (position !== undefined) await this.store.saveCheckpoint(position);
      this.maintenance.noteCommit();
      return out;
    });
  }

  async probe(batch: TableBatch): Promise<Error | undefined> {
    return this.lock.run(async () => {
      try {
        const w = await this.writer(batch.route.mapping);
        await this.stage(this.conn, 'ice_probe', batch, w);
        // the casts the data file would run, evaluated, nothing written
        const has = new Set((await this.conn.rows<{ column_name: string }>('DESCRIBE SELECT * FROM temp.main.ice_probe')).map((r) => r.column_name));
        await this.conn.rows(`SELECT count(*) FROM (SELECT ${w.fields.filter((f) => has.has(f.name))
          .map((f) => `CAST(${quoteIdent(f.name)} AS ${duckType(f.type)})`).join(', ')} FROM temp.main.ice_probe)`);
        return undefined;
      } catch (err) {
        return err as Error;
      } finally {
        await dropStage(this.conn, 'ice_probe').catch(() => undefined);
      }
    });
  }

  async snapshotWriter(): Promise<SnapshotChunkWriter> {
    return new IcebergSnapshotWriter(this, await this.db.connect());
  }

  /** Commits a staged chunk with its "done" mark in the table's snapshot summary, then in the state store. */
  async commitChunk(conn: Conn, stage: string, route: Route, index: number, append: boolean): Promise<number> {
    return this.lock.run(async () => {
      const w = await this.writer(route.mapping);
      const st = await this.store.table(route.key);
      const done = await this.chunksDone(route.key);
      done.add(index);
      const summary = { [CHUNKS(route.key)]: `${st?.snapshotStartedAt ?? ''}|${formatRanges([...done])}` };
      const r = await conn.track(() => w.apply(stage, { append, summary }, conn.raw));
      await this.store.chunkDone(route.key, index, r.inserted);
      return r.inserted;
    });
  }

  async finishSnapshot(route: Route, removeStale: boolean, within?: string): Promise<number> {
    return this.lock.run(async () => {
      let removed = 0;
      const st = await this.store.table(route.key);
      if (removeStale && st?.snapshotStartedAt) {
        const w = await this.writer(route.mapping);
        const keys = w.index.keys.map((k) => quoteIdent(k.name)).join(', ');
        // within a backfill's target filter (verify --repair), a row LakeSync never wrote is stale too
        const before = `t."_lakesync_synced_at" < ${quoteLiteral(st.snapshotStartedAt)}::TIMESTAMPTZ`;
        const stale = within ? `(t."_lakesync_synced_at" IS NULL OR ${before})` : before;
        try {
          await this.conn.exec(`CREATE OR REPLACE TEMP TABLE ice_stale AS SELECT ${keys}, 'delete' AS _op FROM (${await w.rowsSql()}) t `
            + `WHERE ${stale} AND ${sourceFilter(route, 't')}${within ? ` AND (${within})` : ''}`);
          const [n] = await this.conn.rows<{ n: bigint }>('SELECT count(*) AS n FROM temp.main.ice_stale');
          if (Number(n.n) > 0) {
            // the delete by key needs every column of the stage: the others stay NULL
            await this.conn.exec(`CREATE OR REPLACE TEMP TABLE ice_stale2 AS SELECT ${w.fields.map((f) => (w.index.keys.some((k) => k.name === f.name)
              ? quoteIdent(f.name) : `NULL AS ${quoteIdent(f.name)}`)).join(', ')}, _op FROM temp.main.ice_stale`);
            removed = (await w.apply('temp.main.ice_stale2', { summary: { [CHUNKS(route.key)]: '' } })).deleted;
          }
        } finally {
          await this.conn.exec('DROP TABLE IF EXISTS temp.main.ice_stale').catch(() => undefined);
          await this.conn.exec('DROP TABLE IF EXISTS temp.main.ice_stale2').catch(() => undefined);
        }
      }
      await this.store.snapshotFinished(route.key);
      return removed;
    });
  }

  query(sql: string, limit = 1000): Promise<QueryResult> {
    return this.reader.query(sql, limit);
  }

  async storage(target: string): Promise<TableStorage | undefined> {
    return tableStorage(await this.tableOf(target), this.maintenance.last.get(target));
  }

  /**
   * Closes once nothing runs on the state file: the maintenance round in flight, a commit (the
   * table writers use the main connection under the lock), a query of the reader. Closing a
   * connection under a running statement deadlocks DuckDB (see Conn.track).
   */
  async close(): Promise<void> {
    await this.maintenance.stop();
    this.stopTrace();
    await this.reader.close();
    await this.lock.run(() => this.db.close());
  }
}

class IcebergSnapshotWriter implements SnapshotChunkWriter {
  private staged = 0;
  private ready = false;
  private pending?: { route: Route; snapshotMs: number };
  private readonly name = `ice_chunk`;

  constructor(private readonly sink: IcebergSink, private readonly conn: Conn) {}

  async stage(route: Route, rows: Row[], snapshotMs: number): Promise<void> {
    if (rows.length === 0) return;
    await stageSnapshotRows(this.conn, this.name, route, rows, !this.ready);
    this.ready = true;
    this.staged += rows.length;
    this.pending = { route, snapshotMs };
  }

  /** The bulk path: the chunk's CSV file becomes the raw stage in one read (see SnapshotChunkWriter). */
  async stageFile(route: Route, file: string, snapshotMs: number): Promise<number> {
    this.staged = await stageSnapshotFile(this.conn, this.name, route, file);
    this.ready = true;
    this.pending = { route, snapshotMs };
    return this.staged;
  }

  async commitChunk(route: Route, index: number, append: boolean): Promise<number> {
    if (!this.ready) await stageSnapshotRows(this.conn, this.name, route, [], true);
    await typedSnapshotStage(this.conn, this.name, route, this.pending?.snapshotMs ?? Date.now());
    try {
      return await this.sink.commitChunk(this.conn, `temp.main.${quoteIdent(this.name)}`, route, index, append);
    } finally {
      await this.abandon();
    }
  }

  async abandon(): Promise<void> {
    await dropStage(this.conn, this.name);
    this.ready = false;
    this.staged = 0;
  }

  close(): Promise<void> { return this.conn.close(); }
}

/** Where maintenance keeps its newest report per table: beside the state file. */
export function maintenanceFile(statePath: string): string { return join(dirname(statePath), 'maintenance.json'); }

/** A table's files and snapshots from its current metadata, and its newest maintenance report. */
export function tableStorage(table: IcebergTable | undefined, report: MaintenanceReport | undefined): TableStorage | undefined {
  if (!table) return undefined;
  return {
    dataFiles: Number(table.summary('total-data-files') ?? 0),
    deleteFiles: Number(table.summary('total-delete-files') ?? 0),
    snapshots: table.metadata.snapshots?.length ?? 0,
    ...(report ? { maintenance: maintenanceOutcome(report) } : {}),
  };
}

/** Iceberg tables of a warehouse: `<ns>/<table>/metadata/`. */
export function warehouseTables(warehouse: string): { namespace: string; table: string; dir: string }[] {
  const out: { namespace: string; table: string; dir: string }[] = [];
  if (!existsSync(warehouse)) return out;
  for (const ns of readdirSync(warehouse, { withFileTypes: true })) {
    if (!ns.isDirectory() || ns.name.startsWith('.')) continue;
    for (const t of readdirSync(join(warehouse, ns.name), { withFileTypes: true })) {
      if (t.isDirectory() && existsSync(join(warehouse, ns.name, t.name, 'metadata'))) {
        out.push({ namespace: ns.name, table: t.name, dir: resolve(warehouse, ns.name, t.name) });
      }
    }
  }
  return out;
}

/**
 * A read-only query over the warehouse's current snapshots (a one-off reader: `lakesync query`
 * of a stopped task). See WarehouseReader.
 */
export async function queryWarehouse(warehouse: string, sql: string, limit: number): Promise<QueryResult> {
  const reader = new WarehouseReader(warehouse);
  try { return await reader.query(sql, limit); } finally { await reader.close(); }
}

/**
 * Read-only queries over the warehouse's current snapshots: each table is a view of its data
 * files minus its position deletes (by field id), in a private in-memory DuckDB, so a query runs
 * while the task writes and never holds a lock a writer needs. The running engine keeps one
 * reader: its DuckDB instance (about 50 ms to create), the tables it writes (already in memory)
 * and the views of tables whose version did not change are reused, so a status or query poll
 * every few milliseconds costs the engine only the query itself.
 */
export class WarehouseReader {
  private db?: Db;
  private conn?: Conn;
  private readonly lock = new Mutex();
  /** Tables read from disk (not written here), reused while their newest version stays the same. */
  private readonly opened = new Map<string, IcebergTable>();
  /** The version each view was created at, by `ns.table`. */
  private readonly views = new Map<string, number>();

  /**
   * `limits`: the reader's DuckDB memory (its share of `memoryMb`, see duckdbConfig) and where a
   * query beyond it spills (an in-memory DuckDB would spill into the current folder); none: DuckDB's defaults.
   */
  constructor(private readonly warehouse: string, private readonly written: () => Map<string, IcebergTableWriter> = () => new Map(),
    private readonly limits?: { memoryMb: number; tempDirectory: string }) {}

  private async table(name: string, dir: string): Promise<IcebergTable | undefined> {
    const w = this.written().get(name);
    if (w) return w.table;
    const had = this.opened.get(dir);
    if (had && (await latestVersion(dir)) === had.version) return had;
    const t = await IcebergTable.open(dir);
    if (t) this.opened.set(dir, t); else this.opened.delete(dir);
    return t;
  }

  async query(sql: string, limit: number): Promise<QueryResult> {
    return this.lock.run(async () => {
      this.db ??= await Db.open(':memory:', { memoryMb: this.limits?.memoryMb });
      if (!this.conn) {
        this.conn = await this.db.connect();
        if (this.limits) await this.conn.exec(`SET temp_directory = ${quoteLiteral(this.limits.tempDirectory)}`);
        this.stopTrace = traceMemory(this.conn, 'memory (query reader)');
      }
      const conn = this.conn;
      const statements = await conn.track(() => conn.raw.extractStatements(sql));
      if (statements.count !== 1) throw new UserError('a query must be exactly one statement');
      const trimmed = sql.trim().replace(/^\(+/, '').toLowerCase();
      if (!/^(select|with|from|describe|show|summarize|explain|values)\b/.test(trimmed)) {
        throw new UserError('only read-only statements (SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN) run over an Iceberg warehouse');
      }
      const seen = new Set<string>();
      for (const t of warehouseTables(this.warehouse)) {
        const name = `${t.namespace}.${t.table}`;
        const table = await this.table(name, t.dir);
        if (!table) continue;
        seen.add(name);
        const now = await table.current();
        if (this.views.get(name) === now.version) continue;
        await conn.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(t.namespace)}`);
        await conn.exec(`CREATE OR REPLACE VIEW ${quoteIdent(t.namespace)}.${quoteIdent(t.table)} AS ${currentRowsSql(now.fields, now.data, now.deletes)}`);
        this.views.set(name, now.version);
      }
      for (const name of [...this.views.keys()].filter((n) => !seen.has(n))) {
        const dot = name.indexOf('.');
        await conn.exec(`DROP VIEW IF EXISTS ${quoteIdent(name.slice(0, dot))}.${quoteIdent(name.slice(dot + 1))}`);
        this.views.delete(name);
      }
      return conn.columnsAndRows(sql, limit);
    });
  }

  private stopTrace = () => undefined as void;

  /** After the query in flight, if any. */
  async close(): Promise<void> {
    await this.lock.run(async () => {
      this.stopTrace();
      const db = this.db;
      this.conn = undefined;
      this.db = undefined;
      await db?.close();
    });
  }
}
