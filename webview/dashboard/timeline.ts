// The task's phase timeline: the engine reports when each phase began; the dashboard draws one
// segment per phase, the current one growing until `now`. Pure.
import type { TaskPhase } from '../../src/protocol/status';

export interface PhaseSegment {
  phase: TaskPhase;
  start: number;
  /** End (epoch ms): the next phase's start, or `now` for the current phase. */
  end: number;
  current: boolean;
  /** Share of the whole timeline, 0..1 (terminal phases such as stopped get a sliver). */
  share: number;
}

const TERMINAL: TaskPhase[] = ['stopped', 'failed'];

export function phaseSegments(phases: readonly { phase: TaskPhase; at: string }[], now: number): PhaseSegment[] {
  const points = phases
    .map((p) => ({ phase: p.phase, start: Date.parse(p.at) }))
    .filter((p) => Number.isFinite(p.start))
    .sort((a, b) => a.start - b.start)
    // A repeated report of the phase the task is already in continues that segment.
    .filter((p, i, all) => i === 0 || all[i - 1].phase !== p.phase);
  const segs = points.map((p, i) => {
    const last = i === points.length - 1;
    const end = last ? (TERMINAL.includes(p.phase) ? p.start : Math.max(p.start, now)) : points[i + 1].start;
    return { phase: p.phase, start: p.start, end, current: last, share: 0 };
  });
  const total = segs.reduce((n, s) => n + (s.end - s.start), 0);
  for (const s of segs) s.share = total > 0 ? (s.end - s.start) / total : 1 / segs.length;
  return segs;
}
