// Resyncs the engine starts by itself: a schema change gave the rows already in a table values
// the stream does not carry (a volatile default, AUTO_INCREMENT, a USING rewrite), so the table is
// copied again from the source. The copy reads the table as it is now, and the stream then replays
// its changes after the checkpoint over it. That replay must not meet rows or DDL of an older shape
// than the copy's, so the resync starts once the stream has reached the source's shape: at once in
// the usual case (the stream follows closely), else when a later schema change of the table brings
// the stream there, or when the checkpoint reaches the source position read when the resync was
// asked for (PostgreSQL sends no Relation message for DDL that no row change follows).
import { formatPosition, type Position } from '../positions';
import type { SourceTable } from '../source/types';
import { reachedGoal } from './catchup';
import type { TaskContext } from './context';

/** Asks for a resync of `key` for the reasons in `why` (a schema change marks it pending in the sink before it commits, too). */
export async function requestResync(ctx: TaskContext, key: string, why: string[], past?: Position): Promise<void> {
  await ctx.sink.state.setPhase(key, 'pending');
  const message = `resync: ${why.join('; ')}; the table is copied again from the source`;
  ctx.log('info', `${key}: ${message}`);
  ctx.status.error(key, message, past && formatPosition(past), 'info');
  ctx.status.setTablePhase(key, 'pending');
  const had = ctx.pendingResync.get(key);
  ctx.pendingResync.set(key, { why: [...(had?.why ?? []), ...why] });
  // the source not answering now is no reason to stop the table: the stream's timer asks again
  await checkResyncs(ctx, key).catch((err: Error) => ctx.log('debug', `${key}: pending resync: ${err.message}`));
}

/** Starts each pending resync (or only `key`'s) whose table the stream has brought to the source's shape. */
export async function checkResyncs(ctx: TaskContext, key?: string): Promise<void> {
  for (const [k, pending] of [...ctx.pendingResync]) {
    if (key !== undefined && k !== key) continue;
    const route = ctx.routes.get(k);
    if (!route || ctx.routes.isHalted(k)) { ctx.pendingResync.delete(k); continue; }
    const now = await ctx.adapter.describe(route.source.id);
    // gone at the source: rules.dropTable follows when the stream (or the next look) says so
    if (!now) { ctx.pendingResync.delete(k); continue; }
    if (!sameShape(route.source, now)) {
      if (!pending.goal) { pending.goal = await ctx.adapter.currentPosition(); continue; }
      if (!reachedGoal(ctx.checkpoint, pending.goal)) continue;
    }
    ctx.pendingResync.delete(k);
    if (ctx.status.table(k).phase === 'full-sync') ctx.abortSnapshot.add(k);
    ctx.queueSnapshot({ source: k, kind: 'fresh', align: true });
    ctx.interrupt?.('resnapshot');
  }
}

/** The same columns with the same types: the stream has read every DDL of the table the source has run. */
export function sameShape(a: SourceTable, b: SourceTable): boolean {
  const sig = (t: SourceTable) => t.columns.map((c) => `${c.name}:${c.fullType}`).join('\u0000');
  return sig(a) === sig(b);
}
