// Hand-over: stop the running task gracefully (its control socket), then read the checkpoint it
// committed with its last batch: the position a successor starts at with no gap and, thanks to
// primary keys, no harm from the changes it may see twice.
import { formatLsn, formatPosition, parsePosition, type Position } from '../positions';
import { reachedGoal } from '../runtime/catchup';
import type { TaskPlan } from '../config/plan';
import { UserError } from '../errors';
import { sendControlRequest } from '../runtime/control';
import { readOfflineState } from '../runtime/offline';
import type { StartPosition } from './flink-cdc/pipeline';
import type { TaskStatus } from '../../protocol/status';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The hand-over by the positions-only rule of --until-caught-up (runtime/catchup.ts): the source's
 * position is read once, and the running task is stopped only after its committed checkpoint has
 * reached it, so Flink CDC starts where the source was when the hand-over was asked for, not
 * somewhere behind a transaction LakeSync was still applying. `sourcePosition` is asked only when
 * the task runs (a stopped task cannot move; its checkpoint is handed over as it is).
 */
export async function stopWhenCaughtUp(taskFile: string, sourcePosition: () => Promise<Position>,
  log: (line: string) => void, timeoutMs = 900_000): Promise<'stopped' | 'not-running'> {
  const first = await sendControlRequest(taskFile, { type: 'status', id: 3 }, 30_000);
  if (!first) return 'not-running';
  const goal = await sourcePosition();
  log(`waiting until the task has committed the source's position ${formatPosition(goal)}`);
  const deadline = Date.now() + timeoutMs;
  let at: string | undefined;
  for (;;) {
    const reply = await sendControlRequest(taskFile, { type: 'status', id: 4 }, 30_000);
    if (!reply) break; // it ended by itself: its checkpoint is what there is
    if (reply.type === 'reply' && reply.ok) at = (reply.result as TaskStatus | undefined)?.position ?? at;
    if (at && reachedGoal(parsePosition(at), goal)) {
      log(`caught up: checkpoint ${at} has reached ${formatPosition(goal)}`);
      break;
    }
    if (Date.now() > deadline) {
      throw new UserError(`the task has not reached the source's position ${formatPosition(goal)} within ${Math.round(timeoutMs / 1000)} s (its checkpoint is ${at ?? 'none'}); `
        + 'it keeps running: see lakesync status, and run the export with --handover again.');
    }
    await sleep(500);
  }
  return stopRunningTask(taskFile);
}

/** Asks the running engine to stop and waits until its control socket is gone. */
export async function stopRunningTask(taskFile: string, timeoutMs = 120_000): Promise<'stopped' | 'not-running'> {
  const reply = await sendControlRequest(taskFile, { type: 'stop', id: 1 }, 30_000);
  if (!reply) return 'not-running';
  if (reply.type === 'reply' && !reply.ok) throw new UserError(`the running task refused to stop: ${reply.error}`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const alive = await sendControlRequest(taskFile, { type: 'status', id: 2 }, 3000).catch(() => 'busy' as const);
    if (!alive) return 'stopped';
    await sleep(200);
  }
  throw new UserError(`the task did not stop within ${timeoutMs / 1000} s; stop it (Ctrl+C in its terminal, or Stop in VS Code) and run the export again`);
}

/** A MariaDB GTID set is domain-server-sequence triples; MySQL's are uuid:intervals. */
export function isMariaDbGtid(set: string): boolean {
  return /^\s*\d+-\d+-\d+(\s*,\s*\d+-\d+-\d+)*\s*$/.test(set);
}

/** The checkpoint of a stopped task as a start position; refuses when some table is not fully synced yet. */
export async function readHandoverPosition(plan: TaskPlan): Promise<StartPosition> {
  const state = await readOfflineState(plan.target);
  if (!state?.checkpoint) {
    throw new UserError(`task ${plan.name} has no checkpoint in ${plan.target.path} (it never ran, or was reset): there is nothing to hand over. `
      + 'Export without --handover: the pipeline then starts with a full snapshot (scan.startup.mode: initial).');
  }
  const behind = state.tables.filter((t) => t.phase !== 'incremental');
  if (behind.length) {
    throw new UserError(`task ${plan.name} cannot be handed over yet: ${behind.length} table(s) are not streaming (${behind.slice(0, 10).map((t) => `${t.source}: ${t.phase}`).join(', ')}${behind.length > 10 ? ', ...' : ''}). `
      + 'A table still in its snapshot (or failed, or cancelled) would miss rows that the checkpoint already counts as done. '
      + 'Run the task until every table is incremental (lakesync run --until-caught-up), resync or exclude the failed ones, or export without --handover (scan.startup.mode: initial).');
  }
  // The start is the checkpoint. A table's own position is where its last change was applied, not a
  // need: an idle table stays behind while heartbeats and other tables move the checkpoint on, yet
  // the runner applies every change of every streaming table up to the checkpoint with it (one
  // batch, one transaction). Refusing such tables refused every hand-over after a quiet spell.
  const checkpoint = state.checkpoint.position;
  const p = parsePosition(checkpoint);
  switch (p.kind) {
    case 'lsn': return { kind: 'lsn', checkpoint, lsn: formatLsn(p.lsn) };
    case 'binlog': return { kind: 'binlog', checkpoint, file: p.file, pos: p.pos, ...(p.gtid ? { gtid: p.gtid } : {}), mariadb: p.gtid ? isMariaDbGtid(p.gtid) : false };
    case 'gtid': return { kind: 'binlog', checkpoint, gtid: p.set, mariadb: isMariaDbGtid(p.set) };
    case 'time': throw new UserError(`the checkpoint ${checkpoint} is a time, not a source position; let the task commit once and export again`);
  }
}
