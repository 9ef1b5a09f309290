// At most one delivery per interval, always the newest value: the engine may report status many
// times a second, the dashboard needs it once a second at most. No `vscode` import (unit-tested).

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class LatestThrottle<T> {
  private last = -Infinity;
  private pending: { value: T } | undefined;
  private timer: unknown;

  constructor(private readonly deliver: (value: T) => void, private readonly intervalMs = 1000, private readonly timers: Timers = realTimers) {}

  push(value: T): void {
    const now = this.timers.now();
    if (this.timer === undefined && now - this.last >= this.intervalMs) {
      this.last = now;
      this.deliver(value);
      return;
    }
    this.pending = { value };
    if (this.timer === undefined) {
      this.timer = this.timers.setTimeout(() => this.flush(), this.intervalMs - (now - this.last));
    }
  }

  private flush(): void {
    this.timer = undefined;
    const p = this.pending;
    this.pending = undefined;
    if (p) { this.last = this.timers.now(); this.deliver(p.value); }
  }

  dispose(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
