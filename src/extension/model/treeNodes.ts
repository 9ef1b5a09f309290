// How each task and table looks in the tree: label, description, icon, tooltip, contextValue.
// Pure functions of the model (no vscode import) so the mapping from status to what a user sees
// is unit-tested; tree/taskTreeProvider.ts only turns these into TreeItems.
import type { TableStatus, TableStorage, TaskPhase, TablePhase } from '../../protocol/status';
import type { TaskEntry } from './taskModel';
import { formatCount, formatDuration, percent } from './format';

export type NodeKind = 'task' | 'source' | 'target' | 'table' | 'hint';

export interface NodeView {
  id: string;
  kind: NodeKind;
  /** Task file this node belongs to. */
  file: string;
  /** Source `db.table`, for table nodes. */
  table?: string;
  label: string;
  description?: string;
  /** Markdown. */
  tooltip?: string;
  icon: { id: string; color?: string };
  contextValue: string;
  collapsible: boolean;
  /** Command run on click (hint nodes). */
  command?: string;
}

/** A status file older than this while it claims to be running means its engine is gone. */
export const STALE_STATUS_MS = 30_000;

export type ShownTaskPhase = TaskPhase | 'stopping';

/** What the task is doing, as the user should see it now. */
export function shownTaskPhase(entry: TaskEntry, now: number): ShownTaskPhase {
  switch (entry.run) {
    case 'starting':
    case 'restarting':
      return 'initializing';
    case 'stopping':
      return 'stopping';
    case 'running':
      return entry.status?.phase ?? 'initializing';
    case 'stopped': {
      if (entry.lastError) return 'failed';
      const st = entry.status;
      if (!st) return 'stopped';
      if (st.phase === 'failed') return 'failed';
      // The last word of our own engine, which has ended: whatever it said, it runs no more.
      if (entry.statusFrom === 'engine') return 'stopped';
      const live = st.phase === 'initializing' || st.phase === 'full-sync' || st.phase === 'incremental';
      // A running phase in the status file of a live process, or a fresh one: the task runs
      // elsewhere (the CLI, another window). An idle engine rewrites its status only on change.
      if (live && entry.filePidAlive !== false && (entry.filePidAlive || now - Date.parse(st.updatedAt) <= STALE_STATUS_MS)) return st.phase;
      return 'stopped';
    }
  }
}

/** True when some engine (ours or elsewhere) is working on the task. */
export function isLive(entry: TaskEntry, now: number): boolean {
  const p = shownTaskPhase(entry, now);
  return p === 'initializing' || p === 'full-sync' || p === 'incremental' || p === 'stopping';
}

/**
 * The engine's positions-only "caught up" (status.catchUp, src/engine/runtime/catchup.ts): its
 * committed checkpoint has reached a position the source had a moment ago. Only then a ✔; a
 * streaming task that is still behind the source is "catching up".
 */
export function isCaughtUp(entry: TaskEntry): boolean {
  return entry.status?.catchUp?.caughtUp === true;
}

function catchingUpText(entry: TaskEntry): string {
  const left = entry.status?.catchUp?.bytesLeft;
  return left !== undefined && left > 0 ? `catching up, ${formatBytes(left)} behind` : 'catching up';
}

function formatBytes(b: number): string {
  if (b < 1024) return `${b} B`;
  if (b < 1024 * 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${(b / 1024 / 1024).toFixed(1)} MiB`;
}

export function taskIcon(phase: ShownTaskPhase, caughtUp = false): NodeView['icon'] {
  switch (phase) {
    case 'stopped': return { id: 'circle-large-outline' };
    case 'initializing': return { id: 'loading~spin' };
    case 'stopping': return { id: 'loading~spin' };
    case 'full-sync': return { id: 'sync~spin', color: 'charts.blue' };
    case 'incremental': return caughtUp ? { id: 'pass-filled', color: 'testing.iconPassed' } : { id: 'sync~spin', color: 'charts.blue' };
    case 'failed': return { id: 'error', color: 'list.errorForeground' };
  }
}

export function tableIcon(phase: TablePhase, live: boolean, caughtUp = false): NodeView['icon'] {
  switch (phase) {
    case 'pending': return { id: 'clock' };
    case 'full-sync': return live ? { id: 'sync~spin', color: 'charts.blue' } : { id: 'sync' };
    case 'incremental': return !live ? { id: 'pass' } : caughtUp ? { id: 'pass-filled', color: 'testing.iconPassed' } : { id: 'sync~spin', color: 'charts.blue' };
    case 'cancelled': return { id: 'circle-slash' };
    case 'stopped': return { id: 'debug-stop' };
    case 'failed': return { id: 'error', color: 'list.errorForeground' };
  }
}

/** Full-sync progress over all tables that know their chunk count. */
export function snapshotPercent(tables: TableStatus[]): number {
  let done = 0, total = 0;
  for (const t of tables) { done += Math.min(t.chunksDone, t.chunksTotal); total += t.chunksTotal; }
  return percent(done, total);
}

/** Worst newest-batch latency among incremental tables, if any reported one. */
export function worstLatency(tables: TableStatus[]): number | undefined {
  let worst: number | undefined;
  for (const t of tables) {
    if (t.phase === 'incremental' && t.latencyMs !== undefined) worst = Math.max(worst ?? 0, t.latencyMs);
  }
  return worst;
}

function failoverText(entry: TaskEntry): string | undefined {
  const n = Math.max(entry.failovers, entry.status?.failovers ?? 0);
  return n > 0 ? `${n} failover${n === 1 ? '' : 's'}` : undefined;
}

export function taskDescription(entry: TaskEntry, now: number): string {
  const phase = shownTaskPhase(entry, now);
  const st = entry.status;
  const parts: string[] = [];
  switch (phase) {
    case 'stopped': parts.push('stopped'); break;
    case 'stopping': parts.push('stopping…'); break;
    case 'initializing':
      if (entry.run === 'restarting' && entry.restartAt !== undefined) {
        parts.push(`restarting in ${formatDuration(Math.max(0, entry.restartAt - now))}`);
      } else parts.push('initializing…');
      break;
    case 'full-sync': parts.push(`full sync ${snapshotPercent(st?.tables ?? [])}%`); break;
    case 'incremental': {
      parts.push(isCaughtUp(entry) ? 'incremental' : `incremental, ${catchingUpText(entry)}`);
      const lag = worstLatency(st?.tables ?? []);
      if (lag !== undefined) parts.push(`lag ${formatDuration(lag)}`);
      break;
    }
    case 'failed': parts.push('failed'); break;
  }
  if (st && (phase === 'full-sync' || phase === 'incremental')) parts.push(`${formatCount(st.rowsWritten)} rows`);
  if (entry.statusFrom === 'file' && entry.run === 'stopped' && phase !== 'stopped' && phase !== 'failed') parts.push('runs outside this window');
  const fo = failoverText(entry);
  if (fo) parts.push(fo);
  return parts.join(' · ');
}

function sourceLabel(entry: TaskEntry): string {
  const i = entry.info;
  const where = i.host ? `${i.host}${i.port ? `:${i.port}` : ''}` : 'no host';
  return `${i.sourceType ?? 'source?'} ${where}${i.database ? `/${i.database}` : ''}`;
}

export function taskNode(entry: TaskEntry, now: number): NodeView {
  const phase = shownTaskPhase(entry, now);
  const ours = entry.run !== 'stopped';
  const st = entry.status;
  const lines = [`**${entry.info.name}** · ${phase}`, '', `File: \`${entry.info.file}\``, `Source: ${sourceLabel(entry)}`,
    `Target: \`${entry.info.targetPath}\``];
  if (entry.info.mode) lines.push(`Mode: ${entry.info.mode}`);
  if (st) {
    lines.push(`Rows read / written: ${formatCount(st.rowsRead)} / ${formatCount(st.rowsWritten)}`);
    if (st.position) lines.push(`Position: \`${st.position}\``);
    lines.push(`Updated: ${st.updatedAt}`);
  }
  const fo = failoverText(entry);
  if (fo) lines.push(`Failovers: ${fo}`);
  const err = entry.lastError ?? (phase === 'failed' ? st?.error : undefined);
  if (err) lines.push('', `Error: ${err}`);
  if (entry.info.broken) lines.push('', 'The file does not parse as YAML.');
  return {
    id: `task:${entry.info.file}`,
    kind: 'task',
    file: entry.info.file,
    label: entry.info.name,
    description: taskDescription(entry, now),
    tooltip: lines.join('  \n'),
    icon: taskIcon(phase, isCaughtUp(entry)),
    // external: an engine elsewhere (CLI, another window) holds the target; this window must not start a second one.
    contextValue: ours ? 'lakesync.task.running' : phase === 'failed' ? 'lakesync.task.failed'
      : isLive(entry, now) ? 'lakesync.task.external' : 'lakesync.task.stopped',
    collapsible: true,
  };
}

export function tableDescription(t: TableStatus, live: boolean): string {
  const parts: string[] = [];
  switch (t.phase) {
    case 'pending': parts.push('pending'); break;
    case 'full-sync':
      parts.push(`full sync ${percent(t.chunksDone, t.chunksTotal)}%`);
      parts.push(`${formatCount(t.snapshotRows)} rows`);
      break;
    case 'incremental':
      parts.push(`${formatCount(t.rowsWritten)} rows`);
      if (live && t.latencyMs !== undefined) parts.push(`lag ${formatDuration(t.latencyMs)}`);
      break;
    case 'cancelled': parts.push('cancelled'); break;
    case 'stopped': parts.push('stopped'); break;
    case 'failed': parts.push('failed'); break;
  }
  if (t.errors.length > 0 && t.phase !== 'failed') parts.push(`${t.errors.length} error${t.errors.length === 1 ? '' : 's'}`);
  if (t.storage) parts.push(storageShort(t.storage));
  return parts.join(' · ');
}

const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;

/** An Iceberg table's files in a few words; a failed or skipped maintenance round is called out. */
function storageShort(s: TableStorage): string {
  const files = `${plural(s.dataFiles + s.deleteFiles, 'file')}`;
  const m = s.maintenance;
  return m && m.outcome !== 'ok' ? `${files} (maintenance ${m.outcome})` : files;
}

/** Tooltip lines of an Iceberg table's storage: files, snapshots and the last maintenance round. */
export function storageLines(s: TableStorage): string[] {
  const lines = [`Files: ${plural(s.dataFiles, 'data file')}, ${plural(s.deleteFiles, 'delete file')}, ${plural(s.snapshots, 'snapshot')}`];
  const m = s.maintenance;
  lines.push(m ? `Last maintenance: ${m.at}: ${m.outcome}${m.detail ? ` (${m.detail})` : ''}` : 'Last maintenance: none yet');
  return lines;
}

export function tableNode(entry: TaskEntry, t: TableStatus, now: number): NodeView {
  const live = isLive(entry, now);
  const lines = [`**${t.source}** → \`${t.target}\` · ${t.phase}`, '',
    `Full sync: ${t.chunksDone}/${t.chunksTotal} chunks, ${formatCount(t.snapshotRows)} rows`,
    `Rows read / written: ${formatCount(t.rowsRead)} / ${formatCount(t.rowsWritten)}`];
  if (t.position) lines.push(`Position: \`${t.position}\``);
  if (t.lastUpdate) lines.push(`Last update: ${t.lastUpdate}`);
  if (t.latencyMs !== undefined) {
    lines.push(`Latency: ${formatDuration(t.latencyMs)}${t.latencyP99Ms !== undefined ? ` (p99 ${formatDuration(t.latencyP99Ms)})` : ''}`);
  }
  if (t.storage) lines.push(...storageLines(t.storage));
  const lastErr = t.errors[t.errors.length - 1];
  if (lastErr) lines.push('', `Last error (${lastErr.time}): ${lastErr.message}`);
  return {
    id: `table:${entry.info.file}:${t.source}`,
    kind: 'table',
    file: entry.info.file,
    table: t.source,
    label: t.source,
    description: tableDescription(t, live),
    tooltip: lines.join('  \n'),
    icon: tableIcon(t.phase, live, isCaughtUp(entry)),
    contextValue: `lakesync.table.${t.phase}${live ? '.live' : ''}`,
    collapsible: false,
  };
}

/** Children of a task: source, target, then one node per table (or a hint how to get them). */
export function taskChildren(entry: TaskEntry, now: number): NodeView[] {
  const file = entry.info.file;
  const nodes: NodeView[] = [
    { id: `source:${file}`, kind: 'source', file, label: 'Source', description: sourceLabel(entry),
      tooltip: `Source: ${sourceLabel(entry)}${entry.info.user ? `  \nUser: ${entry.info.user}` : ''}`,
      icon: { id: 'database' }, contextValue: 'lakesync.source', collapsible: false },
    { id: `target:${file}`, kind: 'target', file, label: 'Target',
      description: `${entry.info.targetType} ${entry.info.naming} · ${shortPath(entry.info.warehouse ?? entry.info.targetPath)}`,
      tooltip: entry.info.warehouse ? `Target: Iceberg warehouse \`${entry.info.warehouse}\`  \nTables named \`${entry.info.naming}\``
        : `Target: \`${entry.info.targetPath}\`  \nTables named \`${entry.info.naming}\``, icon: { id: 'layers' }, contextValue: 'lakesync.target', collapsible: false },
  ];
  const tables = entry.status?.tables;
  if (tables && tables.length > 0) {
    for (const t of [...tables].sort((a, b) => a.source.localeCompare(b.source))) nodes.push(tableNode(entry, t, now));
  } else if (entry.previewTables && entry.previewTables.length > 0) {
    for (const p of entry.previewTables) {
      nodes.push({ id: `table:${file}:${p.source}`, kind: 'table', file, table: p.source, label: p.source,
        description: `→ ${p.target} · not synced yet`, tooltip: `**${p.source}** → \`${p.target}\` (from the mapping preview)`,
        icon: { id: 'circle-large-outline' }, contextValue: 'lakesync.table.pending', collapsible: false });
    }
  } else {
    const label = entry.previewLoading ? 'Loading tables…' : entry.previewError ? 'Tables unavailable' : 'No tables known yet';
    nodes.push({ id: `hint:${file}`, kind: 'hint', file, label,
      description: entry.previewError ? entry.previewError.split('\n')[0] : entry.previewLoading ? undefined : 'click to preview the mapping',
      tooltip: entry.previewError, icon: { id: entry.previewLoading ? 'loading~spin' : entry.previewError ? 'warning' : 'info' },
      contextValue: 'lakesync.hint', collapsible: false, command: entry.previewLoading ? undefined : 'lakesync.refreshTables' });
  }
  return nodes;
}

function shortPath(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts.slice(-2).join('/');
}
