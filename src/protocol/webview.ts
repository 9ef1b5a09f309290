// Messages between the extension (panel hosts in src/extension/webviews) and the two webviews
// (webview/preview, webview/dashboard). One discriminated union per direction and per view.
// Every webview posts `ready` once its script has run (after every load: a hidden panel is
// destroyed and rebuilt), and the host answers with the full current state before anything else.
import type { QueryResult, TableOp } from './ipc';
import type { TableError, TaskStatus } from './status';

// ---------- what `lakesync preview --json` prints ----------

export interface PreviewColumn {
  /** Target column name. */
  name: string;
  /** Source column type as the source reports it, e.g. `decimal(12,2) unsigned`. */
  sourceType: string;
  /** DuckDB type of the target column. */
  targetType: string;
  nullable: boolean;
  /** Part of the target key. */
  key: boolean;
  /** Lossless but not the natural type: how the value is represented. */
  note?: string;
  /** Information may be lost, or the type is unsupported. */
  warning?: string;
}

export interface PreviewTable {
  /** Target `namespace.table`. */
  target: string;
  /** Source `db.table` names feeding the target (several in merge mode). */
  sources: string[];
  key: string[];
  columns: PreviewColumn[];
  warnings: string[];
}

export interface PreviewJson {
  task: string;
  /** Source kind and address, e.g. `mysql 127.0.0.1:3306/shop`. */
  source: string;
  mode: 'database-mirror' | 'multi-table-mirror' | 'multi-table-merge' | string;
  tables: PreviewTable[];
  warnings: string[];
  /** Config errors found against the source's tables (two tables, one target name): the task cannot run. */
  errors?: string[];
  /** Every table the source has (`db.table`), mapped or not: the editor completes table names from it. */
  sourceTables?: string[];
}

// ---------- shared ----------

export interface ReadyMessage { type: 'ready' }

// ---------- mapping preview ----------

export type HostToPreview =
  | { type: 'loading' }
  | { type: 'preview'; data: PreviewJson; loadedAt: string }
  | { type: 'preview-error'; message: string; loadedAt: string };

export type PreviewToHost =
  | ReadyMessage
  | { type: 'refresh' }
  | { type: 'open-task-file' };

// ---------- task dashboard ----------

/** One point of the dashboard's time series, taken from one TaskStatus. */
export interface MetricSample {
  /** Epoch ms. */
  t: number;
  rowsRead: number;
  rowsWritten: number;
  /** Largest current data latency over the tables, ms (undefined when no table reports one). */
  latencyMs?: number;
}

export type HostToDashboard =
  /** Full state: sent after every `ready`. */
  | { type: 'init'; taskFile: string; status?: TaskStatus; history: MetricSample[] }
  /** Sent at most once a second while the task reports. */
  | { type: 'status'; status: TaskStatus; sample: MetricSample }
  | { type: 'op-result'; requestId: number; op: TableOp; table: string; ok: boolean; result?: unknown; error?: string }
  | { type: 'query-result'; requestId: number; ok: boolean; result?: QueryResult; error?: string };

export type DashboardToHost =
  | ReadyMessage
  | { type: 'table-op'; requestId: number; op: TableOp; table: string; where?: string }
  | { type: 'query'; requestId: number; sql: string }
  /** Runs the Verify Table command on the table (`repair`: with --repair); its result comes back in the status. */
  | { type: 'verify'; table: string; repair: boolean }
  | { type: 'open-task-file' };

/** What an `exceptions` table op answers with (the engine may keep more than TableStatus.errors). */
export type ExceptionsResult = TableError[];
