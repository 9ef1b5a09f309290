// Where the change stream is, in the terms of a checkpoint: the last transaction end seen, and
// the row changes taken after it (the parts of a large transaction). A stream resumed from
// `E#applied:N` starts at E and skips the first N row changes: the target holds them.
import { basePosition, type Position } from '../positions';
import type { Transaction } from './events';

/** A row change's place: the `count`-th row change after the transaction end `end`. */
export interface StreamPlace { end: Position; count: number }

export class StreamCursor {
  /** The newest transaction end seen (at first: the checkpoint's). */
  end: Position;
  /** Row changes after `end` taken from the stream, in stream order (applied, queued or skipped). */
  count = 0;
  /** Row changes after `end` the target already holds, not yet met again. */
  toSkip: number;

  constructor(start: Position) {
    this.end = basePosition(start);
    this.toSkip = start.kind === 'time' ? 0 : start.applied ?? 0;
  }

  /** Inside a transaction in parts: changes after the last end were taken, or are still to skip. */
  get inside(): boolean { return this.count > 0 || this.toSkip > 0; }

  /** The place of the newest change taken (or the end itself): what a checkpoint stores. */
  get position(): Position {
    return this.count > 0 && this.end.kind !== 'time' ? { ...this.end, applied: this.count } : this.end;
  }

  /** The place of the newest change taken. */
  get place(): StreamPlace { return { end: this.end, count: this.count }; }

  /**
   * An empty transaction (a keepalive or progress point) met before the changes still to skip.
   * The changes after it are the same as after the checkpoint's end, so the skip goes on: the run
   * that stored the checkpoint may not have seen this point, and ending the skip here would apply
   * the held changes twice.
   */
  ignores(tx: Transaction): boolean {
    return !tx.partial && this.toSkip > 0 && this.count === 0 && tx.changes.length === 0;
  }

  /** Takes a row change; true when the target already holds it (skip it). */
  take(): boolean {
    this.count++;
    if (this.toSkip === 0) return false;
    this.toSkip--;
    return true;
  }

  /** A complete transaction ended at `position`; returns the changes to skip that never came (0 normally). */
  ended(position: Position): number {
    const missing = this.toSkip;
    this.end = basePosition(position);
    this.count = 0;
    this.toSkip = 0;
    return missing;
  }
}
