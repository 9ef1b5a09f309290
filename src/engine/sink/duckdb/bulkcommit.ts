// Large snapshot commits without DuckDB's close-time climb.
//
// A commit that appends at least one row group (122,880 rows) skips the WAL: DuckDB writes those
// row groups straight into the file, about half the CPU of the same rows through the WAL. Each such
// commit also leaves its last, partial row group (a chunk of 125,000 rows: 122,880 + 2,120), and the
// next checkpoint's vacuum merges runs of partial and full row groups (2,120 + 122,880 + 2,120 rows
// fit in two) by reading and rewriting them: after a 2M-row full sync nearly the whole table, at
// once, at the close (8 s and +300 MB of RSS; docs/performance.md "Where the chunk-size memory goes").
//
// So from the first such commit on, the engine runs with vacuum off (max_vacuum_tasks = 0, the
// whole instance, until the process ends), and each such commit is checkpointed right after
// (cheap: its row groups are on disk already; the checkpoint writes the key index and the metadata;
// one refused because another writer is mid-statement is taken by the next). Turning vacuum back
// on after the full sync, even after a checkpoint with no writer open, did not help: the close
// still merged the row groups (4-7 s, +200 MB; why is not understood, a plain DuckDB load settles
// them that way). Meanwhile vacuum does not compact row groups emptied by the stream's deletes
// either (not measured); the next start of the engine has vacuum on again, and its checkpoints
// leave the settled row groups alone (a plain DuckDB reopen + deletes + checkpoint: 0.1 s).
import type { Conn } from './db';

/** DuckDB's rows per row group: a commit of at least this many rows writes row groups directly. */
export const ROW_GROUP_ROWS = 122_880;

export class BulkCommits {
  /** Set at the first bulk commit, for the rest of the process. */
  private vacuumOff = false;
  /** Checkpoints done after bulk commits, and those refused (tests, the bench's notes). */
  checkpoints = 0;
  refused = 0;

  /** `conn`: a connection outside any transaction while the sink's write lock is held. */
  constructor(private readonly conn: Conn) {}

  /** Call before committing `rows` rows in one transaction, holding the sink's write lock. */
  async before(rows: number): Promise<void> {
    if (rows < ROW_GROUP_ROWS || this.vacuumOff) return;
    // before the commit: a commit may checkpoint by itself (WAL size) and must not vacuum either
    await this.conn.exec('SET GLOBAL max_vacuum_tasks = 0');
    this.vacuumOff = true;
  }

  /** Call after that commit (or its failure), still holding the lock. */
  async after(): Promise<void> {
    if (!this.vacuumOff) return;
    // refused while another connection's write is in progress: no harm, the next one takes it
    await this.conn.exec('CHECKPOINT').then(() => { this.checkpoints++; }, () => { this.refused++; });
  }
}
