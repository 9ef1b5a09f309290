// Keeps DuckDB's memory from growing with the number of tables written, and its cache of saved
// blocks from growing with the rows written (trimCache).
//
// Every table DuckDB writes holds memory of its own until the next checkpoint: its primary-key
// index (an ART whose node buffers take ~1.25 MiB even for 100 rows, not evictable while unsaved)
// and its new row groups. DuckDB checkpoints by WAL size (16 MiB), which 1,000 small tables never
// reach: a database mirror of 1,000 tables of 100 rows needed 1.6 GB, or ran out of DuckDB memory at
// its 512 MiB limit. After a checkpoint the same data is cached blocks, which DuckDB keeps until its
// memory limit, so the process still grew by ~0.5 MiB per table written.
//
// So after every `every` distinct tables written, the sink checkpoints (unsaved tables become
// blocks on disk) and empties the block cache: DuckDB evicts blocks only to meet its limit, so the
// limit is lowered for a moment and set back. A task writing few tables (one large table, a few
// busy ones) never gets here and keeps its cache.
import type { Conn } from './db';

/**
 * Distinct tables written between two releases. 1,000 tables of 100 rows (PostgreSQL, load 8-10):
 * every 32 tables peaked at 347 MB RSS and 28 s engine CPU, every 16 at 276 MB and 33 s.
 */
export const TABLES_PER_RELEASE = 16;

/** The limit the cache is evicted down to for a moment (what pinned work needs stays: DuckDB evicts what it can). */
const TRIM_MB = 16;

/**
 * DuckDB's cache of saved blocks (tag BASE_TABLE) kept at most, MiB. DuckDB keeps every block it
 * read or wrote until its memory_limit; a table updated or written for long grew it by ~20 MiB per
 * million rows. Above this the cache is trimmed after a commit (see trimCache).
 */
export const CACHE_BUDGET_MB = 32;
/** Commits between two looks at the cache (a look is one small query). */
const LOOK_EVERY = 8;

export class TableMemory {
  private readonly written = new Set<string>();
  /** Checkpoints and cache trims done (tests, the bench's notes). */
  releases = 0;
  /** Trims of the saved-block cache (trimCache). */
  cacheTrims = 0;
  private commits = 0;

  /** `limitMb`: DuckDB's configured memory_limit (undefined: DuckDB's default, left alone). */
  constructor(private readonly conn: Conn, private readonly limitMb: number | undefined, private readonly every = TABLES_PER_RELEASE,
    private readonly cacheBudgetMb = CACHE_BUDGET_MB) {}

  /**
   * Call after a commit that wrote these tables, holding the sink's write lock (no transaction of
   * the sink is open then, so the checkpoint can run).
   */
  async wrote(tables: Iterable<string>): Promise<void> {
    for (const t of tables) this.written.add(t);
    if (++this.commits % LOOK_EVERY === 0 && this.written.size < this.every) await this.trimCache();
    if (this.written.size < this.every) return;
    this.written.clear();
    await this.release();
  }

  /**
   * Evicts saved blocks beyond the cache budget: the limit is lowered for a moment to what the rest
   * of DuckDB's memory needs plus half the budget, and set back. DuckDB evicts saved blocks first
   * (they are dropped, not written); what is pinned stays.
   */
  private async trimCache(): Promise<void> {
    if (this.limitMb === undefined) return;
    const [m] = await this.conn.rows<{ cached: number | null; total: number | null }>(
      "SELECT sum(memory_usage_bytes) FILTER (WHERE tag = 'BASE_TABLE')::DOUBLE AS cached, sum(memory_usage_bytes)::DOUBLE AS total FROM duckdb_memory()");
    const cachedMb = (m?.cached ?? 0) / 1048576;
    if (cachedMb <= this.cacheBudgetMb) return;
    const target = Math.max(TRIM_MB, Math.ceil((m?.total ?? 0) / 1048576 - cachedMb + this.cacheBudgetMb / 2));
    if (target >= this.limitMb) return;
    this.cacheTrims++;
    try {
      await this.conn.exec(`SET memory_limit = '${target}MB'`);
    } catch {
      // more is pinned right now: DuckDB evicted what it could and kept its limit
    } finally {
      await this.conn.exec(`SET memory_limit = '${this.limitMb}MB'`);
    }
  }

  private async release(): Promise<void> {
    // a checkpoint refused (e.g. another connection's write in progress) is tried again later
    try { await this.conn.exec('CHECKPOINT'); } catch { return; }
    this.releases++;
    if (this.limitMb === undefined || this.limitMb <= TRIM_MB) return;
    try {
      await this.conn.exec(`SET memory_limit = '${TRIM_MB}MB'`);
    } catch {
      // more than TRIM_MB is pinned right now: DuckDB evicted what it could and kept its limit
    } finally {
      await this.conn.exec(`SET memory_limit = '${this.limitMb}MB'`);
    }
  }
}
