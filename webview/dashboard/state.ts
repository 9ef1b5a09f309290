// Dashboard state: what the host sent (status, history, replies) plus the person's view choices.
// A pure reducer, so the webview's behaviour is testable without a browser and the view can be
// rebuilt from scratch whenever VS Code recreates the hidden panel.
import type { QueryResult } from '../../src/protocol/ipc';
import { TABLE_OPS, type TableOp } from '../../src/protocol/table-ops';
import type { TableError, TaskStatus } from '../../src/protocol/status';
import type { DashboardToHost, HostToDashboard, MetricSample } from '../../src/protocol/webview';
import type { Sort } from './grid';
import { appendSample } from './series';

/** Choices that survive hide/show and reloads (webview setState). */
export interface ViewState {
  sort: Sort;
  filter: string;
  /** Period of the average read/write rate tiles. */
  periodMs: number;
  /** Time span the charts show. */
  chartMs: number;
  /** Table (source name) whose side panel is open. */
  selected?: string;
  panel: 'details' | 'exceptions' | 'verify';
}

export interface Notice { id: number; kind: 'info' | 'error'; text: string }

export interface DashboardState {
  view: ViewState;
  taskFile?: string;
  status?: TaskStatus;
  history: MetricSample[];
  pending: Record<number, { op: TableOp; table: string }>;
  notices: Notice[];
  /** Exceptions the engine returned for a table (may be more than TableStatus.errors). */
  exceptions: Record<string, TableError[]>;
  query?: { requestId: number; sql: string; result?: QueryResult; error?: string };
  nextRequestId: number;
}

export const PERIODS: { label: string; ms: number }[] = [
  { label: '10 s', ms: 10_000 }, { label: '1 min', ms: 60_000 },
  { label: '5 min', ms: 300_000 }, { label: '15 min', ms: 900_000 }, { label: '1 h', ms: 3_600_000 },
];

export function initialState(view?: Partial<ViewState>): DashboardState {
  return {
    view: { sort: { key: 'table', dir: 'asc' }, filter: '', periodMs: 60_000, chartMs: 300_000, panel: 'details', ...view },
    history: [], pending: {}, notices: [], exceptions: {}, nextRequestId: 1,
  };
}

const MAX_NOTICES = 5;

function notice(state: DashboardState, kind: Notice['kind'], text: string): Notice[] {
  const id = (state.notices[state.notices.length - 1]?.id ?? 0) + 1;
  return state.notices.concat({ id, kind, text }).slice(-MAX_NOTICES);
}

export function opLabel(op: TableOp): string { return TABLE_OPS[op].label; }

export function fromHost(state: DashboardState, msg: HostToDashboard): DashboardState {
  switch (msg.type) {
    case 'init':
      return { ...state, taskFile: msg.taskFile, status: msg.status, history: msg.history.slice(), pending: {} };
    case 'status':
      return { ...state, status: msg.status, history: appendSample(state.history, msg.sample) };
    case 'op-result': {
      const pending = { ...state.pending };
      delete pending[msg.requestId];
      if (!msg.ok) {
        return { ...state, pending, notices: notice(state, 'error', `${opLabel(msg.op)} ${msg.table}: ${msg.error ?? 'failed'}`) };
      }
      if (msg.op === 'exceptions' && Array.isArray(msg.result)) {
        return { ...state, pending, exceptions: { ...state.exceptions, [msg.table]: msg.result as TableError[] } };
      }
      if (msg.op === 'details' || msg.op === 'exceptions') return { ...state, pending };
      return { ...state, pending, notices: notice(state, 'info', `${opLabel(msg.op)} ${msg.table}: requested`) };
    }
    case 'query-result':
      if (!state.query || state.query.requestId !== msg.requestId) return state;
      return { ...state, query: { ...state.query, result: msg.result, error: msg.ok ? undefined : msg.error ?? 'failed' } };
  }
}

/**
 * A table op the person chose. `details` and `exceptions` open the side panel here as well as
 * asking the host (the engine may know more than the status carries).
 */
export function requestOp(state: DashboardState, op: TableOp, table: string, where?: string): [DashboardState, DashboardToHost] {
  const requestId = state.nextRequestId;
  const view = op === 'details' || op === 'exceptions' ? { ...state.view, selected: table, panel: op } : state.view;
  const next = { ...state, view, nextRequestId: requestId + 1, pending: { ...state.pending, [requestId]: { op, table } } };
  const msg: DashboardToHost = where ? { type: 'table-op', requestId, op, table, where } : { type: 'table-op', requestId, op, table };
  return [next, msg];
}

export function requestQuery(state: DashboardState, sql: string): [DashboardState, DashboardToHost] {
  const requestId = state.nextRequestId;
  return [{ ...state, nextRequestId: requestId + 1, query: { requestId, sql } }, { type: 'query', requestId, sql }];
}

export function withView(state: DashboardState, change: Partial<ViewState>): DashboardState {
  return { ...state, view: { ...state.view, ...change } };
}

/** Clicking a column header: same column flips the direction, a new one starts ascending. */
export function toggleSort(sort: Sort, key: Sort['key']): Sort {
  return sort.key === key ? { key, dir: sort.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'asc' };
}

export function dismissNotice(state: DashboardState, id: number): DashboardState {
  return { ...state, notices: state.notices.filter((n) => n.id !== id) };
}

/** Is an op on this table waiting for its reply (its button shows busy)? */
export function isPending(state: DashboardState, table: string, op?: TableOp): boolean {
  return Object.values(state.pending).some((p) => p.table === table && (op === undefined || p.op === op));
}
