// Per-table positions on resume. The stream restarts at the task checkpoint, the lowest position
// every table holds; a table whose sink committed past it (a sink that commits table by table and
// stopped between two tables) already holds some of what is replayed, and skips exactly that.
import { basePosition, comparePositions, type Position } from '../positions';
import type { Transaction } from './events';

export class HeldPositions {
  /** `held`: source `db.table` -> the position that table holds (only those ahead of the checkpoint matter). */
  constructor(private readonly held: ReadonlyMap<string, Position>) {}

  /** Tables whose stored position is ahead of `checkpoint`. */
  static ahead(checkpoint: Position, tables: { source: string; position?: Position }[]): HeldPositions {
    const held = new Map<string, Position>();
    for (const t of tables) {
      // changes applied past a position (`#applied:N`) are not counted per table: the table holds
      // its base position, and the task checkpoint's own count covers a transaction in parts
      if (t.position && compare(t.position, checkpoint) > 0) held.set(t.source, basePosition(t.position));
    }
    return new HeldPositions(held);
  }

  get size(): number { return this.held.size; }

  /**
   * Whether table `key` already holds the changes of `tx`. A complete transaction is held when it
   * ends at or before the table's position. A part of a large transaction carries a position no
   * later than the transaction's end (MySQL: the previous transaction's end), so it counts as held
   * only when strictly before: a part is rather applied again (full-row changes by key converge)
   * than lost.
   */
  holds(key: string, tx: Transaction): boolean {
    const at = this.held.get(key);
    if (!at) return false;
    const c = compare(tx.position, at);
    return tx.partial ? c < 0 : c <= 0;
  }
}

/** Positions of different kinds (e.g. a GTID start and binlog ends) do not compare: never skip then. */
function compare(a: Position, b: Position): number {
  try { return comparePositions(a, b); } catch { return Number.NaN; }
}
