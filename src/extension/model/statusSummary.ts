// What the status bar shows, from the model. No vscode import: unit-tested.
import { formatDuration } from './format';
import type { TaskModel } from './taskModel';
import { isLive, shownTaskPhase, worstLatency } from './treeNodes';

/** What the status bar shows, from the model (pure; exported for tests). */
export function statusBarText(model: TaskModel, now: number): { text: string; tooltip: string; failed: number } | undefined {
  const tasks = model.list();
  const live = tasks.filter((t) => isLive(t, now));
  const failed = tasks.filter((t) => shownTaskPhase(t, now) === 'failed');
  if (live.length === 0 && failed.length === 0) return undefined;
  let worst: number | undefined;
  for (const t of live) {
    const l = worstLatency(t.status?.tables ?? []);
    if (l !== undefined) worst = Math.max(worst ?? 0, l);
  }
  const spin = live.some((t) => { const p = shownTaskPhase(t, now); return p === 'initializing' || p === 'full-sync'; });
  const parts = [`$(${spin ? 'sync~spin' : 'database'}) ${live.length} running`];
  if (worst !== undefined) parts.push(`lag ${formatDuration(worst)}`);
  if (failed.length > 0) parts.push(`$(error) ${failed.length} failed`);
  const tooltip = [...live.map((t) => `${t.info.name}: ${shownTaskPhase(t, now)}`), ...failed.map((t) => `${t.info.name}: failed`)].join('\n');
  return { text: parts.join(' · '), tooltip: `LakeSync\n${tooltip}`, failed: failed.length };
}

