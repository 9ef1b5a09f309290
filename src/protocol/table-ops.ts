// The per-table operations of a task, in one list. The CLI's commands (`lakesync resync ...`),
// the engine's control channel, the extension's commands and the dashboard's menus all derive
// from it (test/unit/protocol/table-ops.test.ts finds any second list). Order: as menus show them,
// reading ones first, the ones that throw work away last.

export interface TableOpInfo {
  /** In menus and buttons. */
  readonly label: string;
  /** What it does, for people (CLI help). */
  readonly summary: string;
  /** Only reads the table's state (a stopped task answers from its sink); false: changes what the task does. */
  readonly reads: boolean;
  /** Takes a filter in the source's SQL (`--where`), and needs one. */
  readonly where: boolean;
  /** Throws work away: marked as dangerous in menus, and confirmed first. */
  readonly danger: boolean;
  /** Asked once more, modally, before the operation reaches the engine. */
  readonly confirm?: (table: string) => { readonly question: string; readonly button: string };
  /** The extension's command: key in src/extension/common/commandIds.ts (id `lakesync.table.<key>`), title and icon. */
  readonly command: string;
  readonly title: string;
  readonly icon: string;
}

export const TABLE_OPS = {
  details: {
    label: 'Details', summary: 'the table\'s full-sync progress and state', reads: true, where: false, danger: false,
    command: 'details', title: 'Full Sync Details', icon: 'info',
  },
  exceptions: {
    label: 'Exceptions', summary: 'the errors recorded for the table', reads: true, where: false, danger: false,
    command: 'viewExceptions', title: 'View Exceptions', icon: 'warning',
  },
  prioritize: {
    label: 'Prioritize', summary: 'move the table\'s full sync to the front of the queue', reads: false, where: false, danger: false,
    command: 'prioritize', title: 'Prioritize Table', icon: 'arrow-up',
  },
  resync: {
    label: 'Resync', summary: 'copy the table again from the source', reads: false, where: false, danger: false,
    confirm: (t: string) => ({ question: `Resync ${t}? Its target table is copied again from the source.`, button: 'Resync' }),
    command: 'resync', title: 'Resync Table', icon: 'sync',
  },
  backfill: {
    label: 'Backfill', summary: 'copy again the rows a filter selects', reads: false, where: true, danger: false,
    command: 'backfill', title: 'Backfill Table…', icon: 'history',
  },
  cancel: {
    label: 'Cancel', summary: 'stop the table\'s full sync; it stays as it is until resynced', reads: false, where: false, danger: true,
    confirm: (t: string) => ({ question: `Cancel the sync of ${t}? It stays as it is until resynced.`, button: 'Cancel Sync' }),
    command: 'cancel', title: 'Cancel Table', icon: 'circle-slash',
  },
  'force-stop': {
    label: 'Force stop', summary: 'stop applying the table\'s changes', reads: false, where: false, danger: true,
    confirm: (t: string) => ({ question: `Force stop ${t}? Changes of this table are no longer applied.`, button: 'Force Stop' }),
    command: 'forceStop', title: 'Force Stop Table', icon: 'stop-circle',
  },
} as const satisfies Record<string, TableOpInfo>;

export type TableOp = keyof typeof TABLE_OPS;

/** Every operation, in the list's order. */
export const TABLE_OP_NAMES = Object.keys(TABLE_OPS) as TableOp[];

export function isTableOp(value: unknown): value is TableOp {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(TABLE_OPS, value);
}

export function tableOpInfo(op: TableOp): TableOpInfo {
  return TABLE_OPS[op];
}
