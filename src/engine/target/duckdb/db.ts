// One DuckDB file: the instance plus small helpers over a connection. DuckDB allows a single
// writer process, so the engine opens the file once and every read goes through it.
import { DuckDBConnection, DuckDBDataChunk, DuckDBInstance, VARCHAR } from '@duckdb/node-api';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { quoteIdent } from './sql';

export type Sql = string;

export class Db {
  private constructor(readonly instance: DuckDBInstance, readonly path: string) {}

  static async open(path: string, opts: { readOnly?: boolean } = {}): Promise<Db> {
    if (path !== ':memory:' && !opts.readOnly) await mkdir(dirname(path), { recursive: true });
    const instance = await DuckDBInstance.create(path, opts.readOnly ? { access_mode: 'READ_ONLY' } : undefined);
    return new Db(instance, path);
  }

  async connect(): Promise<Conn> { return new Conn(await this.instance.connect()); }

  close(): void { this.instance.closeSync(); }
}

export class Conn {
  constructor(readonly raw: DuckDBConnection) {}

  async exec(sql: Sql): Promise<number> {
    const r = await this.raw.run(sql);
    return r.rowsChanged;
  }

  /** Rows as plain JS values (bigint for BIGINT, Date-free strings for timestamps via the JS converter). */
  async rows<T = Record<string, unknown>>(sql: Sql, values?: (string | number | boolean | null)[]): Promise<T[]> {
    const reader = await this.raw.runAndReadAll(sql, values as never);
    return reader.getRowObjectsJS() as T[];
  }

  async columnsAndRows(sql: Sql, limit: number): Promise<{ columns: string[]; rows: unknown[][]; truncated: boolean }> {
    const reader = await this.raw.runAndReadUntil(sql, limit + 1);
    const columns = reader.columnNames();
    const rows = reader.getRowsJson() as unknown[][];
    const truncated = rows.length > limit;
    return { columns, rows: truncated ? rows.slice(0, limit) : rows, truncated };
  }

  /** Runs `fn` in one transaction: everything it writes commits together, or nothing does. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.raw.run('BEGIN TRANSACTION');
    try {
      const out = await fn();
      await this.raw.run('COMMIT');
      return out;
    } catch (err) {
      try { await this.raw.run('ROLLBACK'); } catch { /* the transaction may already be aborted */ }
      throw err;
    }
  }

  /**
   * Appends rows of text (or NULL) into an all-VARCHAR temp table with `width` columns, 2048 rows
   * per data chunk (the Appender's fastest path, ~460k rows/s measured).
   */
  async appendTemp(table: string, width: number, rows: (string | null | undefined)[][]): Promise<void> {
    if (rows.length === 0) return;
    // temp tables live in catalog `temp`, schema `main`
    const appender = await this.raw.createAppender(table, 'main', 'temp');
    try {
      const types = Array.from({ length: width }, () => VARCHAR);
      for (let start = 0; start < rows.length; start += 2048) {
        const n = Math.min(2048, rows.length - start);
        const chunk = DuckDBDataChunk.create(types, n);
        for (let c = 0; c < width; c++) {
          const col: (string | null)[] = new Array(n);
          for (let r = 0; r < n; r++) col[r] = rows[start + r][c] ?? null;
          chunk.setColumnValues(c, col);
        }
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  close(): void { this.raw.closeSync(); }
}

/** `CREATE TEMP TABLE name (c0 VARCHAR, ...)` for a staging table of `width` text columns. */
export function stagingDdl(name: string, width: number): Sql {
  const cols = Array.from({ length: width }, (_, i) => `${quoteIdent(`c${i}`)} VARCHAR`).join(', ');
  return `CREATE OR REPLACE TEMP TABLE ${quoteIdent(name)} (${cols})`;
}
