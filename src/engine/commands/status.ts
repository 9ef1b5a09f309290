// `lakesync status FILE [--json]`: the task and its tables, from the running engine (control
// socket) or, when it is not running, from the status file and the state in the target file.
import type { CliArgs } from './args';
import { sendControlRequest } from '../runtime/control';
import { loadTaskOffline, readOfflineState, readStatusFile } from '../runtime/offline';
import { summaryLine, tableLine } from '../runtime/progress';
import type { TablePhase, TableStatus, TableStorage, TableVerified, TaskStatus } from '../../protocol/status';

export async function statusCommand(args: CliArgs): Promise<number> {
  const plan = await loadTaskOffline(args.file);
  const live = await sendControlRequest(plan.file, { type: 'status', id: 1 }, 5000).catch(() => undefined);
  let status: TaskStatus;
  let running = false;
  if (live?.type === 'reply' && live.ok) {
    status = live.result as TaskStatus;
    running = true;
  } else {
    const last = readStatusFile(plan.target.path);
    const state = await readOfflineState(plan.target).catch(() => undefined);
    status = last ?? {
      name: plan.name, file: plan.file, phase: 'stopped', updatedAt: new Date().toISOString(), rowsRead: 0, rowsWritten: 0,
      readRate: 0, writeRate: 0, failovers: 0, failoverEvents: [], phases: [], tables: [],
    };
    // a status file left by an engine that died still says "incremental": it is not running now
    if (status.phase !== 'failed') status.phase = 'stopped';
    delete status.pid;
    status.readRate = 0;
    status.writeRate = 0;
    if (state) {
      status.position = state.checkpoint?.position ?? status.position;
      status.failovers = state.failovers.count;
      status.failoverEvents = state.failovers.recent;
      const byName = new Map(status.tables.map((t) => [t.source, t]));
      status.tables = state.tables.map((st): TableStatus => ({
        ...(byName.get(st.source) ?? { rowsRead: 0, errors: [] }),
        source: st.source, target: st.target, phase: st.phase as TablePhase,
        chunksDone: st.chunksDone, chunksTotal: st.chunksTotal, snapshotRows: st.snapshotRows, rowsWritten: st.rowsWritten,
        position: st.position, lastSourceTime: st.lastSourceTime, lastUpdate: st.lastUpdate,
        snapshotStartedAt: st.snapshotStartedAt, snapshotEndedAt: st.snapshotEndedAt, ...(st.storage ? { storage: st.storage } : {}),
        errors: state.errors.filter((e) => e.source === st.source).map((e) => ({ time: e.time, message: e.message, ...(e.position ? { position: e.position } : {}) })),
      }));
    } else if (!last) {
      if (args.flags.json) console.log(JSON.stringify({ ...status, running: false, neverRun: true }, null, 2));
      else console.log(`task ${plan.name}: never run (no state in ${plan.target.path})`);
      return 0;
    }
  }
  if (args.flags.json) {
    console.log(JSON.stringify({ ...status, running }, null, 2));
    return 0;
  }
  console.log(`${summaryLine(status)}${running ? `  (running, pid ${status.pid})` : '  (not running)'}`);
  if (status.error) console.log(`error: ${status.error}`);
  for (const w of status.warnings ?? []) console.log(`warning: ${w}`);
  const width = Math.max(8, ...status.tables.map((t) => t.source.length));
  for (const t of status.tables) {
    const when = t.lastUpdate ? `  updated ${t.lastUpdate}` : '';
    const pos = t.position ? `  at ${t.position}` : '';
    console.log(`  ${tableLine(t, width)}${pos}${when}`);
    if (t.storage) console.log(`  ${' '.repeat(width)}  ${storageLine(t.storage)}`);
    if (t.verified) console.log(`  ${' '.repeat(width)}  ${verifiedLine(t.verified)}`);
  }
  return 0;
}

/** `12 data files, 3 delete files, 40 snapshots; maintained 2026-01-01T10:00:00Z: ok (...)`. */
export function storageLine(s: TableStorage): string {
  const m = s.maintenance;
  return `${s.dataFiles} data file${s.dataFiles === 1 ? '' : 's'}, ${s.deleteFiles} delete file${s.deleteFiles === 1 ? '' : 's'}, `
    + `${s.snapshots} snapshot${s.snapshots === 1 ? '' : 's'}; ${m ? `last maintenance ${m.at}: ${m.outcome} (${m.detail})` : 'no maintenance yet'}`;
}

/** `verified 2026-01-01T10:00:00Z: equal (1200 rows)`. */
export function verifiedLine(v: TableVerified): string {
  const what = v.result === 'different' ? `${v.differences} difference${v.differences === 1 ? '' : 's'}`
    : v.result === 'equal' ? `equal${v.repaired ? ', repaired' : ''}` : `${v.result}${v.message ? `: ${v.message}` : ''}`;
  return `verified ${v.at}: ${what} (${v.rows} rows)`;
}
