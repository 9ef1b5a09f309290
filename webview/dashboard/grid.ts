// The per-table grid: which rows to show (filter), in which order (sort) and which slice of them
// to put in the DOM (virtualisation). Pure.
import type { TablePhase, TableStatus } from '../../src/protocol/status';

export type SortKey = 'table' | 'state' | 'progress' | 'rows' | 'position' | 'updated' | 'latency' | 'verified';
export interface Sort { key: SortKey; dir: 'asc' | 'desc' }

/** Snapshot progress 0..1; a table past its snapshot counts as complete. */
export function progressOf(t: TableStatus): number {
  if (t.phase === 'incremental' || t.snapshotEndedAt) return 1;
  if (t.chunksTotal <= 0) return 0;
  return Math.min(1, t.chunksDone / t.chunksTotal);
}

// Failures first when sorting by state ascending: they are what a person looks for.
const PHASE_ORDER: Record<TablePhase, number> = {
  failed: 0, 'full-sync': 1, pending: 2, incremental: 3, stopped: 4, cancelled: 5,
};

function value(t: TableStatus, key: SortKey): string | number | undefined {
  switch (key) {
    case 'table': return t.source;
    case 'state': return PHASE_ORDER[t.phase] ?? 9;
    case 'progress': return progressOf(t);
    case 'rows': return t.rowsWritten;
    case 'position': return t.position;
    case 'updated': return t.lastUpdate ? Date.parse(t.lastUpdate) : undefined;
    case 'latency': return t.latencyMs;
    case 'verified': return t.verified ? Date.parse(t.verified.at) : undefined;
  }
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Stable sort; rows without a value go last in either direction; ties fall back to the table name. */
export function sortTables(rows: readonly TableStatus[], sort: Sort): TableStatus[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return rows
    .map((row, i) => ({ row, i, v: value(row, sort.key) }))
    .sort((a, b) => {
      if (a.v === undefined || b.v === undefined) {
        if (a.v !== b.v) return a.v === undefined ? 1 : -1;
      } else {
        const c = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : collator.compare(String(a.v), String(b.v));
        if (c !== 0) return sign * c;
      }
      return collator.compare(a.row.source, b.row.source) || a.i - b.i;
    })
    .map((x) => x.row);
}

/**
 * Filter text: whitespace-separated terms, all must match. A term matches the source or target
 * name (case-insensitive substring); `state:x` / `is:x` match the phase (prefix), `has:errors`
 * the tables with errors.
 */
export function filterTables(rows: readonly TableStatus[], text: string): TableStatus[] {
  const terms = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return rows.slice();
  return rows.filter((t) => terms.every((term) => matches(t, term)));
}

function matches(t: TableStatus, term: string): boolean {
  const m = /^(state|is|has):(.*)$/.exec(term);
  if (m) {
    if (m[1] === 'has') return m[2] === 'errors' || m[2] === 'error' ? t.errors.length > 0 : false;
    return m[2] !== '' && t.phase.startsWith(m[2]);
  }
  return t.source.toLowerCase().includes(term) || t.target.toLowerCase().includes(term);
}

export interface RowRange { start: number; end: number; padTop: number; padBottom: number }

/**
 * Rows to render for a scroll position: the visible ones plus `overscan` either side.
 * Below `threshold` rows everything is rendered (no virtualisation: find-in-page keeps working).
 */
export function visibleRange(
  count: number, scrollTop: number, viewport: number, rowHeight: number, overscan = 10, threshold = 200,
): RowRange {
  if (count <= threshold) return { start: 0, end: count, padTop: 0, padBottom: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const visible = Math.ceil(viewport / rowHeight) + 1;
  const start = Math.max(0, Math.min(count, first - overscan));
  const end = Math.min(count, first + visible + overscan);
  return { start, end, padTop: start * rowHeight, padBottom: (count - end) * rowHeight };
}
