// Every LakeSync command: id, title and icon. The manifest's `contributes.commands` is generated
// from this list and a unit test keeps the two equal. No vscode import.

export interface CommandInfo {
  id: string;
  title: string;
  icon?: string;
  /** Hidden from the Command Palette (needs a tree item or editor argument). */
  paletteHidden?: boolean;
  /** Starts or talks to an engine: refused in Restricted Mode. */
  needsTrust?: boolean;
}

export const COMMANDS = {
  newTask: { id: 'lakesync.newTask', title: 'New Sync Task', icon: 'add' },
  refresh: { id: 'lakesync.refresh', title: 'Refresh', icon: 'refresh' },
  start: { id: 'lakesync.start', title: 'Start', icon: 'play', needsTrust: true },
  startWith: { id: 'lakesync.startWith', title: 'Start…', icon: 'debug-alt', needsTrust: true },
  stop: { id: 'lakesync.stop', title: 'Stop', icon: 'debug-stop' },
  checkSource: { id: 'lakesync.checkSource', title: 'Check Source', icon: 'checklist', needsTrust: true },
  previewMapping: { id: 'lakesync.previewMapping', title: 'Preview Mapping', icon: 'preview', needsTrust: true },
  exportFlinkCdc: { id: 'lakesync.exportFlinkCdc', title: 'Export to Flink CDC…', icon: 'export', needsTrust: true },
  openDashboard: { id: 'lakesync.openDashboard', title: 'Open Dashboard', icon: 'dashboard' },
  resetTask: { id: 'lakesync.resetTask', title: 'Reset Task…', icon: 'discard', needsTrust: true },
  openTaskFile: { id: 'lakesync.openTaskFile', title: 'Open Task File', icon: 'go-to-file' },
  showLog: { id: 'lakesync.showLog', title: 'Show Log', icon: 'output' },
  setSourcePassword: { id: 'lakesync.setSourcePassword', title: 'Set Source Password…', icon: 'key' },
  importTableList: { id: 'lakesync.importTableList', title: 'Import Table List…', icon: 'list-unordered' },
  refreshTables: { id: 'lakesync.refreshTables', title: 'Load Tables (Preview)', icon: 'refresh', needsTrust: true },
  resync: { id: 'lakesync.table.resync', title: 'Resync Table', icon: 'sync', needsTrust: true },
  backfill: { id: 'lakesync.table.backfill', title: 'Backfill Table…', icon: 'history', needsTrust: true },
  prioritize: { id: 'lakesync.table.prioritize', title: 'Prioritize Table', icon: 'arrow-up', needsTrust: true },
  cancel: { id: 'lakesync.table.cancel', title: 'Cancel Table', icon: 'circle-slash', needsTrust: true },
  forceStop: { id: 'lakesync.table.forceStop', title: 'Force Stop Table', icon: 'stop-circle', needsTrust: true },
  viewExceptions: { id: 'lakesync.table.viewExceptions', title: 'View Exceptions', icon: 'warning', needsTrust: true },
  details: { id: 'lakesync.table.details', title: 'Full Sync Details', icon: 'info', needsTrust: true },
  query: { id: 'lakesync.table.query', title: 'Query Target Table…', icon: 'terminal', needsTrust: true },
  verifyTable: { id: 'lakesync.table.verify', title: 'Verify Table', icon: 'verified', needsTrust: true },
  verifyTask: { id: 'lakesync.verifyTask', title: 'Verify Task', icon: 'verified', needsTrust: true },
  movePasswordToSecret: { id: 'lakesync.movePasswordToSecret', title: 'Move Password to Secret Storage', paletteHidden: true },
} as const satisfies Record<string, CommandInfo>;

export type CommandKey = keyof typeof COMMANDS;

export const CATEGORY = 'LakeSync';
export const VIEW_CONTAINER = 'lakesync';
export const TASKS_VIEW = 'lakesync.tasks';
export const LANGUAGE_ID = 'yaml';
export const TASK_GLOB = '**/*.sync.yaml';
