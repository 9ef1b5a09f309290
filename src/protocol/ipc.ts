// Messages between the extension and an engine child process (Node IPC channel), and between
// the CLI and a running engine (control socket, JSON lines). Requests carry an id and get
// exactly one reply.
import type { TableVerified, TaskStatus } from './status';
import type { TableOp } from './table-ops';

export type { TableOp } from './table-ops';

export type EngineRequest =
  | { type: 'stop'; id: number }
  | { type: 'status'; id: number }
  /** `targetWhere` (backfill, DuckDB SQL on the target table): rows there the backfill did not write are removed (verify --repair). */
  | { type: 'table-op'; id: number; op: TableOp; table: string; where?: string; targetWhere?: string }
  /** `hold`: run the query only while that verify hold is reached, and fail if it ended meanwhile. */
  | { type: 'query'; id: number; sql: string; limit?: number; hold?: number }
  /**
   * `lakesync verify`: hold the change stream right after source position `until` (formatted);
   * answers `{ hold: id }`, or fails when changes after `until` are already applied. See docs/verify.md.
   */
  | { type: 'hold'; id: number; until: string; ttlMs: number }
  /** Ends a verify hold; answers `{ released: boolean }` (false: it had expired). */
  | { type: 'release'; id: number; hold: number }
  /** `lakesync verify` tells the running task a table's outcome (shown in its status). */
  | { type: 'verified'; id: number; table: string; verified: TableVerified };

/**
 * Sent once by the extension right after spawning, before the task starts: secrets never go through argv or files.
 * The extension forks every engine command it runs with `--ipc` (run, and also check, preview, reset --drop-slot) and
 * sends this first, so each such command should take `${secret:NAME}` values from it.
 */
export interface EngineInit {
  type: 'init';
  secrets: Record<string, string>;
  /** Optional: the least severe log level the extension wants to receive (default: info). */
  logLevel?: LogLevel;
}

export type ExtensionToEngine = EngineRequest | EngineInit;

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export type EngineToExtension =
  | { type: 'ready'; pid: number }
  | { type: 'status'; status: TaskStatus }
  | { type: 'log'; level: LogLevel; message: string; time: string }
  | { type: 'reply'; id: number; ok: true; result?: unknown }
  | { type: 'reply'; id: number; ok: false; error: string }
  | { type: 'exit'; code: number; error?: string };

export interface QueryResult { columns: string[]; rows: unknown[][]; truncated: boolean }
