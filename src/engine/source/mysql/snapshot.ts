// The chunked snapshot of MySQL/MariaDB tables.
//
// Consistency: the binlog position (streamStart) is taken BEFORE any chunk is read, and every chunk
// is read in its own START TRANSACTION WITH CONSISTENT SNAPSHOT, so each chunk holds the table as of
// some moment after streamStart. Replaying the binlog from streamStart over those rows converges to
// the source: with binlog_row_image=FULL every change carries whole rows and is applied as an upsert
// or delete by primary key, so a change the chunk already contains is applied again harmlessly and
// one it missed is applied in order.
// Tables without a primary key cannot be upserted, so they are read as ONE chunk on the anchor
// connection, whose snapshot is exactly streamStart on MariaDB (binlog_snapshot_file/position) or
// was taken under a brief FLUSH TABLES WITH READ LOCK on MySQL; only when neither is possible (no
// RELOAD privilege on MySQL, or a snapshot resumed after a restart) can their changes made during
// the snapshot show up twice. docs/mysql.md states that rule.
import type { SourceConfig } from '../../config/plan';
import type { Position } from '../../positions';
import type { Row } from '../../pipeline/events';
import type { Chunk, SnapshotSession } from '../adapter';
import type { SourceColumn, SourceTable } from '../types';
import { masterStatus } from './binlogpos';
import { csvLineExpr, GROUP_LIMIT, lineGroup } from './csvchunk';
import { isClosed, isMariadb, openConnection, queryStream, rows, type Sql } from './session';
import { fromSnapshotText, quoteId, snapshotSelectExpr, valueKind } from './values';
import { writeCsv } from './csvwrite';

const BATCH = 1000;

const tableRef = (t: SourceTable): string => `${quoteId(t.id.db)}.${quoteId(t.id.table)}`;

/** Placeholder SQL for one canonical key value (how it compares to the stored column). */
function keyParam(col: SourceColumn, text: string): { sql: string; value: string } {
  switch (valueKind(col)) {
    case 'binary': return { sql: 'UNHEX(?)', value: text };
    case 'timestamp': return { sql: '?', value: text.replace(/\+00$/, '') };
    case 'bit': return { sql: 'CAST(? AS UNSIGNED)', value: text };
    default: return { sql: '?', value: text };
  }
}

/** `(a, b) >= (?, ?)` for a key tuple (single column without the parentheses). */
function keyPredicate(cols: SourceColumn[], op: '>=' | '<', values: string[], params: unknown[]): string {
  const ps = cols.map((c, i) => keyParam(c, values[i]));
  for (const p of ps) params.push(p.value);
  if (cols.length === 1) return `${quoteId(cols[0].name)} ${op} ${ps[0].sql}`;
  return `(${cols.map((c) => quoteId(c.name)).join(', ')}) ${op} (${ps.map((p) => p.sql).join(', ')})`;
}

function keyColumns(t: SourceTable): SourceColumn[] {
  return t.primaryKey.map((k) => {
    const c = t.columns.find((x) => x.name === k);
    if (!c) throw new Error(`primary key column ${k} of ${t.id.db}.${t.id.table} is not among its columns`);
    return c;
  });
}

/** The canonical text of one key value as read back from the server (same path as row values). */
async function readKey(c: Sql, sql: string, params: unknown[], cols: SourceColumn[]): Promise<string[] | undefined> {
  const [r] = await c.query({ sql, rowsAsArray: true, typeCast: asText }, params);
  const row = (r as (string | null)[][])[0];
  if (!row) return undefined;
  return cols.map((col, i) => fromSnapshotText(valueKind(col), row[i]) ?? '');
}

/** mysql2 typeCast: every value as the server's text (exact; the converters do the rest). */
function asText(field: { type: string; string(encoding?: string): string | null }): string | null {
  return field.type === 'JSON' ? field.string('utf8') : field.string();
}

/** The SELECT of one chunk: `list` over the chunk's key range and filter. */
function chunkQuery(table: SourceTable, chunk: Chunk, list: string, tail = ''): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const conds: string[] = [];
  if (table.primaryKey.length) {
    const cols = keyColumns(table);
    if (chunk.from) conds.push(keyPredicate(cols, '>=', chunk.from, params));
    if (chunk.to) conds.push(keyPredicate(cols, '<', chunk.to, params));
  }
  if (chunk.where) conds.push(`(${chunk.where})`);
  return { sql: `SELECT ${list} FROM ${tableRef(table)}` + (conds.length ? ` WHERE ${conds.join(' AND ')}` : '') + tail, params };
}

export interface SnapshotOptions {
  source: SourceConfig;
  tables: SourceTable[];
  concurrency: number;
  resume?: Position;
}

/** Takes the stream start (and the anchor snapshot), then hands out chunk readers. */
export async function openMysqlSnapshot(o: SnapshotOptions): Promise<SnapshotSession> {
  const anchor = await openConnection(o.source);
  let streamStart: Position;
  let anchorExact = false;
  try {
    if (o.resume) {
      streamStart = o.resume;
    } else if (await isMariadb(anchor)) {
      await anchor.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
      // MariaDB: the binlog position of exactly this snapshot
      const st = await rows<{ Variable_name: string; Value: string }>(anchor, "SHOW STATUS LIKE 'binlog_snapshot_%'");
      const v = Object.fromEntries(st.map((r) => [r.Variable_name.toLowerCase(), r.Value]));
      const file = v.binlog_snapshot_file;
      const pos = Number(v.binlog_snapshot_position);
      if (file && pos) {
        const [g] = await rows<{ g: string | null }>(anchor, 'SELECT BINLOG_GTID_POS(?, ?) AS g', [file, pos]);
        streamStart = { kind: 'binlog', file, pos, ...(g?.g ? { gtid: g.g } : {}) };
        anchorExact = true;
      } else {
        streamStart = await masterStatus(anchor);
      }
    } else {
      try {
        await anchor.query('FLUSH TABLES WITH READ LOCK');
        try {
          await anchor.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
          streamStart = await masterStatus(anchor);
          anchorExact = true;
        } finally {
          await anchor.query('UNLOCK TABLES');
        }
      } catch {
        streamStart = await masterStatus(anchor);
        await anchor.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
      }
    }
  } catch (err) {
    await anchor.end().catch(() => undefined);
    throw err;
  }

  // Chunk readers: up to `concurrency` connections, reused.
  const idle: Sql[] = [];
  const opened: Sql[] = [];
  let open = 0;
  const waiters: { resolve: (c: Sql) => void; reject: (err: unknown) => void }[] = [];
  const acquire = async (): Promise<Sql> => {
    // an idle connection the server closed meanwhile (restart, timeout) is replaced
    for (let free = idle.pop(); free; free = idle.pop()) {
      if (!isClosed(free)) return free;
      discard(free);
    }
    if (open < Math.max(1, o.concurrency)) {
      open++;
      try { const c = await openConnection(o.source); opened.push(c); return c; } catch (err) { open--; throw err; }
    }
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  };
  const release = (c: Sql): void => {
    const w = waiters.shift();
    if (w) w.resolve(c); else idle.push(c);
  };
  // A connection whose read failed may be dead (server restarted, connection killed): a retry of the
  // chunk must get a fresh one, not the closed one again.
  const discard = (c: Sql): void => {
    const i = opened.indexOf(c);
    if (i >= 0) opened.splice(i, 1);
    open--;
    void c.end().catch(() => undefined);
    const w = waiters.shift();
    if (w) acquire().then(w.resolve, w.reject);
  };
  let anchorBusy: Promise<unknown> = Promise.resolve();

  const streamRows = async (c: Sql, sql: string, params: unknown[], table: SourceTable,
    onRows: (rows: Row[]) => Promise<void> | void): Promise<number> => {
    const kinds = table.columns.map(valueKind);
    const { stream, done } = queryStream(c, { sql, rowsAsArray: true, typeCast: asText }, params, BATCH);
    let batch: Row[] = [];
    let count = 0;
    try {
      for await (const raw of stream as AsyncIterable<(string | null)[]>) {
        const row: Row = new Array(kinds.length);
        for (let i = 0; i < kinds.length; i++) row[i] = fromSnapshotText(kinds[i], raw[i]);
        batch.push(row);
        count++;
        if (batch.length >= BATCH) { const b = batch; batch = []; await onRows(b); }
      }
    } finally {
      done();
    }
    if (batch.length) await onRows(batch);
    return count;
  };

  /**
   * Runs one chunk's read with readChunk's consistency: keyless tables in the anchor's snapshot
   * (exactly streamStart), others in their own consistent snapshot; a table dropped since the
   * snapshot began reads as 0 rows, a failed connection is discarded.
   */
  const inChunkSnapshot = async <T>(table: SourceTable, read: (c: Sql) => Promise<T>): Promise<T | 0> => {
    if (!table.primaryKey.length && anchorExact) {
      const run = anchorBusy.then(() => read(anchor));
      anchorBusy = run.catch(() => undefined);
      return run;
    }
    const c = await acquire();
    let failed = false;
    try {
      await c.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
      const n = await read(c);
      await c.query('COMMIT');
      return n;
    } catch (err) {
      // Dropped since the snapshot began: nothing more to read. Its DROP TABLE is in the binlog
      // after streamStart, so the stream applies rules.dropTable to it.
      if ((err as { code?: string }).code === 'ER_NO_SUCH_TABLE') {
        await c.query('ROLLBACK').catch(() => undefined);
        return 0;
      }
      failed = true;
      throw err;
    } finally {
      if (failed) discard(c); else release(c);
    }
  };

  return {
    streamStart,

    async planChunks(table: SourceTable, chunkSize: number, where?: string): Promise<Chunk[]> {
      const one: Chunk[] = [{ table: table.id, index: 0, from: null, to: null, ...(where ? { where } : {}) }];
      if (!table.primaryKey.length) return one;
      const cols = keyColumns(table);
      const c = await acquire();
      try {
        const filter = where ? ` WHERE (${where})` : '';
        const size = Math.max(1, chunkSize);
        const bounds: string[][] = [];
        if (cols.length === 1 && valueKind(cols[0]) === 'integer') {
          // Numeric key: split [min, max] evenly by the row count.
          const [r] = await rows<{ lo: string | null; hi: string | null; n: string }>(c,
            `SELECT MIN(${quoteId(cols[0].name)}) AS lo, MAX(${quoteId(cols[0].name)}) AS hi, COUNT(*) AS n FROM ${tableRef(table)}${filter}`);
          if (r.lo === null || r.hi === null) return one;
          const lo = BigInt(r.lo), hi = BigInt(r.hi), n = BigInt(r.n);
          const parts = (n + BigInt(size) - 1n) / BigInt(size);
          if (parts <= 1n) return one;
          const step = (hi - lo + parts) / parts;
          for (let b = lo + step; b <= hi; b += step) bounds.push([b.toString()]);
        } else {
          // Any other key: every chunkSize-th key in key order (one index range scan per boundary).
          const list = cols.map((k) => snapshotSelectExpr(k)).join(', ');
          const order = cols.map((k) => quoteId(k.name)).join(', ');
          let prev: string[] | undefined;
          for (;;) {
            const params: unknown[] = [];
            const conds: string[] = [];
            if (where) conds.push(`(${where})`);
            if (prev) conds.push(keyPredicate(cols, '>=', prev, params));
            const sql = `SELECT ${list} FROM ${tableRef(table)}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''} ` +
              `ORDER BY ${order} LIMIT 1 OFFSET ${size}`;
            const key = await readKey(c, sql, params, cols);
            if (!key) break;
            bounds.push(key);
            prev = key;
          }
        }
        const chunks: Chunk[] = [];
        for (let i = 0; i <= bounds.length; i++) {
          chunks.push({ table: table.id, index: i, from: i === 0 ? null : bounds[i - 1], to: i === bounds.length ? null : bounds[i],
            ...(where ? { where } : {}) });
        }
        return chunks;
      } finally {
        release(c);
      }
    },

    async readChunk(table: SourceTable, chunk: Chunk, onRows: (rows: Row[]) => Promise<void> | void): Promise<number> {
      const { sql, params } = chunkQuery(table, chunk, table.columns.map(snapshotSelectExpr).join(', '));
      return inChunkSnapshot(table, (c) => streamRows(c, sql, params, table, onRows));
    },

    async copyChunk(table: SourceTable, chunk: Chunk, file: string): Promise<number | undefined> {
      const line = csvLineExpr(table);
      if (!line) return undefined;
      const group = lineGroup(table);
      const { sql, params } = group
        ? chunkQuery(table, chunk, `GROUP_CONCAT(${line} SEPARATOR X'0A'), COUNT(*)`, ` GROUP BY ${quoteId(group.key)} DIV ${group.rows} ORDER BY NULL`)
        : chunkQuery(table, chunk, line);
      // the file is opened (emptied) before the query: a table dropped since the snapshot began leaves it empty
      return inChunkSnapshot(table, async (c) => {
        if (group) await c.query(`SET SESSION group_concat_max_len = ${GROUP_LIMIT}`);
        return writeCsv(c, sql, params, file, group ? GROUP_LIMIT : undefined);
      });
    },

    async close(): Promise<void> {
      const all = [anchor, ...opened];
      idle.length = 0; opened.length = 0;
      await Promise.all(all.map((c) => c.end().catch(() => undefined)));
    },
  };
}

