// What `lakesync verify --json` prints, one JSON object per line: progress, one result per table,
// then a summary. Read by the extension's Verify commands. See docs/verify.md.

export interface VerifyValueDiff { column: string; source: string | null; target: string | null }

export interface VerifyDifference {
  /** missing: in the source, not in the target; extra: in the target only; different: both, other values. */
  kind: 'missing' | 'extra' | 'different';
  /** Key column -> canonical text (tables without a key: null). */
  key: Record<string, string | null> | null;
  /** Canonical key texts in key order (for repair). */
  keyValues?: (string | null)[];
  /** different: the columns that differ; missing/extra: every compared column of the row. */
  values: VerifyValueDiff[];
  /** Tables without a key: how many more copies one side has. */
  count?: number;
}

export interface VerifyTableReport {
  source: string;
  target: string;
  result: 'equal' | 'different' | 'skipped' | 'error';
  rows: number;
  chunks: number;
  differences: VerifyDifference[];
  /** Columns left out of the comparison (see docs/verify.md). */
  notCompared: string[];
  message?: string;
  repaired?: boolean;
  verifiedAt: string;
}

export type VerifyLine =
  | { event: 'progress'; table: string; chunk: number; chunks: number }
  | ({ event: 'table' } & VerifyTableReport)
  | { event: 'summary'; equal: number; different: number; differences: number; skipped: number; errors: number };
