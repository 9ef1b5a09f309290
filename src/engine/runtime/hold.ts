// Apply holds for `lakesync verify`: the verifier reads a source chunk at an exact position P and
// asks the running engine to hold its change stream right after P, so the target chunk it reads
// next is the target as of P: no change after P applied, every change up to P applied.
//
// The stream calls `admits(tx)` before each transaction. A transaction past an active hold's
// position waits (after the batch before it has been committed) until the hold is released or
// expires. The whole stream waits, not only the verified table: the task has one checkpoint, and
// the data and the position commit together (holding one table while the others advance would
// need a position per table). A hold lasts as long as one chunk's pair of checksums.
import { comparePositions, formatPosition, type Position } from '../positions';

export interface HoldTx { position: Position; partial?: boolean }

interface Hold {
  id: number;
  until: Position;
  expires: number;
  reached: boolean;
  onReached: (() => void)[];
}

export class HoldGate {
  private readonly holds = new Map<number, Hold>();
  private seq = 0;
  private releaseWaiters: (() => void)[] = [];
  /** The newest transaction let through (complete or partial). */
  private head?: HoldTx;
  private timer?: NodeJS.Timeout;

  /** `now`: a monotonic clock in ms (wall-clock changes must not move expiries); tests pass their own. */
  constructor(private readonly now: () => number = () => performance.now()) {}

  /**
   * Arms a hold at `until`. Throws when the stream already let a transaction after `until`
   * through: the target can no longer be seen as of `until` (the verifier reads again).
   */
  arm(until: Position, ttlMs: number, checkpoint?: Position): number {
    const head = this.head ?? (checkpoint ? { position: checkpoint } : undefined);
    if (head && beyond(head, until)) {
      throw new Error(`passed: the task already applied changes after ${formatPosition(until)} (at ${formatPosition(head.position)})`);
    }
    const hold: Hold = { id: ++this.seq, until, expires: this.now() + ttlMs, reached: false, onReached: [] };
    this.holds.set(hold.id, hold);
    this.schedule();
    return hold.id;
  }

  /** True when no active hold stops `tx`. */
  admits(tx: HoldTx): boolean {
    this.expire();
    for (const h of this.holds.values()) if (beyond(tx, h.until)) return false;
    return true;
  }

  /**
   * Called by the stream with a transaction that `admits` refused, after everything before it
   * was committed: the holds it is past are reached; resolves once none stops it any more.
   */
  async waitAt(tx: HoldTx): Promise<void> {
    while (!this.admits(tx)) {
      for (const h of this.holds.values()) if (beyond(tx, h.until)) this.markReached(h);
      await new Promise<void>((resolve) => this.releaseWaiters.push(resolve));
    }
  }

  /** The stream let `tx` through. */
  passed(tx: HoldTx): void {
    this.head = tx;
  }

  /** Everything up to `position` is committed in the target (and nothing after it is pending). */
  applied(position: Position): void {
    for (const h of this.holds.values()) {
      let c: number;
      try { c = comparePositions(position, h.until); } catch { continue; }
      if (!h.reached && c >= 0) this.markReached(h);
    }
  }

  /** Resolves when the hold is reached; rejects when it expired, was released or never existed. */
  whenReached(id: number, timeoutMs: number): Promise<void> {
    const h = this.holds.get(id);
    if (!h) return Promise.reject(new Error(`hold ${id} is not active (expired or released)`));
    if (h.reached) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`the task did not reach ${formatPosition(h.until)} within ${timeoutMs / 1000} s (is it streaming?)`)), timeoutMs);
      h.onReached.push(() => { clearTimeout(t); resolve(); });
    });
  }

  /** True while the hold is active and reached (the target is as of its position). */
  isHeld(id: number): boolean {
    this.expire();
    return this.holds.get(id)?.reached === true;
  }

  /** Ends a hold; answers whether it was still active. */
  release(id: number): boolean {
    this.expire();
    const was = this.holds.delete(id);
    this.wake();
    return was;
  }

  /** Ends every hold (the stream stops or restarts). */
  clear(): void {
    this.holds.clear();
    this.wake();
  }

  private markReached(h: Hold): void {
    if (h.reached) return;
    h.reached = true;
    for (const f of h.onReached.splice(0)) f();
  }

  private expire(): void {
    const now = this.now();
    let any = false;
    for (const [id, h] of this.holds) if (h.expires <= now) { this.holds.delete(id); any = true; }
    if (any) this.wake();
  }

  private wake(): void {
    for (const f of this.releaseWaiters.splice(0)) f();
    this.schedule();
  }

  /** A hold the verifier forgot (killed) must not stop the task for longer than its ttl. */
  private schedule(): void {
    clearTimeout(this.timer);
    if (this.holds.size === 0) return;
    const next = Math.min(...[...this.holds.values()].map((h) => h.expires));
    // A timer may fire a millisecond before `next` by the clock: schedule again until it expired.
    this.timer = setTimeout(() => { this.expire(); this.schedule(); }, Math.max(10, next - this.now() + 1));
    this.timer.unref();
  }
}

/**
 * Is `tx` after `until`? A complete transaction's position is its end: it is after `until` when
 * it ends past it. A part of a large transaction carries the position before it (MySQL: the end
 * of the previous transaction; PostgreSQL: the start of its commit record), so it is after
 * `until` already when that position is at `until`.
 */
function beyond(tx: HoldTx, until: Position): boolean {
  const c = safeCompare(tx.position, until);
  return tx.partial ? c >= 0 : c > 0;
}

function safeCompare(a: Position, b: Position): number {
  try { return comparePositions(a, b); } catch { return 1; } // unlike kinds: hold rather than guess
}
