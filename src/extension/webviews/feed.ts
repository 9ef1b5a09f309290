// What the dashboard needs from the running task. The extension's engine client implements it;
// the dashboard only reads status and forwards the person's operations.
import type * as vscode from 'vscode';
import type { QueryResult, TableOp } from '../../protocol/ipc';
import type { TaskStatus } from '../../protocol/status';
import type { MetricSample } from '../../protocol/webview';

export interface DashboardFeed {
  /** The newest status, or undefined when the task has never reported (not running, no status file). */
  current(): TaskStatus | undefined;
  /** Fires on every status the engine reports (the dashboard throttles to 1/s itself). */
  readonly onStatus: vscode.Event<TaskStatus>;
  /** A per-table operation on the running task (or queued for its next start); rejects with a message for people. */
  runTableOp(op: TableOp, table: string, where?: string): Promise<unknown>;
  /** A read-only query on the target through the engine (DuckDB allows one writer process). */
  query(sql: string): Promise<QueryResult>;
  /** Runs Verify Table on one table (`repair`: with --repair); the outcome arrives in the status (TableStatus.verified). */
  verify(table: string, repair: boolean): Promise<void>;
  /** Samples recorded before the dashboard opened, oldest first (optional: charts then start empty). */
  history?(): MetricSample[];
}
