// The page's half of the ready handshake (the host's half: src/extension/webviews/ready.ts). The
// page posts `ready` at load and again every `everyMs` until the host's full state (`init`)
// arrives (the dashboard's `init`): a `ready` lost on the way (the extension host busy or not listening yet) never leaves
// a blank page. After `init` nothing more is resent.

export interface IntervalTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(id: unknown): void;
}

const browserTimers: IntervalTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (id) => clearInterval(id as ReturnType<typeof setInterval>),
};

export class ReadyHandshake {
  private timer: unknown;
  private initialised = false;

  /** `fullState`: which host messages carry the whole state (the dashboard's `init`; default: any). */
  constructor(private readonly sendReady: () => void, private readonly fullState: (msg: { type: string }) => boolean = () => true,
    private readonly everyMs = 1000, private readonly timers: IntervalTimers = browserTimers) {}

  /** The page is drawn and listening: say `ready` now and until the host's full state arrives. */
  start(): void {
    if (this.initialised || this.timer !== undefined) return;
    // armed before the first ready: an answer that comes at once must find the timer to clear
    this.timer = this.timers.setInterval(() => { if (!this.initialised) this.sendReady(); }, this.everyMs);
    this.sendReady();
  }

  /** Every message from the host passes here: its full state ends the handshake. */
  received(msg: { type: string }): void {
    if (this.initialised || !this.fullState(msg)) return;
    this.initialised = true;
    if (this.timer !== undefined) this.timers.clearInterval(this.timer);
  }

  get done(): boolean { return this.initialised; }
}
