// One DuckDB file: the instance plus small helpers over a connection. DuckDB allows a single
// writer process, so the engine opens the file once and every read goes through it.
import { DOUBLE, DuckDBConnection, DuckDBDataChunk, DuckDBInstance, UTINYINT, VARCHAR } from '@duckdb/node-api';
import bindings from '@duckdb/node-bindings';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { UserError } from '../../errors';
import { LAKEHOUSE_FIX, lakehouseFileProblem } from './file';
import { quoteIdent } from './sql';
import { newViews, type StagedType } from './stagetypes';

export type Sql = string;

/** Rows per appended data chunk: DuckDB's standard vector size. */
const CHUNK_ROWS = 2048;

/** How long a writer waits for a brief reader (`lakesync status` of a stopped task, the extension's poll). */
const LOCK_WAIT_MS = 10_000;

/**
 * Opens the file for writing. A reader that peeks at a stopped task's state holds DuckDB's file
 * lock for a moment; an engine starting right then would otherwise fail. Another writer holds it
 * for longer than this wait, and its lock error then reaches the caller as before.
 */
async function createWaitingForReaders(path: string, config: Record<string, string>): Promise<DuckDBInstance> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      return await DuckDBInstance.create(path, config);
    } catch (err) {
      if (!/lock/i.test((err as Error).message) || Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * DuckDB's share of the engine's memory (parameters.memoryMb, the whole process): half, at least
 * 256 MiB. Its default, 80% of the machine's RAM, let its cache of the target's blocks grow with
 * the rows already written; beyond the limit it evicts them and spills work to `<file>.tmp`. An
 * eighth was too little: a full batch of wide rows (27 array columns, or 19 KB text documents in
 * a bare INSERT OR REPLACE) ran out of memory inside DuckDB and stopped the table. One thread per
 * 64 MiB of it, at most the cores. The allocator's background thread gives freed memory back to
 * the system as it goes: without it a snapshot's resident set kept ~100 MB that DuckDB no longer
 * accounted for (docs/performance.md, "Snapshot groups").
 */
export function duckdbConfig(memoryMb: number, cores = availableParallelism()): Record<string, string> {
  const mb = Math.max(256, Math.floor(memoryMb / 2));
  return { memory_limit: `${mb}MB`, threads: String(Math.max(1, Math.min(cores, Math.floor(mb / 64)))), allocator_background_threads: 'true' };
}

export class Db {
  /** `memoryLimitMb`: DuckDB's memory_limit as configured here (undefined: DuckDB's default). */
  private constructor(readonly instance: DuckDBInstance, readonly path: string, readonly memoryLimitMb?: number) {}

  /** `memoryMb`: the engine's memory (parameters.memoryMb); DuckDB gets its share (duckdbConfig). */
  static async open(path: string, opts: { readOnly?: boolean; memoryMb?: number } = {}): Promise<Db> {
    if (path !== ':memory:') {
      // never let DuckDB open (and so write to) a file that is not a database already
      const problem = lakehouseFileProblem(path);
      if (problem) throw new UserError(`target.path: ${problem}. ${LAKEHOUSE_FIX}.`);
    }
    if (path !== ':memory:' && !opts.readOnly) await mkdir(dirname(path), { recursive: true });
    const config = opts.memoryMb && !opts.readOnly ? duckdbConfig(opts.memoryMb) : undefined;
    const instance = opts.readOnly
      ? await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' })
      : await createWaitingForReaders(path, config ?? {});
    return new Db(instance, path, config ? parseInt(config.memory_limit, 10) : undefined);
  }

  /** Connections opened and not yet closed: close() closes them first. */
  private readonly conns = new Set<Conn>();

  async connect(): Promise<Conn> {
    const conn: Conn = new Conn(await this.instance.connect(), () => this.conns.delete(conn));
    this.conns.add(conn);
    return conn;
  }

  /**
   * Closes every connection still open, each once its work is done (see Conn.close), then the
   * instance. A connection left open keeps the database alive past closeSync(), and a later open
   * of the same file in this process (its file lock does not stop it) would write beside it.
   */
  async close(): Promise<void> {
    await Promise.all([...this.conns].map((c) => c.close()));
    this.instance.closeSync();
  }
}

export class Conn {
  /** Work in flight on this connection (see track). */
  private readonly busy = new Set<Promise<unknown>>();
  private closing?: Promise<void>;
  private closed = false;

  constructor(readonly raw: DuckDBConnection, private readonly onClose?: () => void) {}

  /**
   * Runs `work` (statements on this connection; a caller using `raw` wraps its calls here, or waits
   * for them itself before closing, as the Iceberg sink does under its lock) as work close() waits for.
   * Closing a connection while one of its statements runs deadlocks DuckDB for good: the worker
   * thread drops the last reference to the connection's context and its destructor waits for the
   * context lock that thread itself holds (seen as an engine that said "stopped" and never exited).
   */
  track<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the DuckDB connection is closed'));
    const p = work();
    this.busy.add(p);
    const done = () => { this.busy.delete(p); };
    p.then(done, done);
    return p;
  }

  exec(sql: Sql): Promise<number> {
    return this.track(async () => (await this.raw.run(sql)).rowsChanged);
  }

  /** Rows as plain JS values (bigint for BIGINT, Date-free strings for timestamps via the JS converter). */
  rows<T = Record<string, unknown>>(sql: Sql, values?: (string | number | boolean | null)[]): Promise<T[]> {
    return this.track(async () => (await this.raw.runAndReadAll(sql, values as never)).getRowObjectsJS() as T[]);
  }

  columnsAndRows(sql: Sql, limit: number): Promise<{ columns: string[]; rows: unknown[][]; truncated: boolean }> {
    return this.track(async () => {
      const reader = await this.raw.runAndReadUntil(sql, limit + 1);
      const columns = reader.columnNames();
      const rows = reader.getRowsJson() as unknown[][];
      const truncated = rows.length > limit;
      return { columns, rows: truncated ? rows.slice(0, limit) : rows, truncated };
    });
  }

  /** Runs `fn` in one transaction: everything it writes commits together, or nothing does. */
  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.track(async () => {
      await this.raw.run('BEGIN TRANSACTION');
      try {
        const out = await fn();
        await this.raw.run('COMMIT');
        return out;
      } catch (err) {
        try { await this.raw.run('ROLLBACK'); } catch { /* the transaction may already be aborted */ }
        throw err;
      }
    });
  }

  /**
   * Appends rows of text (or NULL) into a temp table with `width` columns (appendColumns).
   * `columns[c]` names the row index staged as column c (default: c itself). `staged[c]`, when
   * given, is column c's typed staging (see stagetypes.ts); missing or size 0 means VARCHAR.
   */
  async appendTemp(table: string, width: number, rows: readonly (string | null | undefined)[][], columns?: readonly number[],
    staged?: readonly (StagedType | undefined)[]): Promise<void> {
    const byColumn = Array.from({ length: width }, (_, c): StageColumn => {
      const at = columns ? columns[c] : c; // < 0: a column the rows do not have (NULL)
      return { kind: 'text', get: at < 0 ? () => null : (r) => rows[r][at], staged: staged?.[c] };
    });
    await this.appendColumns(table, rows.length, byColumn);
  }

  /**
   * Appends `count` rows given column by column, 2048 rows per data chunk (the Appender's fastest
   * path). The strings go straight into the chunk's vectors through the bindings: the node-api
   * vector wrapper's per-item cache and BigInt validity bits made staging ~1.7x slower (500k rows
   * x 14 columns: 5.5 s -> 3.1 s, same table contents).
   * A text column's value of row r is `get(r)` (null or undefined: NULL), parsed into its typed
   * staging when `staged` has a size; a number column is copied as DOUBLE or UTINYINT at once.
   */
  appendColumns(table: string, count: number, columns: readonly StageColumn[]): Promise<void> {
    return count === 0 ? Promise.resolve() : this.track(() => this.appendChunks(table, count, columns));
  }

  private async appendChunks(table: string, count: number, columns: readonly StageColumn[]): Promise<void> {
    const appender = await this.raw.createAppender(table, 'main', 'temp');
    try {
      const types = columns.map((c) => (c.kind === 'text' ? c.staged?.type ?? VARCHAR : c.kind === 'double' ? DOUBLE : UTINYINT));
      const validity = new Uint8Array(CHUNK_ROWS / 8);
      const views = columns.some((c) => c.kind === 'text' && c.staged && c.staged.size > 0) ? newViews(CHUNK_ROWS * 8) : undefined;
      for (let start = 0; start < count; start += CHUNK_ROWS) {
        const n = Math.min(CHUNK_ROWS, count - start);
        const chunk = DuckDBDataChunk.create(types, n);
        for (let c = 0; c < columns.length; c++) {
          const vector = bindings.data_chunk_get_vector(chunk.chunk, c);
          const col = columns[c];
          if (col.kind !== 'text') {
            const bytes = col.values.BYTES_PER_ELEMENT;
            bindings.copy_data_to_vector(vector, 0, col.values.buffer as ArrayBuffer, col.values.byteOffset + start * bytes, n * bytes);
            continue;
          }
          const st = col.staged;
          const put = st && st.size > 0 ? st.put : undefined;
          const get = col.get;
          let nulls = false;
          if (put) views!.u8.fill(0, 0, n * st!.size);
          for (let r = 0; r < n; r++) {
            const v = get(start + r);
            if (v === null || v === undefined) {
              if (!nulls) { nulls = true; validity.fill(0xff); }
              validity[r >> 3] &= ~(1 << (r & 7));
            } else if (put) {
              put(views!, r, v);
            } else {
              bindings.vector_assign_string_element(vector, r, v);
            }
          }
          if (put) bindings.copy_data_to_vector(vector, 0, views!.u8.buffer as ArrayBuffer, 0, n * st!.size);
          if (nulls) {
            bindings.vector_ensure_validity_writable(vector);
            bindings.copy_data_to_vector_validity(vector, 0, validity.buffer, 0, Math.ceil(n / 8));
          }
        }
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  /**
   * Closes the connection once the work in flight is done (work that work in flight starts
   * meanwhile, such as the statements of a transaction, still runs); later work is refused.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.busy.size) await Promise.allSettled([...this.busy]);
      this.closed = true;
      this.raw.closeSync();
      this.onClose?.();
    })();
    return this.closing;
  }
}

/** One column for Conn.appendColumns. */
export type StageColumn =
  | { kind: 'text'; get: (r: number) => string | null | undefined; staged?: StagedType }
  | { kind: 'double'; values: Float64Array }
  | { kind: 'utinyint'; values: Uint8Array };

/** The SQL type of a StageColumn in the stage's DDL. */
export function stageColumnSql(c: StageColumn): string {
  return c.kind === 'text' ? c.staged?.sql ?? 'VARCHAR' : c.kind === 'double' ? 'DOUBLE' : 'UTINYINT';
}

/** `CREATE TEMP TABLE name (c0 VARCHAR, ...)` for a staging table of `width` columns (VARCHAR unless `staged` says). */
export function stagingDdl(name: string, width: number, staged?: readonly (StagedType | undefined)[]): Sql {
  const cols = Array.from({ length: width }, (_, i) => `${quoteIdent(`c${i}`)} ${staged?.[i]?.sql ?? 'VARCHAR'}`).join(', ');
  return `CREATE OR REPLACE TEMP TABLE ${quoteIdent(name)} (${cols})`;
}
