// The snapshot: key-range chunks read with COPY over up to `concurrency` connections that all see
// the same data.
//
// Consistency: a fresh full sync creates the slot with EXPORT_SNAPSHOT; every reader connection
// imports that snapshot (REPEATABLE READ + SET TRANSACTION SNAPSHOT), so the chunks together are
// exactly the data committed before the slot's consistent point, and the stream starts there.
// The replication connection that exported it stays open and idle until close(), because the
// snapshot can only be imported while it lives.
//
// When the slot already exists (resume of an interrupted snapshot, or a resync of one table
// while the task streams), no snapshot can be exported: each statement reads with its own snapshot
// (autocommit), which is at or after the stored stream position. That is still convergent: the
// stream replays every change after that position, and changes are applied as full-row upserts
// and deletes by key, so a row read "too new" is overwritten by its own later history and ends
// at the source's final state.
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { TaskPlan } from '../../config/plan';
import type { Row } from '../../pipeline/events';
import type { Position } from '../../positions';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { CHUNK_CSV, type Chunk, type SnapshotSession } from '../adapter';
import { tableKey, type SourceTable } from '../types';
import { CopyTextDecoder } from './copytext';
import { connect, ident, literal, qualified } from './session';
import type { TypeResolver } from './typeinfo';
import { columnKind, toCanonical, toPgText, type ValueKind } from './values';

/** Rows handed to onRows at once: big enough to amortise, small enough to keep memory flat. */
const ROWS_PER_BATCH = 5000;

export class PgSnapshotSession implements SnapshotSession {
  private readonly idle: pg.Client[] = [];
  private readonly all: pg.Client[] = [];
  private readonly waiting: { resolve: (c: pg.Client) => void; reject: (e: unknown) => void }[] = [];
  private opening = 0;
  private closed = false;
  private exportLost = false;
  private readonly columnKinds = new Map<string, ValueKind[]>();

  constructor(
    private readonly plan: TaskPlan,
    private readonly concurrency: number,
    private readonly types: TypeResolver,
    readonly streamStart: Position,
    /** Exported snapshot and the replication connection that holds it (fresh full sync only). */
    private readonly exported?: { client: pg.Client; snapshotName: string },
  ) {}

  /**
   * Chunk rule: tables without a primary key (or with an array in it) are one chunk. Otherwise the boundaries are every
   * `chunkSize`-th key in key order (`ORDER BY pk OFFSET chunkSize LIMIT 1`, an index scan per
   * step), so chunks hold about chunkSize rows whatever the key distribution; a table with fewer
   * rows is one chunk. Planned on a snapshot connection, so the boundaries match what is read.
   */
  async planChunks(table: SourceTable, chunkSize: number, where?: string): Promise<Chunk[]> {
    const one = (): Chunk[] => [{ table: table.id, index: 0, from: null, to: null, ...(where ? { where } : {}) }];
    if (table.primaryKey.length === 0) return one();
    const kinds = await this.kinds(table);
    const keyIdx = table.primaryKey.map((k) => table.columns.findIndex((c) => c.name === k));
    // Key bounds are written back as literals; array keys (JSON canonical text) are read whole.
    if (keyIdx.some((i) => i < 0 || kinds[i].kind === 'array')) return one();
    const keyList = table.primaryKey.map(ident).join(', ');
    const bounds: string[][] = [];
    await this.withClient(async (client) => {
      let prev: string[] | null = null;
      for (;;) {
        const conds = [where ? `(${where})` : '', prev ? `(${keyList}) >= (${this.keyLiterals(prev, keyIdx, kinds)})` : ''].filter(Boolean);
        const res: pg.QueryArrayResult<string[]> = await client.query({
          text: `SELECT ${keyList} FROM ${qualified(table.id)}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''} ORDER BY ${keyList} OFFSET ${Math.max(1, chunkSize)} LIMIT 1`,
          rowMode: 'array',
        });
        if (res.rows.length === 0) break;
        prev = res.rows[0].map((v, i) => toCanonical(kinds[keyIdx[i]], v));
        bounds.push(prev);
      }
    });
    if (bounds.length === 0) return one();
    return [null, ...bounds].map((from, i) => ({
      table: table.id, index: i, from, to: bounds[i] ?? null, ...(where ? { where } : {}),
    }));
  }

  async readChunk(table: SourceTable, chunk: Chunk, onRows: (rows: Row[]) => Promise<void> | void): Promise<number> {
    const kinds = await this.kinds(table);
    const sql = `COPY (SELECT ${table.columns.map((c) => ident(c.name)).join(', ')} FROM ${qualified(table.id)}` +
      `${this.chunkWhere(table, chunk, kinds)}) TO STDOUT`;
    return this.withClient(async (client) => {
      const stream = client.query(copyTo(sql));
      const decoder = new CopyTextDecoder();
      let batch: Row[] = [];
      let count = 0;
      for await (const data of stream as AsyncIterable<Buffer>) {
        for (const fields of decoder.push(data)) {
          const row: Row = new Array(fields.length);
          for (let i = 0; i < fields.length; i++) {
            const v = fields[i];
            row[i] = v === null ? null : toCanonical(kinds[i], v);
          }
          batch.push(row);
          if (batch.length >= ROWS_PER_BATCH) { count += batch.length; await onRows(batch); batch = []; }
        }
      }
      decoder.end();
      if (batch.length > 0) { count += batch.length; await onRows(batch); }
      return count;
    });
  }

  /**
   * The bulk path: `COPY (SELECT …) TO STDOUT (FORMAT csv)` streamed into `file` as PostgreSQL
   * writes it. Its CSV is CHUNK_CSV, and each field is the type's output text, which is the
   * canonical text for kind 'text'; the other kinds reach theirs in SQL (bool::text is
   * true/false, encode(…, 'hex') the bare hex digits, money::numeric its plain decimal, intervals
   * in intervalCanonicalSql). Tables with array columns (their canonical JSON is built in
   * JavaScript) are read by readChunk.
   */
  async copyChunk(table: SourceTable, chunk: Chunk, file: string): Promise<number | undefined> {
    const kinds = await this.kinds(table);
    const exprs: string[] = [];
    for (let i = 0; i < kinds.length; i++) {
      const col = ident(table.columns[i].name);
      const kind = kinds[i].kind;
      if (kind === 'text') exprs.push(col);
      else if (kind === 'bool') exprs.push(`${col}::text`);
      else if (kind === 'bytea') exprs.push(`encode(${col}, 'hex')`);
      else if (kind === 'money') exprs.push(`${col}::numeric::text`);
      else if (kind === 'interval') exprs.push(intervalCanonicalSql(col));
      else return undefined;
    }
    const sql = `COPY (SELECT ${exprs.join(', ')} FROM ${qualified(table.id)}${this.chunkWhere(table, chunk, kinds)}) `
      + `TO STDOUT (FORMAT csv, DELIMITER ${literal(CHUNK_CSV.delimiter)}, QUOTE ${literal(CHUNK_CSV.quote)}, `
      + `ESCAPE ${literal(CHUNK_CSV.escape)}, NULL ${literal(CHUNK_CSV.null)})`;
    return this.withClient(async (client) => {
      const copy = client.query(copyTo(sql));
      await pipeline(copy, createWriteStream(file));
      return copy.rowCount;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new Error('snapshot session is closed'));
    const clients = [...this.all, ...(this.exported ? [this.exported.client] : [])];
    this.all.length = 0;
    this.idle.length = 0;
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }

  /** The chunk's WHERE clause (key range and filter), or ''. */
  private chunkWhere(table: SourceTable, chunk: Chunk, kinds: ValueKind[]): string {
    const keyIdx = table.primaryKey.map((k) => table.columns.findIndex((c) => c.name === k));
    const keyList = table.primaryKey.map(ident).join(', ');
    const conds: string[] = [];
    if (chunk.from) conds.push(`(${keyList}) >= (${this.keyLiterals(chunk.from, keyIdx, kinds)})`);
    if (chunk.to) conds.push(`(${keyList}) < (${this.keyLiterals(chunk.to, keyIdx, kinds)})`);
    if (chunk.where) conds.push(`(${chunk.where})`);
    return conds.length ? ` WHERE ${conds.join(' AND ')}` : '';
  }

  private keyLiterals(values: string[], keyIdx: number[], kinds: ValueKind[]): string {
    // Untyped literals take the key column's type in the row comparison (and keep its index usable).
    return values.map((v, i) => literal(toPgText(kinds[keyIdx[i]], v))).join(', ');
  }

  /** Value kinds of the table's columns, by the columns' type OIDs read from the catalog. */
  private async kinds(table: SourceTable): Promise<ValueKind[]> {
    const key = tableKey(table.id);
    const cached = this.columnKinds.get(key);
    if (cached && cached.length === table.columns.length) return cached;
    const oids = await this.withClient(async (client) => {
      const res = await client.query<{ attname: string; atttypid: string }>(
        `SELECT attname, atttypid::int::text AS atttypid FROM pg_attribute
          WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`, [qualified(table.id)]);
      return new Map(res.rows.map((r) => [r.attname, Number(r.atttypid)]));
    });
    await this.types.load(oids.values());
    const kinds = table.columns.map((c) => columnKind(this.types.kindOf(oids.get(c.name) ?? c.typeOid), c));
    this.columnKinds.set(key, kinds);
    return kinds;
  }

  private async withClient<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const client = await this.acquire();
    let healthy = true;
    try {
      return await fn(client);
    } catch (err) {
      healthy = false;
      throw err;
    } finally {
      this.release(client, healthy);
    }
  }

  private async acquire(): Promise<pg.Client> {
    if (this.closed) throw new Error('snapshot session is closed');
    const c = this.idle.pop();
    if (c) return c;
    if (this.all.length + this.opening < Math.max(1, this.concurrency)) {
      this.opening++;
      try {
        const client = await this.openReader();
        this.all.push(client);
        return client;
      } finally {
        this.opening--;
      }
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private release(client: pg.Client, healthy: boolean): void {
    if (!healthy) {
      // A failed COPY aborts the transaction (and its imported snapshot): this reader is done.
      this.all.splice(this.all.indexOf(client), 1);
      void client.end().catch(() => undefined);
      const next = this.waiting.shift();
      if (next) this.acquire().then(next.resolve, next.reject);
      return;
    }
    const next = this.waiting.shift();
    if (next) next.resolve(client);
    else this.idle.push(client);
  }

  private async openReader(): Promise<pg.Client> {
    const client = await connect(this.plan, { appName: `lakesync:${this.plan.name}:snapshot` });
    try {
      // Without an exported snapshot each statement reads on its own (autocommit): a reader that
      // held its table lock for the whole session would make a migration's ALTER TABLE wait for it,
      // and every later read queue behind that ALTER (a resync while a migration runs hung so).
      if (!this.exported || this.exportLost) return client;
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      if (this.exported && !this.exportLost) {
        try {
          await client.query(`SET TRANSACTION SNAPSHOT ${literal(this.exported.snapshotName)}`);
        } catch {
          // The exporting connection is gone (source restart, network failure): the snapshot can
          // no longer be imported. The slot survives, and the runner streams from its consistent
          // point, so readers from here on use their own snapshot, which converges as explained at
          // the top of this file (each chunk is one key range read at one moment at or after it).
          this.exportLost = true;
          await client.query('ROLLBACK');
          await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        }
      }
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
  }
}

/**
 * An interval's canonical text (`<months> months <days> days <microseconds> microseconds`, as
 * pgIntervalToCanonical writes it) computed by PostgreSQL from the interval's three fields:
 * extract(year) and extract(month) split the months, and the time part's hours, minutes and
 * microseconds (seconds included) all carry the sign of its one microsecond count.
 */
function intervalCanonicalSql(col: string): string {
  // each field is cast to bigint before any arithmetic: before PostgreSQL 14 extract() returns a
  // double, exact for one field but not for hours * 3,600,000,000
  const f = (field: string) => `extract(${field} FROM ${col})::bigint`;
  return `((${f('year')} * 12 + ${f('month')})::text || ' months ' || ${f('day')}::text || ' days ' || `
    + `(${f('hour')} * 3600000000 + ${f('minute')} * 60000000 + ${f('microseconds')})::text || ' microseconds')`;
}
