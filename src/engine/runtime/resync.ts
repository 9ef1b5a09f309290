// Resyncs the engine starts by itself: a schema change gave the rows already in a table values
// the stream does not carry (a volatile default, AUTO_INCREMENT, a USING rewrite), so the table is
// copied again from the source. The copy reads the table as it is now, and the stream then replays
// its changes after the checkpoint over it. That replay must not meet rows or DDL of an older shape
// than the copy's, so the resync starts once the stream has reached the source's shape: at once in
// the usual case (the stream follows closely), else when a later schema change of the table brings
// the stream there, or when the checkpoint reaches the source position read right after the source
// last described the table, and the source still describes it so (`settled`: PostgreSQL sends no
// Relation message for DDL that no row change follows). The copy checks the shape again before it
// starts and before it ends (snapshot.ts): DDL run in between sends the table back here.
import { formatPosition, type Position } from '../positions';
import type { SourceTable } from '../source/types';
import { reachedGoal } from './catchup';
import type { ShapeGoal, TaskContext } from './context';

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
    let settled: ShapeGoal | undefined;
    if (!sameShape(route.source, now)) {
      // the position is read after the description: every DDL the description shows lies before it
      if (!pending.goal || !sameShape(pending.goal.shape, now)) { pending.goal = { at: await ctx.adapter.currentPosition(), shape: now }; continue; }
      if (!reachedGoal(ctx.checkpoint, pending.goal.at)) continue;
      settled = pending.goal;
    }
    ctx.pendingResync.delete(k);
    if (ctx.status.table(k).phase === 'full-sync') ctx.abortSnapshot.add(k);
    ctx.queueSnapshot({ source: k, kind: 'fresh', align: true, why: pending.why, ...(settled ? { settled } : {}) });
    ctx.interrupt?.('resnapshot');
  }
}

/**
 * The resync's copy cannot start yet: the source described the table in `now`, which the stream
 * has not reached (DDL ran after the resync was started). The table waits again, its goal the
 * position read now, and its copy starts once the stream reaches that shape or that position.
 */
export async function deferResync(ctx: TaskContext, key: string, why: string[], now: SourceTable): Promise<void> {
  const goal: ShapeGoal = { at: await ctx.adapter.currentPosition(), shape: now };
  ctx.pendingResync.set(key, { why, goal });
  ctx.status.setTablePhase(key, 'pending');
  ctx.log('info', `${key}: resync waits: the source changed the table's shape again (${columnsOf(now)}); the copy starts once the stream has read that change`);
}

const columnsOf = (t: SourceTable): string => t.columns.map((c) => `${c.name} ${c.fullType}`).join(', ');

/**
 * The same columns with the same types: the stream has read every DDL of the table the source has
 * run. Integer display widths do not count (MariaDB describes int(11) what a DDL wrote as int).
 */
export function sameShape(a: SourceTable, b: SourceTable): boolean {
  const sig = (t: SourceTable) => t.columns.map((c) => `${c.name}:${comparableType(c.fullType)}`).join('\u0000');
  return sig(a) === sig(b);
}

function comparableType(fullType: string): string {
  const t = fullType.toLowerCase();
  // tinyint(1) is how MySQL/MariaDB spell BOOLEAN: kept apart from other tinyints
  return /^tinyint\(1\)/.test(t) ? t : t.replace(/^(tinyint|smallint|mediumint|int|integer|bigint)\(\d+\)/, '$1');
}
