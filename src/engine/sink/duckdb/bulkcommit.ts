// Large snapshot commits without DuckDB's close-time climb.
//
// A commit that appends at least one row group (122,880 rows) skips the WAL: DuckDB writes those
// row groups straight into the file, about half the CPU of the same rows through the WAL. Each such
// commit also leaves its last, partial row group (a chunk of 125,000 rows: 122,880 + 2,120), and the
// next checkpoint's vacuum merges runs of partial and full row groups (2,120 + 122,880 + 2,120 rows
// fit in two) by reading and rewriting them: after a 2M-row full sync nearly the whole table, at
// once, at the close (8 s and +300 MB of RSS; docs/performance.md "Where the chunk-size memory goes").
//
// So such a commit runs with vacuum off (max_vacuum_tasks = 0, the whole instance) and is
// checkpointed right after, still without vacuum (cheap: its row groups are on disk already, the
// checkpoint writes the key index and the metadata). Vacuum comes back at once for everything else
// (row groups emptied by the stream's deletes). A checkpoint refused (another connection's write in
// progress) leaves vacuum off until the next bulk commit's checkpoint succeeds; a close then
// checkpoints without vacuum too.
import type { Conn } from './db';

/** DuckDB's rows per row group: a commit of at least this many rows writes row groups directly. */
export const ROW_GROUP_ROWS = 122_880;

export class BulkCommits {
  /** Row groups written by a bulk commit and not yet checkpointed: vacuum stays off meanwhile. */
  private pending = false;
  /** Checkpoints done after bulk commits, and those refused (tests, the bench's notes). */
  checkpoints = 0;
  refused = 0;

  /** `conn`: a connection outside any transaction while the sink's write lock is held. */
  constructor(private readonly conn: Conn) {}

  /** Call before committing `rows` rows in one transaction, holding the sink's write lock. */
  async before(rows: number): Promise<void> {
    if (rows < ROW_GROUP_ROWS || this.pending) return;
    // before the commit: a commit may checkpoint by itself (WAL size) and must not vacuum either
    await this.conn.exec('SET GLOBAL max_vacuum_tasks = 0');
    this.pending = true;
  }

  /** Call after that commit (or its failure), still holding the lock. */
  async after(): Promise<void> {
    if (!this.pending) return;
    try {
      await this.conn.exec('CHECKPOINT');
    } catch {
      this.refused++;
      return;
    }
    this.checkpoints++;
    this.pending = false;
    await this.conn.exec('RESET GLOBAL max_vacuum_tasks');
  }
}
