// Access to a task that is not running: its plan without needing the source password, and its
// state read from its sink (read-only) and the status file. Positions come out formatted, for people.
import { existsSync, readFileSync } from 'node:fs';
import { loadTask } from '../config';
import type { TargetConfig, TaskPlan } from '../config/plan';
import { formatPosition } from '../positions';
import { openReadOnlySink } from '../sink/registry';
import type { Failovers, QueuedOp, StoredError, TableState } from '../sink/sink';
import type { TableStorage, TaskStatus } from '../../protocol/status';
import { statusFilePath } from './status';

/**
 * The task's plan for commands that never connect to the source (status, reset, table ops):
 * unresolved ${env:} / ${secret:} references read as empty instead of failing.
 */
export async function loadTaskOffline(file: string): Promise<TaskPlan> {
  const env = new Proxy(process.env, { get: (t, k) => (typeof k === 'string' ? t[k] ?? '' : undefined) });
  return loadTask(file, { env, secrets: { get: () => '' } });
}

/** A table's stored state with its position formatted. */
export type OfflineTable = Omit<TableState, 'position'> & { position?: string; storage?: TableStorage };

export interface OfflineState {
  checkpoint?: { position: string; streamStart?: string; updatedAt: string };
  tables: OfflineTable[];
  errors: StoredError[];
  queued: QueuedOp[];
  failovers: Failovers;
}

/** State stored in the task's sink; undefined when there is none yet. */
export async function readOfflineState(target: TargetConfig): Promise<OfflineState | undefined> {
  const sink = await openReadOnlySink(target);
  if (!sink) return undefined;
  try {
    const { state } = sink;
    if (!state) return undefined;
    const cp = await state.checkpoint();
    return {
      checkpoint: cp && { position: formatPosition(cp.position), ...(cp.streamStart ? { streamStart: formatPosition(cp.streamStart) } : {}), updatedAt: cp.updatedAt },
      tables: await Promise.all((await state.tables()).map(async (t) => ({
        ...t, position: t.position && formatPosition(t.position),
        ...(sink.storage ? { storage: await sink.storage(t.target).catch(() => undefined) } : {}),
      }))),
      errors: await state.errors(undefined, 20), queued: await state.queuedOps(), failovers: await state.failovers(),
    };
  } finally {
    await sink.close();
  }
}

export function readStatusFile(targetPath: string): TaskStatus | undefined {
  const file = statusFilePath(targetPath);
  if (!existsSync(file)) return undefined;
  try { return JSON.parse(readFileSync(file, 'utf8')) as TaskStatus; } catch { return undefined; }
}
