// Access to a task that is not running: its plan without needing the source password, and its
// state read from the target file (read-only) and the status file.
import { existsSync, readFileSync } from 'node:fs';
import { loadTask } from '../config';
import type { TaskPlan } from '../config/plan';
import { Db } from '../sink/duckdb/db';
import { StateStore, type Checkpoint, type QueuedOp, type StoredError, type TableState } from '../sink/duckdb/state';
import type { TaskStatus } from '../../protocol/status';
import { statusFilePath } from './status';

/**
 * The task's plan for commands that never connect to the source (status, reset, table ops):
 * unresolved ${env:} / ${secret:} references read as empty instead of failing.
 */
export async function loadTaskOffline(file: string): Promise<TaskPlan> {
  const env = new Proxy(process.env, { get: (t, k) => (typeof k === 'string' ? t[k] ?? '' : undefined) });
  return loadTask(file, { env, secrets: { get: () => '' } });
}

export interface OfflineState {
  checkpoint?: Checkpoint;
  tables: TableState[];
  errors: StoredError[];
  queued: QueuedOp[];
  failovers: { count: number; recent: { time: string; cause: string; action: string }[] };
}

/** State stored in the target file; undefined when the file does not exist or holds no LakeSync state. */
export async function readOfflineState(path: string): Promise<OfflineState | undefined> {
  if (!existsSync(path)) return undefined;
  const db = await Db.open(path, { readOnly: true });
  const conn = await db.connect();
  try {
    const has = await conn.rows(`SELECT 1 FROM duckdb_tables() WHERE schema_name = '_lakesync' AND table_name = 'checkpoint'`);
    if (has.length === 0) return undefined;
    const state = new StateStore(conn);
    return { checkpoint: await state.checkpoint(), tables: await state.tables(), errors: await state.errors(undefined, 20), queued: await state.queuedOps(),
      failovers: await state.failovers() };
  } finally {
    conn.close();
    db.close();
  }
}

export function readStatusFile(targetPath: string): TaskStatus | undefined {
  const file = statusFilePath(targetPath);
  if (!existsSync(file)) return undefined;
  try { return JSON.parse(readFileSync(file, 'utf8')) as TaskStatus; } catch { return undefined; }
}
