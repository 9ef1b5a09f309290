// One writer at a time: both sinks serialize their commits through this (DuckDB transactions on
// different connections must not overlap on the same rows; an Iceberg commit and its key-index
// update go together).
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise((r) => { release = r; });
    await prev;
    try { return await fn(); } finally { release(); }
  }
}
