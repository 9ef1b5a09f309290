// The host's half of the ready handshake (the page's half: webview/shared/handshake.ts), without
// VS Code so it is unit-tested. Nothing reaches the page before it said `ready` (a message posted
// to a page still loading is lost); every `ready` gets the whole current state (onReady), so a
// dropped update only waits for the next `ready`, and a page rebuilt after being hidden is whole
// again at once.
export class ReadyGate<T> {
  private isReady = false;

  constructor(private readonly send: (msg: T) => void, private readonly onReady: () => void) {}

  /** Sends to a ready page; otherwise drops it (the next `ready` sends the whole state anyway). */
  post(msg: T): void { if (this.isReady) this.send(msg); }

  /** The page said `ready` (first load, a reload, or coming back after being hidden). */
  ready(): void {
    this.isReady = true;
    this.onReady();
  }

  /** The page went away (hidden and discarded, or reloading): wait for its next `ready`. */
  lost(): void { this.isReady = false; }

  get open(): boolean { return this.isReady; }
}
