// Keeps DuckDB's memory from growing with the number of tables written.
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

export class TableMemory {
  private readonly written = new Set<string>();
  /** Checkpoints and cache trims done (tests, the bench's notes). */
  releases = 0;

  /** `limitMb`: DuckDB's configured memory_limit (undefined: DuckDB's default, left alone). */
  constructor(private readonly conn: Conn, private readonly limitMb: number | undefined, private readonly every = TABLES_PER_RELEASE) {}

  /**
   * Call after a commit that wrote these tables, holding the sink's write lock (no transaction of
   * the sink is open then, so the checkpoint can run).
   */
  async wrote(tables: Iterable<string>): Promise<void> {
    for (const t of tables) this.written.add(t);
    if (this.written.size < this.every) return;
    this.written.clear();
    await this.release();
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
