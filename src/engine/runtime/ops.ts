// Per-table operations on a running task (control socket / IPC), and the same operations taken
// from the queue in `_lakesync.operations` when the task starts.
import { isTableOp, TABLE_OP_NAMES, type TableOp } from '../../protocol/table-ops';
import type { TableStatus } from '../../protocol/status';
import type { TaskContext } from './context';
import { haltTable } from './halt';

export interface TableDetails {
  status: TableStatus;
  chunksDone: number;
  chunksTotal: number;
  rows: number;
  /** Rows per second of the full sync (so far, or overall once done). */
  rate: number;
  snapshotStartedAt?: string;
  snapshotEndedAt?: string;
  queued: boolean;
}

function resolveTable(ctx: TaskContext, table: string): string {
  if (ctx.routes.has(table)) return table;
  const known = [...ctx.routes.keys()].sort();
  throw new Error(`${table} is not a table of this task${known.length ? ` (its tables: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', ...' : ''})` : ''}`);
}

async function setPhase(ctx: TaskContext, source: string, phase: 'pending'): Promise<void> {
  await ctx.sink.state.setPhase(source, phase);
  ctx.status.setTablePhase(source, phase);
}

export async function tableOp(ctx: TaskContext, op: TableOp, table: string, where?: string, targetWhere?: string): Promise<unknown> {
  // the control socket takes any JSON: refuse what is not an operation, for people
  if (!isTableOp(op)) throw new Error(`${JSON.stringify(op)} is not a table operation (the operations: ${TABLE_OP_NAMES.join(', ')})`);
  const source = resolveTable(ctx, table);
  switch (op) {
    case 'resync':
    case 'backfill': {
      if (op === 'backfill' && !where?.trim()) throw new Error('backfill needs --where with a filter in the source\'s SQL, e.g. --where "id BETWEEN 1 AND 1000"');
      // a snapshot of this table that is running now stops; the new one starts from scratch
      if (ctx.status.table(source).phase === 'full-sync') ctx.abortSnapshot.add(source);
      ctx.queueSnapshot({ source, kind: 'fresh', ...(op === 'backfill' ? { where, ...(targetWhere ? { targetWhere } : {}) } : {}) });
      if (op === 'resync') await setPhase(ctx, source, 'pending');
      ctx.interrupt?.('resnapshot');
      ctx.log('info', `${source}: ${op} queued${where ? ` (where ${where})` : ''}`);
      return { queued: true };
    }
    case 'prioritize': {
      ctx.prioritize(source);
      return { prioritized: true };
    }
    case 'cancel': {
      const queued = ctx.snapshotQueue.some((r) => r.source === source);
      if (!queued && ctx.status.table(source).phase !== 'full-sync') throw new Error(`${source} is not waiting for or running a full sync`);
      await haltTable(ctx, source, { reason: 'cancelled' });
      return { cancelled: true };
    }
    case 'force-stop': {
      await haltTable(ctx, source, { reason: 'stopped' });
      return { stopped: true };
    }
    case 'details': return details(ctx, source);
    case 'exceptions': return ctx.sink.state.errors(source);
  }
}

async function details(ctx: TaskContext, source: string): Promise<TableDetails> {
  const status = ctx.status.table(source);
  const st = await ctx.sink.state.table(source);
  const started = st?.snapshotStartedAt ? Date.parse(st.snapshotStartedAt) : undefined;
  const ended = st?.snapshotEndedAt ? Date.parse(st.snapshotEndedAt) : Date.now();
  const rows = st?.snapshotRows ?? status.snapshotRows;
  const seconds = started ? Math.max(0.001, (ended - started) / 1000) : 0;
  return {
    status: structuredClone(status),
    chunksDone: status.chunksDone, chunksTotal: status.chunksTotal, rows,
    rate: seconds ? Math.round(rows / seconds) : 0,
    snapshotStartedAt: st?.snapshotStartedAt, snapshotEndedAt: st?.snapshotEndedAt,
    queued: ctx.snapshotQueue.some((r) => r.source === source),
  };
}
