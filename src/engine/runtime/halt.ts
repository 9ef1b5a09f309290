// Stopping one table while the task goes on: its changes are dropped from then on, its snapshot
// stops, and the reason is kept as the table's exception (lakesync resync starts it again).
import type { TaskContext } from './context';

export async function failTable(ctx: TaskContext, source: string, message: string, position?: string): Promise<void> {
  ctx.paused.add(source);
  ctx.abortSnapshot.add(source);
  ctx.status.error(source, message, position);
  ctx.status.setTablePhase(source, 'failed');
  ctx.log('error', `${source}: ${message}; the table stops, the others go on (lakesync resync to start it again)`);
  await ctx.sink.state.setPhase(source, 'failed').catch(() => undefined);
  await ctx.sink.state.addError(message, source, position).catch(() => undefined);
}
