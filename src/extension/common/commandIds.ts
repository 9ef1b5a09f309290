// Every LakeSync command: id, title and icon. The manifest's `contributes.commands` is generated
// from this list and a unit test keeps the two equal. No vscode import. The table operations'
// commands come from the one list of them (src/protocol/table-ops.ts).
import { TABLE_OP_NAMES, TABLE_OPS, type TableOp } from '../../protocol/table-ops';

export interface CommandInfo {
  id: string;
  title: string;
  icon?: string;
  /** Hidden from the Command Palette (needs a tree item or editor argument). */
  paletteHidden?: boolean;
  /** Starts or talks to an engine: refused in Restricted Mode. */
  needsTrust?: boolean;
}

type OpCommand<K extends TableOp> = (typeof TABLE_OPS)[K]['command'];
/** The key in COMMANDS of a table operation's command. */
export type TableOpCommandKey = OpCommand<TableOp>;

/** One command per table operation: lakesync.table.<command>. */
const TABLE_OP_COMMANDS = Object.fromEntries(TABLE_OP_NAMES.map((op) => {
  const o = TABLE_OPS[op];
  return [o.command, { id: `lakesync.table.${o.command}`, title: o.title, icon: o.icon, needsTrust: true }];
})) as { [K in TableOp as OpCommand<K>]: { id: `lakesync.table.${OpCommand<K>}`; title: string; icon: string; needsTrust: true } };

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
  ...TABLE_OP_COMMANDS,
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
