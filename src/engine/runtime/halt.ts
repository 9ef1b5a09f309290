// Halting one table while the task goes on, for every reason in one place: a failure (its
// exception is kept; lakesync resync starts it again), cancel and force-stop (table operations),
// and a table dropped at the source. Its changes are dropped from then on (Routes.live) and its
// running full sync stops. Callers in the evolve/stream cycle return after it: nothing else of
// the cycle needs to know.
import { formatPosition, type Position } from '../positions';
import type { TaskContext } from './context';

export type Halt =
  | { readonly reason: 'failed'; readonly message: string; readonly position?: Position }
  /** cancel (a full sync) and force-stop (a table operation): its queued full sync goes too. */
  | { readonly reason: 'cancelled' | 'stopped' }
  /** The source table is gone: the route goes, the table shows as stopped. */
  | { readonly reason: 'dropped' };

export async function haltTable(ctx: TaskContext, source: string, halt: Halt): Promise<void> {
  if (halt.reason === 'dropped') {
    ctx.routes.delete(source);
    await ctx.sink.state.setPhase(source, 'stopped');
    ctx.status.setTablePhase(source, 'stopped');
    return;
  }
  ctx.routes.halt(source, halt.reason);
  ctx.abortSnapshot.add(source);
  if (halt.reason !== 'failed') {
    ctx.snapshotQueue = ctx.snapshotQueue.filter((r) => r.source !== source);
    await ctx.sink.state.setPhase(source, halt.reason);
    ctx.status.setTablePhase(source, halt.reason);
    return;
  }
  const position = halt.position && formatPosition(halt.position);
  ctx.status.error(source, halt.message, position);
  ctx.status.setTablePhase(source, 'failed');
  ctx.log('error', `${source}: ${halt.message}; the table stops, the others go on (lakesync resync to start it again)`);
  await ctx.sink.state.setPhase(source, 'failed').catch(() => undefined);
  await ctx.sink.state.addError(halt.message, source, position).catch(() => undefined);
}

/** A failure of one table: it stops, the others go on. */
export function failTable(ctx: TaskContext, source: string, message: string, position?: Position): Promise<void> {
  return haltTable(ctx, source, { reason: 'failed', message, ...(position ? { position } : {}) });
}
