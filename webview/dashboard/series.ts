// Time series for the dashboard: samples of the cumulative counters, the rates derived from them
// and the windows the charts draw. Pure: used by the webview and by the panel host (which keeps
// the history while the webview is hidden).
import type { MetricSample } from '../../src/protocol/webview';
import type { TaskStatus } from '../../src/protocol/status';

/** The history keeps one hour of samples (3600 at 1/s): enough for the longest rate period. */
export const HISTORY_MS = 60 * 60 * 1000;
export const HISTORY_MAX = 3600;

export function sampleOf(status: TaskStatus, t: number): MetricSample {
  let latency: number | undefined;
  for (const table of status.tables) {
    if (table.latencyMs !== undefined && (latency === undefined || table.latencyMs > latency)) latency = table.latencyMs;
  }
  return { t, rowsRead: status.rowsRead, rowsWritten: status.rowsWritten, latencyMs: latency };
}

/**
 * Appends in time order and drops what is older than HISTORY_MS or beyond HISTORY_MAX.
 * A counter that goes down means the engine restarted: the history before it is dropped so
 * rates never turn negative.
 */
export function appendSample(history: MetricSample[], sample: MetricSample): MetricSample[] {
  const last = history[history.length - 1];
  let next = history;
  if (last && (sample.rowsRead < last.rowsRead || sample.rowsWritten < last.rowsWritten)) next = [];
  else if (last && sample.t <= last.t) next = history.filter((s) => s.t < sample.t);
  next = next.concat(sample);
  const cutoff = sample.t - HISTORY_MS;
  let start = 0;
  while (start < next.length && next[start].t < cutoff) start++;
  if (next.length - start > HISTORY_MAX) start = next.length - HISTORY_MAX;
  return start > 0 ? next.slice(start) : next;
}

export type Counter = 'rowsRead' | 'rowsWritten';

/**
 * Average rate (rows/s) of a counter over the last `periodMs` ending at the newest sample,
 * from the oldest sample inside the period. Undefined with fewer than two samples.
 */
export function rateOver(history: MetricSample[], counter: Counter, periodMs: number): number | undefined {
  if (history.length < 2) return undefined;
  const end = history[history.length - 1];
  const from = end.t - periodMs;
  let i = 0;
  while (i < history.length - 1 && history[i].t < from) i++;
  // Take the sample just before the period when there is one, so a 60 s period spans 60 s.
  if (i > 0 && history[i].t > from) i--;
  const start = history[i];
  const dt = (end.t - start.t) / 1000;
  if (dt <= 0) return undefined;
  return Math.max(0, (end[counter] - start[counter]) / dt);
}

export interface ChartWindow {
  /** Seconds since the epoch (uPlot's x unit). */
  t: number[];
  readRate: (number | null)[];
  writeRate: (number | null)[];
  /** Seconds. */
  latency: (number | null)[];
}

/**
 * The last `windowMs` of history as chart columns. Rates are per interval between consecutive
 * samples; the first point of the window has no rate (null), nor do gaps.
 */
export function chartWindow(history: MetricSample[], windowMs: number): ChartWindow {
  const out: ChartWindow = { t: [], readRate: [], writeRate: [], latency: [] };
  if (history.length === 0) return out;
  const from = history[history.length - 1].t - windowMs;
  let i = 0;
  while (i < history.length && history[i].t < from) i++;
  for (; i < history.length; i++) {
    const s = history[i];
    const prev = i > 0 ? history[i - 1] : undefined;
    const dt = prev ? (s.t - prev.t) / 1000 : 0;
    out.t.push(s.t / 1000);
    out.readRate.push(prev && dt > 0 ? (s.rowsRead - prev.rowsRead) / dt : null);
    out.writeRate.push(prev && dt > 0 ? (s.rowsWritten - prev.rowsWritten) / dt : null);
    out.latency.push(s.latencyMs === undefined ? null : s.latencyMs / 1000);
  }
  return out;
}
