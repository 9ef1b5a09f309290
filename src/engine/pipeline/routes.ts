// The task's routes, and which tables are halted: the one place that knows whether a table's
// changes apply now (live), are dropped until a full sync starts it again (halted: failed,
// cancelled, force-stopped), or the table is not the task's (no route). The runtime halts a table
// through runtime/halt.ts haltTable, which also records why.
import type { Route } from './route';

/** Why a table's changes are dropped; the table phase it shows. */
export type HaltReason = 'failed' | 'cancelled' | 'stopped';

export class Routes {
  private readonly byKey = new Map<string, Route>();
  private readonly halted = new Map<string, HaltReason>();

  /** The route of a source table (`db.table`), halted or not. */
  get(key: string): Route | undefined { return this.byKey.get(key); }
  has(key: string): boolean { return this.byKey.has(key); }
  set(key: string, route: Route): this { this.byKey.set(key, route); return this; }
  /** The table is no longer the task's (dropped at the source): no route, no halt. */
  delete(key: string): boolean { this.halted.delete(key); return this.byKey.delete(key); }
  keys(): IterableIterator<string> { return this.byKey.keys(); }
  values(): IterableIterator<Route> { return this.byKey.values(); }
  get size(): number { return this.byKey.size; }

  /** The route whose changes apply now: undefined when the table is unknown or halted. */
  live(key: string): Route | undefined { return this.halted.has(key) ? undefined : this.byKey.get(key); }
  isHalted(key: string): boolean { return this.halted.has(key); }
  /** Why the table is halted, when it is. */
  haltReason(key: string): HaltReason | undefined { return this.halted.get(key); }
  halt(key: string, reason: HaltReason): void { this.halted.set(key, reason); }
  /** The tables halted for this reason (`db.table`), sorted. */
  haltedFor(reason: HaltReason): string[] { return [...this.halted].filter(([, r]) => r === reason).map(([k]) => k).sort(); }
  /** A full sync of the table starts: its changes apply again. */
  resume(key: string): void { this.halted.delete(key); }
}
