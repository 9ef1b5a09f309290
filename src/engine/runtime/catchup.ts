// `--until-caught-up`: decided by positions only. The source's position is read once, when the
// catch-up starts (after the full syncs); the run is caught up when the target's committed
// checkpoint has reached or passed it. Silence proves nothing: a source that sends no bytes for
// a long time while it is still ahead is a stall, and the run fails with the reason.
import { UserError } from '../errors';
import { comparePositions, formatPosition, insideTransaction, positionDistance, samePosition, type Position } from '../positions';
import type { StreamHandle } from '../source/adapter';
import { sourceFacts } from '../source/registry';
import type { TaskContext } from './context';

/** Default: no byte from the source for 5 minutes while it is ahead = stalled. */
export const DEFAULT_STALL_MS = 300_000;

/** The catch-up waited too long without any sign of progress from the source. */
export class StallError extends UserError {
  constructor(message: string) { super(message); this.name = 'StallError'; }
}

/** True when the checkpoint is at or past the goal. */
export function reachedGoal(checkpoint: Position | undefined, goal: Position | undefined): boolean {
  if (!checkpoint || !goal) return false;
  try { return comparePositions(checkpoint, goal) >= 0; } catch { return false; }
}

export class CatchUp {
  /** The source's position when the catch-up started; read once, kept across reconnects. */
  goal?: Position;
  private lastActivity = Date.now();
  private lastCheckpoint?: Position;
  private reader?: string;
  private handle?: StreamHandle;
  private timer?: NodeJS.Timeout;
  private polling = false;
  private lastPoll = 0;
  private rejectStall?: (err: StallError) => void;
  /** Rejects with a StallError once the source has been silent for `stallMs` while ahead. */
  readonly stalled: Promise<never>;

  constructor(private readonly ctx: TaskContext, private readonly stallMs = DEFAULT_STALL_MS) {
    this.stalled = new Promise<never>((_, reject) => { this.rejectStall = reject; });
    this.stalled.catch(() => undefined); // raced by the runner; never unhandled here
  }

  /** Reads the goal (first call only) and starts watching for progress and stalls. */
  async begin(): Promise<Position> {
    if (!this.goal) {
      this.goal = await this.ctx.adapter.currentPosition();
      this.lastActivity = Date.now();
      this.ctx.log('info', `catching up to ${formatPosition(this.goal)}`);
      this.timer = setInterval(() => this.tick(), 1000);
      this.timer.unref();
      this.publish();
    }
    return this.goal;
  }

  get done(): boolean { return reachedGoal(this.ctx.checkpoint, this.goal); }

  /** Something arrived from the source (a transaction or a part of one). */
  activity(): void { this.lastActivity = Date.now(); }

  /** The stream being read now (its byte clock counts as activity). */
  watch(handle: StreamHandle | undefined): void { this.handle = handle; }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.publish();
  }

  private tick(): void {
    const { ctx } = this;
    // a full sync started by the stream (a new table, a resync) moves on its own clock
    if (!samePosition(ctx.checkpoint, this.lastCheckpoint) || ctx.status.status.phase === 'full-sync') { this.lastCheckpoint = ctx.checkpoint; this.activity(); }
    const received = this.handle?.lastReceivedAt?.();
    if (received && received > this.lastActivity) this.lastActivity = received;
    this.pollReader();
    this.publish();
    if (this.done || !this.goal) return;
    const quiet = Date.now() - this.lastActivity;
    if (quiet < this.stallMs) return;
    const left = this.distance();
    this.rejectStall?.(new StallError(
      `--until-caught-up: stalled. Nothing came from the source for ${Math.round(quiet / 1000)} s while it is ahead ` +
      `(applied ${ctx.checkpoint ?? 'nothing'}, goal ${formatPosition(this.goal)}${left !== undefined ? `, ${left} bytes left` : ''}` +
      `${this.reader ? `, source reader at ${this.reader}` : ''}). ` +
      `${sourceFacts(ctx.plan.source.type).stallHint} ` +
      'The checkpoint is kept: run again to go on; --stall-timeout SECONDS waits longer.'));
  }

  /** PostgreSQL: the walsender's own read position moves while it decodes a large transaction before sending it. */
  private pollReader(): void {
    const read = this.ctx.adapter.readerPosition;
    if (!read || this.polling || Date.now() - this.lastPoll < 5000) return;
    this.polling = true;
    this.lastPoll = Date.now();
    read.call(this.ctx.adapter).then((p) => {
      const text = p ? formatPosition(p) : undefined;
      if (text && text !== this.reader) { this.reader = text; this.activity(); }
    }, () => undefined).finally(() => { this.polling = false; });
  }

  private distance(): number | undefined {
    if (!this.goal || !this.ctx.checkpoint) return undefined;
    try { return positionDistance(this.ctx.checkpoint, this.goal); } catch { return undefined; }
  }

  private publish(): void {
    if (!this.goal) return;
    const left = this.distance();
    this.ctx.status.setCatchUp({
      goal: formatPosition(this.goal),
      caughtUp: this.done,
      ...(left !== undefined ? { bytesLeft: left } : {}),
      ...(this.reader ? { sourceRead: this.reader } : {}),
      quietMs: Date.now() - this.lastActivity,
    });
  }
}

/** A normal run reads the source's position this often (PostgreSQL: one tiny logical message). */
export const WATCH_INTERVAL_MS = 5_000;

/**
 * "Caught up" in a normal run (the tree's ✔, `lakesync status`), by the same rule as
 * --until-caught-up with a moving goal: the source's position is read every few seconds, and the
 * target is caught up when its committed checkpoint has reached the newest position read, or the
 * one before while the newest is younger than one interval (so a busy source the target keeps up
 * with does not flicker). A quiet stream proves nothing; a target that falls behind loses the ✔
 * within two intervals of the source's position it has not reached.
 */
export class SourceWatch {
  /** Positions read and not reached yet, oldest first, with when they were read. */
  private pending: { goal: Position; at: number }[] = [];
  /** When the newest position the checkpoint has reached was read (0: none yet). */
  private reachedAt = 0;
  /** When the newest and the one-before positions were read. */
  private latestAt = 0;
  private previousAt = 0;
  private latest?: Position;
  private timer?: NodeJS.Timeout;
  private ticker?: NodeJS.Timeout;
  private reading = false;
  private shown?: boolean;

  constructor(private readonly ctx: TaskContext, private readonly intervalMs = WATCH_INTERVAL_MS) {}

  /** Starts reading (once the stream runs: on PostgreSQL reading the position needs the slot). */
  start(): void {
    if (this.timer) return;
    void this.read();
    this.timer = setInterval(() => { void this.read(); }, this.intervalMs);
    this.timer.unref();
    this.ticker = setInterval(() => this.publish(false), 1000);
    this.ticker.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.ticker);
    this.timer = undefined;
    this.ticker = undefined;
  }

  get caughtUp(): boolean {
    while (this.pending.length && reachedGoal(this.ctx.checkpoint, this.pending[0].goal)) {
      this.reachedAt = this.pending.shift()!.at;
    }
    if (!this.latestAt) return false;
    // a checkpoint inside a transaction (applied in parts) is behind that transaction's end, which
    // the source has committed: never caught up, whatever the last read position says
    if (insideTransaction(this.ctx.checkpoint)) return false;
    if (this.reachedAt >= this.latestAt) return true;
    return this.reachedAt >= this.previousAt && this.previousAt > 0 && Date.now() - this.latestAt <= this.intervalMs;
  }

  private async read(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const at = Date.now();
      const goal = await this.ctx.adapter.currentPosition();
      this.latest = goal;
      this.previousAt = this.latestAt;
      this.latestAt = at;
      this.pending.push({ goal, at });
      if (this.pending.length > 100) this.pending.shift(); // far behind: only the newest goals matter
      this.publish(true);
    } catch {
      // the source is unreachable for a moment: the clock will say not caught up
    } finally {
      this.reading = false;
    }
  }

  /** Publishes status.catchUp: after each read, and each second when the answer changed. */
  private publish(always: boolean): void {
    if (!this.latest) return;
    const caughtUp = this.caughtUp;
    if (!always && caughtUp === this.shown) return;
    this.shown = caughtUp;
    let left: number | undefined;
    try { left = this.ctx.checkpoint ? positionDistance(this.ctx.checkpoint, this.latest) : undefined; } catch { left = undefined; }
    this.ctx.status.setCatchUp({
      goal: formatPosition(this.latest),
      caughtUp,
      ...(left !== undefined ? { bytesLeft: left } : {}),
      quietMs: 0,
      ...(this.reachedAt ? { reachedAt: new Date(this.reachedAt).toISOString() } : {}),
    });
  }
}
