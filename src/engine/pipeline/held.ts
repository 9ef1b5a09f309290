// Per-table positions on resume. The stream restarts at the task checkpoint, the lowest position
// every table holds; a table whose sink committed past it (a sink that commits table by table and
// stopped between two tables) already holds some of what is replayed, and skips exactly that.
import { basePosition, comparePositions, type Position } from '../positions';
import type { Transaction } from './events';
import type { StreamPlace } from './place';

export class HeldPositions {
  /** `held`: source `db.table` -> the position that table holds (only those ahead of the checkpoint matter). */
  constructor(private readonly held: ReadonlyMap<string, Position>) {}

  /** Tables whose stored position is ahead of `checkpoint`. */
  static ahead(checkpoint: Position, tables: { source: string; position?: Position }[]): HeldPositions {
    const held = new Map<string, Position>();
    for (const t of tables) if (t.position && compare(t.position, checkpoint) > 0) held.set(t.source, t.position);
    return new HeldPositions(held);
  }

  get size(): number { return this.held.size; }

  /**
   * Whether table `key` already holds a change of `tx` found at `place`. The table holds a position
   * `E#applied:N` (N row changes after the transaction end E; N = 0 at an end):
   * - a change after that same end E is held when it is one of the first N: exact, as the stream
   *   after a position delivers the same row changes in the same order on every run;
   * - else a complete transaction is held when it ends at or before E;
   * - else a part of a large transaction is held only when its position is strictly before E. A
   *   part's position is no later than its transaction's end (MySQL/MariaDB: the last transaction
   *   end before it, pgoutput: its commit's LSN), so the whole transaction is held or none of it.
   *   decoderbufs parts carry the last position handed over, which an earlier run's keepalive
   *   checkpoint may lie past: with a sink that commits table by table, that case is not exact.
   */
  holds(key: string, tx: Transaction, place?: StreamPlace): boolean {
    const at = this.held.get(key);
    if (!at) return false;
    const end = basePosition(at);
    if (place && compare(basePosition(place.end), end) === 0) return place.count <= (at.kind === 'time' ? 0 : at.applied ?? 0);
    const c = compare(tx.position, end);
    return tx.partial ? c < 0 : c <= 0;
  }
}

/** Positions of different kinds (e.g. a GTID start and binlog ends) do not compare: never skip then. */
function compare(a: Position, b: Position): number {
  try { return comparePositions(a, b); } catch { return Number.NaN; }
}
