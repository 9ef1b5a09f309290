// Command handlers. Every engine-backed operation goes to the engine (running process or the
// CLI); nothing here re-implements it. Arguments: a tree item, a Uri (CodeLens, explorer),
// `{ file, table? }` (notifications, webviews), or nothing (palette: the active task file or a pick).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseTableList } from '../../engine/config/tablelist';
import { TABLE_OP_NAMES, TABLE_OPS, tableOpInfo, type TableOp } from '../../protocol/table-ops';
import type { TableError, TableStatus } from '../../protocol/status';
import { COMMANDS, TASKS_VIEW, type CommandKey, type TableOpCommandKey } from '../common/commandIds';
import type { ReadOnlyDocuments } from '../common/documents';
import type { Handler } from '../common/registry';
import { plainPasswordValue } from '../editor/diagnostics';
import { parseJsonOutput } from '../engine/engineCli';
import { cliError, type EngineManager } from '../engine/engineManager';
import type { PreviewService } from '../engine/previewService';
import type { LogChannels } from '../feedback/logChannels';
import type { TaskModel, TaskEntry } from '../model/taskModel';
import { passwordRefEdit, validateSecretName } from '../secrets/passwordEdit';
import type { SecretStore } from '../secrets/secretStore';
import type { TaskDiscovery } from '../tasks/taskDiscovery';
import { openDashboard, openMappingPreview } from '../webviews';
import { defaultPort, newTaskText, validateTaskName, type NewTaskAnswers } from '../../engine/config/template';
import { exceptionsMarkdown, queryMarkdown, readCheck, readVerify, tableDetailsMarkdown, verifyMarkdown } from './render';
import { startFlags, validatePositionText } from './startOptions';
import { listReference, withTablesFrom } from './tableListImport';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  model: TaskModel;
  engines: EngineManager;
  previews: PreviewService;
  discovery: TaskDiscovery;
  docs: ReadOnlyDocuments;
  secrets: SecretStore;
  logs: LogChannels;
}

type Arg = unknown;

/** `file` (and `table`) from whatever the command was invoked with. */
export function argTarget(arg: Arg): { file?: string; table?: string; secret?: string } {
  if (!arg) return {};
  if (arg instanceof vscode.Uri) return { file: arg.fsPath };
  const a = arg as { node?: { file?: string; table?: string }; file?: unknown; table?: unknown; secret?: unknown; fsPath?: unknown };
  if (a.node?.file) return { file: a.node.file, table: a.node.table };
  return {
    file: typeof a.file === 'string' ? a.file : typeof a.fsPath === 'string' ? a.fsPath : undefined,
    table: typeof a.table === 'string' ? a.table : undefined,
    secret: typeof a.secret === 'string' ? a.secret : undefined,
  };
}

export class Commands {
  constructor(private readonly d: CommandDeps) {}

  private async pickTask(arg: Arg, placeHolder = 'Which sync task?'): Promise<TaskEntry | undefined> {
    const { file } = argTarget(arg);
    if (file) return this.d.model.get(file) ?? this.unknownTask(file);
    const active = vscode.window.activeTextEditor?.document.uri.fsPath;
    // The task file in the active editor comes first in the pick.
    const tasks = this.d.model.list().sort((a, b) => Number(b.info.file === active) - Number(a.info.file === active));
    if (tasks.length === 0) {
      const create = 'New Sync Task';
      if ((await vscode.window.showInformationMessage('There is no *.sync.yaml task in this workspace yet.', create)) === create) {
        await vscode.commands.executeCommand(COMMANDS.newTask.id);
      }
      return undefined;
    }
    if (tasks.length === 1) return tasks[0];
    const pick = await vscode.window.showQuickPick(tasks.map((t) => ({ label: t.info.name, description: vscode.workspace.asRelativePath(t.info.file), entry: t })), { placeHolder });
    return pick?.entry;
  }

  private unknownTask(file: string): TaskEntry | undefined {
    void vscode.window.showWarningMessage(`${path.basename(file)} is not a LakeSync task in this workspace (task files end with .sync.yaml).`);
    return undefined;
  }

  private tablesOf(entry: TaskEntry): { source: string; target: string; status?: TableStatus }[] {
    const st = entry.status?.tables;
    if (st?.length) return st.map((t) => ({ source: t.source, target: t.target, status: t }));
    return entry.previewTables ?? this.d.previews.cached(entry.info.file)?.data.tables ?? [];
  }

  private async pickTable(arg: Arg): Promise<{ entry: TaskEntry; table: string } | undefined> {
    const entry = await this.pickTask(arg);
    if (!entry) return undefined;
    const { table } = argTarget(arg);
    if (table) return { entry, table };
    let tables = this.tablesOf(entry);
    if (tables.length === 0 && vscode.workspace.isTrusted) {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Loading the tables of ${entry.info.name}…`, cancellable: true },
        (_p, token) => this.d.previews.load(entry.info.file, token).catch(() => undefined));
      tables = this.tablesOf(entry);
    }
    if (tables.length === 0) { void vscode.window.showWarningMessage(`No tables known for ${entry.info.name} yet: run Preview Mapping or start the task.`); return undefined; }
    const pick = await vscode.window.showQuickPick(tables.map((t) => ({ label: t.source, description: `→ ${t.target}`, detail: t.status?.phase })), { placeHolder: 'Which table?' });
    return pick ? { entry, table: pick.label } : undefined;
  }

  handlers(): Record<CommandKey, Handler> {
    return {
      newTask: () => this.newTask(),
      refresh: async () => { this.d.previews.forget(); await this.d.discovery.scan(); },
      start: async (arg: Arg) => {
        const e = await this.pickTask(arg, 'Start which task?');
        if (e) await this.d.engines.start(e.info.file, []);
      },
      startWith: (arg: Arg) => this.startWith(arg),
      stop: async (arg: Arg) => {
        const e = await this.pickTask(arg, 'Stop which task?');
        if (!e) return;
        if (!this.d.engines.isRunning(e.info.file)) { void vscode.window.showInformationMessage(`${e.info.name} is not running in this window.`); return; }
        await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Stopping ${e.info.name}` }, () => this.d.engines.stop(e.info.file));
      },
      checkSource: (arg: Arg) => this.checkSource(arg),
      previewMapping: async (arg: Arg) => {
        const e = await this.pickTask(arg);
        if (!e) return;
        openMappingPreview(this.d.context, vscode.Uri.file(e.info.file), async () => (await this.d.previews.load(e.info.file)).raw);
      },
      exportFlinkCdc: (arg: Arg) => this.exportFlinkCdc(arg),
      openDashboard: async (arg: Arg) => {
        const e = await this.pickTask(arg);
        if (e) openDashboard(this.d.context, vscode.Uri.file(e.info.file), this.d.engines.feed(e.info.file));
      },
      resetTask: (arg: Arg) => this.resetTask(arg),
      openTaskFile: async (arg: Arg) => {
        const e = await this.pickTask(arg);
        if (e) await vscode.window.showTextDocument(vscode.Uri.file(e.info.file));
      },
      showLog: async (arg: Arg) => {
        const e = await this.pickTask(arg);
        if (e) this.d.logs.show(e.info.file, e.info.name);
      },
      setSourcePassword: (arg: Arg) => this.setSourcePassword(arg),
      importTableList: (arg: Arg) => this.importTableList(arg),
      refreshTables: async (arg: Arg) => {
        const e = await this.pickTask(arg);
        if (!e) return;
        await vscode.window.withProgress({ location: { viewId: TASKS_VIEW } }, () => this.d.previews.load(e.info.file).catch(() => undefined));
      },
      ...this.tableOpHandlers(),
      query: (arg: Arg) => this.query(arg),
      verifyTable: (arg: Arg) => this.verify(arg, true, (arg as { repair?: unknown } | undefined)?.repair === true),
      verifyTask: (arg: Arg) => this.verify(arg, false),
      movePasswordToSecret: (uri: vscode.Uri, path?: string[]) => this.movePasswordToSecret(uri, path),
    };
  }

  /**
   * Points a task at a table list file (`tablesFrom`). The list is checked first: a bad line is
   * shown at its file:line:column and nothing changes. Argument `list` (a path) skips the dialog.
   */
  private async importTableList(arg: Arg): Promise<void> {
    const e = await this.pickTask(arg, 'Import the table list into which task?');
    if (!e) return;
    const given = (arg as { list?: unknown } | undefined)?.list;
    let listFile = typeof given === 'string' ? given : undefined;
    if (!listFile) {
      const picked = await vscode.window.showOpenDialog({ title: `Table list for ${e.info.name}: one db.table or glob per line`,
        canSelectMany: false, openLabel: 'Import', defaultUri: vscode.Uri.file(path.dirname(e.info.file)),
        filters: { 'Table lists': ['txt', 'list', 'lst'], 'All files': ['*'] } });
      if (!picked?.[0]) return;
      listFile = picked[0].fsPath;
    }
    let listText: string;
    try { listText = await fs.readFile(listFile, 'utf8'); } catch (err) {
      void vscode.window.showErrorMessage(`Cannot read ${listFile}: ${(err as Error).message}`);
      return;
    }
    const list = parseTableList(listText, listFile);
    const errors = list.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0 || list.entries.length === 0) {
      const first = errors[0];
      const why = first ? `${path.basename(listFile)}:${first.line}:${first.column} ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`
        : `${path.basename(listFile)} lists no table; write one db.table per line`;
      const open = 'Open List';
      if ((await vscode.window.showErrorMessage(`Not imported: ${why}`, open)) === open) {
        const doc = await vscode.window.showTextDocument(vscode.Uri.file(listFile));
        if (first) doc.selection = new vscode.Selection(first.line - 1, first.column - 1, first.line - 1, first.endColumn - 1);
      }
      return;
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(e.info.file));
    const edit = withTablesFrom(doc.getText(), listReference(e.info.file, listFile));
    if (!edit) { void vscode.window.showErrorMessage(`${path.basename(e.info.file)} does not parse as YAML; fix it first.`); return; }
    if (edit.modeChanged) {
      const ok = 'Switch to multi-table-mirror';
      const answer = await vscode.window.showWarningMessage(`${e.info.name} uses mode ${edit.modeChanged}; a table list needs mode multi-table-mirror.`, { modal: true }, ok);
      if (answer !== ok) return;
    }
    const all = new vscode.WorkspaceEdit();
    all.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), edit.text);
    if (!(await vscode.workspace.applyEdit(all)) || !(await doc.save())) throw new Error(`could not write ${e.info.file}`);
    await vscode.window.showTextDocument(doc);
    void vscode.window.showInformationMessage(`${e.info.name} now syncs the ${list.entries.length} table pattern${list.entries.length === 1 ? '' : 's'} of ${path.basename(listFile)} (tablesFrom).`);
  }

  private async startWith(arg: Arg): Promise<void> {
    const e = await this.pickTask(arg, 'Start which task?');
    if (!e) return;
    const mode = await vscode.window.showQuickPick([
      { label: '$(debug-continue) Resume', description: 'from the saved checkpoint', mode: 'resume' as const },
      { label: '$(refresh) Stateless', description: 'full sync of every table, then changes', mode: 'stateless' as const },
      { label: '$(location) From a position…', description: 'changes from a binlog position, GTID set, LSN or time', mode: 'position' as const },
    ], { placeHolder: `Start ${e.info.name}` });
    if (!mode) return;
    let position: string | undefined;
    if (mode.mode === 'position') {
      const example = e.info.sourceType === 'postgres' ? 'lsn:0/16B3748' : 'mysql-bin.000003:4, gtid:0-1-253 or 2026-11-24T10:00:00Z';
      position = await vscode.window.showInputBox({ title: `Start ${e.info.name} from a position`, prompt: `e.g. ${example}`,
        validateInput: (t) => validatePositionText(t, e.info.sourceType), ignoreFocusOut: true });
      if (position === undefined) return;
    }
    if (mode.mode === 'stateless') {
      const ok = 'Start Stateless';
      if ((await vscode.window.showWarningMessage(`Start ${e.info.name} stateless? Every table is copied again from the source.`, { modal: true }, ok)) !== ok) return;
    }
    await this.d.engines.start(e.info.file, startFlags(mode.mode, position));
  }

  private async checkSource(arg: Arg): Promise<void> {
    const e = await this.pickTask(arg);
    if (!e) return;
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checking the source of ${e.info.name}…`, cancellable: true },
      (_p, token) => this.d.engines.runCli(e.info.file, ['check', e.info.file, '--json'], token));
    if (r.cancelled) return;
    const check = readCheck(parseJsonOutput(r.stdout));
    const log = this.d.logs.main;
    if (!check) throw new Error(cliError(r));
    log.info(`Check Source: ${e.info.name} (${e.info.file})`);
    for (const c of check.checks) {
      const line = `${c.status === 'ok' ? '✔' : c.status === 'fail' ? '✘' : '!'} ${c.title}${c.detail ? `: ${c.detail}` : ''}`;
      if (c.status === 'fail') log.error(line); else if (c.status === 'warn') log.warn(line); else log.info(line);
      if (c.fix && c.status !== 'ok') log.info(`    fix: ${c.fix}`);
    }
    const failed = check.checks.filter((c) => c.status === 'fail').length;
    const warned = check.checks.filter((c) => c.status === 'warn').length;
    const title = check.ok ? `${e.info.name}: ready to run${warned ? `, ${warned} warning${warned === 1 ? '' : 's'}` : ''}` : `${e.info.name}: cannot run, ${failed} check${failed === 1 ? '' : 's'} failed`;
    const items = check.checks.map((c) => ({
      label: `$(${c.status === 'ok' ? 'pass' : c.status === 'fail' ? 'error' : 'warning'}) ${c.title}`,
      description: c.detail, detail: c.fix && c.status !== 'ok' ? `fix: ${c.fix.split('\n')[0]}` : undefined, fix: c.status !== 'ok' ? c.fix : undefined,
    }));
    const pick = await vscode.window.showQuickPick(items, { title, placeHolder: 'Pick a failed check to copy its fix; every line is in the LakeSync output', matchOnDescription: true });
    if (pick?.fix) {
      await vscode.env.clipboard.writeText(pick.fix);
      void vscode.window.showInformationMessage('The fix is on the clipboard.', 'Show Output').then((a) => { if (a) log.show(true); });
    }
  }

  /** `lakesync export --to flink-cdc` through the engine CLI; the YAML opens beside the task file. */
  private async exportFlinkCdc(arg: Arg): Promise<void> {
    const e = await this.pickTask(arg, 'Export which task?');
    if (!e) return;
    const choice = await vscode.window.showQuickPick([
      { label: '$(database) Iceberg, full snapshot', description: 'scan.startup.mode: initial', sink: 'iceberg', handover: false },
      { label: '$(debug-step-over) Iceberg, hand over', description: 'stops the task; Flink continues at its checkpoint', sink: 'iceberg', handover: true },
      { label: '$(database) Paimon, full snapshot', description: 'a new Paimon warehouse', sink: 'paimon', handover: false },
    ], { title: `Export ${e.info.name} to Flink CDC`, placeHolder: 'Sink and start position' });
    if (!choice) return;
    if (choice.handover) {
      const ok = 'Stop and Hand Over';
      const detail = 'The task stops gracefully and must not be started again: the Flink CDC pipeline continues its tables from the checkpoint.';
      if ((await vscode.window.showWarningMessage(`Hand ${e.info.name} over to Flink CDC?`, { modal: true, detail }, ok)) !== ok) return;
    }
    const args = ['export', e.info.file, '--to', 'flink-cdc', '--sink', choice.sink, ...(choice.handover ? ['--handover'] : [])];
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Exporting ${e.info.name} to Flink CDC…`, cancellable: true },
      (_p, token) => this.d.engines.runCli(e.info.file, args, token, 180_000));
    if (r.cancelled) return;
    const log = this.d.logs.main;
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
    for (const w of r.stderr.split('\n').filter(Boolean)) log.warn(`Export ${e.info.name}: ${w}`);
    if (r.code !== 0) throw new Error(cliError(r));
    const out = /^wrote (.+?)(?: \(hand-over|$)/m.exec(r.stdout)?.[1];
    if (!out) throw new Error(cliError(r));
    await vscode.window.showTextDocument(vscode.Uri.file(out), { viewColumn: vscode.ViewColumn.Beside, preview: false });
    if (warnings.length) {
      void vscode.window.showWarningMessage(`${e.info.name}: exported with ${warnings.length} warning${warnings.length === 1 ? '' : 's'} (what Flink CDC does differently).`, 'Show Output')
        .then((a) => { if (a) log.show(true); });
    }
  }

  private async resetTask(arg: Arg): Promise<void> {
    const e = await this.pickTask(arg, 'Reset which task?');
    if (!e) return;
    if (this.d.engines.isRunning(e.info.file)) { void vscode.window.showWarningMessage(`Stop ${e.info.name} before resetting it.`); return; }
    const ok = 'Reset';
    const drop = 'Reset and Drop Slot';
    const pg = e.info.sourceType === 'postgres';
    const pick = await vscode.window.showWarningMessage(`Reset ${e.info.name}? Its checkpoint is forgotten: the target data stays, the next start is a full sync.`,
      { modal: true, detail: pg ? `"${drop}" also drops the replication slot ${e.info.slot ?? ''}, so the server stops keeping WAL for this task.` : undefined },
      ok, ...(pg ? [drop] : []));
    if (pick !== ok && pick !== drop) return;
    // Dropping the slot connects to the source (secrets needed); a plain reset only touches the target file.
    const r = await this.d.engines.runCli(e.info.file, ['reset', e.info.file, ...(pick === drop ? ['--drop-slot'] : [])], undefined, undefined, pick === drop);
    if (r.code !== 0) throw new Error(cliError(r));
    this.d.discovery.invalidate(e.info.file);
    await this.d.discovery.refreshStatus(e.info.file);
    void vscode.window.showInformationMessage(r.stdout.trim().split('\n')[0] || `${e.info.name} was reset.`);
  }

  /** One handler per table operation (src/protocol/table-ops.ts); the reading ones open documents. */
  private tableOpHandlers(): Record<TableOpCommandKey, Handler> {
    const reads: Partial<Record<TableOp, Handler>> = { exceptions: (arg: Arg) => this.viewExceptions(arg), details: (arg: Arg) => this.details(arg) };
    return Object.fromEntries(TABLE_OP_NAMES.map((op) => [TABLE_OPS[op].command, reads[op] ?? ((arg: Arg) => this.tableOp(arg, op))])) as Record<TableOpCommandKey, Handler>;
  }

  private async tableOp(arg: Arg, op: TableOp): Promise<void> {
    const t = await this.pickTable(arg);
    if (!t) return;
    let where: string | undefined;
    if (TABLE_OPS[op].where) {
      where = await vscode.window.showInputBox({ title: `${TABLE_OPS[op].label} ${t.table}`, prompt: 'Rows to copy again: an SQL condition on the source table',
        placeHolder: "updated_at >= '2026-11-01'", validateInput: (v) => (v.trim() ? undefined : 'Enter a condition, e.g. id > 1000'), ignoreFocusOut: true });
      if (where === undefined) return;
    }
    const confirm = tableOpInfo(op).confirm?.(t.table);
    if (confirm && (await vscode.window.showWarningMessage(confirm.question, { modal: true }, confirm.button)) !== confirm.button) return;
    const running = this.d.engines.isRunning(t.entry.info.file);
    const result = await this.d.engines.tableOp(t.entry.info.file, op, t.table, where);
    const note = typeof result === 'string' && result ? `: ${result.split('\n')[0]}` : '';
    void vscode.window.showInformationMessage(`${op} ${t.table}: ${running ? 'done' : 'queued for the next start'}${note}`);
  }

  /** `lakesync verify` on the running task (one table or all); the report opens as a document, Repair runs it again with --repair. */
  private async verify(arg: Arg, oneTable: boolean, repair = false): Promise<void> {
    let entry: TaskEntry | undefined; let table: string | undefined;
    if (oneTable) { const t = await this.pickTable(arg); entry = t?.entry; table = t?.table; } else entry = await this.pickTask(arg, 'Verify which task?');
    if (!entry) return;
    const { file, name } = entry.info;
    if (!this.d.engines.isRunning(file)) {
      void vscode.window.showWarningMessage(`Start ${name} first: verify compares the source with the running task's target.`);
      return;
    }
    const args = ['verify', file, ...(table ? ['--table', table] : []), ...(repair ? ['--repair'] : []), '--json'];
    const what = table ?? name;
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `${repair ? 'Repairing' : 'Verifying'} ${what}…`, cancellable: true },
      (_p, token) => this.d.engines.runCli(file, args, token, 60 * 60_000));
    if (r.cancelled) return;
    const reports = readVerify(r.stdout);
    if (r.code === 2 && reports.length === 0) throw new Error(cliError(r));
    await this.d.docs.show(`Verify ${what}`, verifyMarkdown(name, reports));
    const diffs = reports.reduce((a, x) => a + x.differences.length, 0);
    const equal = reports.filter((x) => x.result === 'equal').length;
    if (diffs) {
      const fix = 'Repair';
      const pick = await vscode.window.showWarningMessage(`${what}: ${diffs} difference${diffs === 1 ? '' : 's'} (${equal} table${equal === 1 ? '' : 's'} equal).`, fix);
      if (pick === fix) await this.verify(table ? { file, table } : { file }, oneTable, true);
    } else if (r.code === 0) {
      void vscode.window.showInformationMessage(`${what}: ${equal} table${equal === 1 ? '' : 's'} equal${repair ? ' after repair' : ''}.`);
    } else {
      void vscode.window.showWarningMessage(`${what}: ${reports.filter((x) => x.result !== 'equal').map((x) => `${x.source} ${x.message ?? x.result}`).join('; ')}`);
    }
  }

  private async viewExceptions(arg: Arg): Promise<void> {
    const t = await this.pickTable(arg);
    if (!t) return;
    let errors: TableError[] | undefined;
    try {
      const r = await this.d.engines.tableOp(t.entry.info.file, 'exceptions', t.table);
      if (Array.isArray(r)) errors = r as TableError[];
      else if (r && typeof r === 'object' && Array.isArray((r as { errors?: unknown }).errors)) errors = (r as { errors: TableError[] }).errors;
    } catch (err) {
      // The status the tree shows still carries the recent errors.
      errors = t.entry.status?.tables.find((x) => x.source === t.table)?.errors;
      if (!errors) throw err;
    }
    await this.d.docs.show(`${t.table} exceptions`, exceptionsMarkdown(t.table, errors ?? []));
  }

  private async details(arg: Arg): Promise<void> {
    const t = await this.pickTable(arg);
    if (!t) return;
    const st = t.entry.status?.tables.find((x) => x.source === t.table);
    if (st) { await this.d.docs.show(`${t.table} details`, tableDetailsMarkdown(t.entry.info.name, st)); return; }
    const r = await this.d.engines.tableOp(t.entry.info.file, 'details', t.table);
    await this.d.docs.show(`${t.table} details`, JSON.stringify(r, null, 2), 'json');
  }

  private async query(arg: Arg): Promise<void> {
    const t = await this.pickTable(arg);
    if (!t) return;
    const target = this.tablesOf(t.entry).find((x) => x.source === t.table)?.target ?? t.table;
    const sql = await vscode.window.showInputBox({ title: `Query ${target}`, prompt: 'SQL on the target (DuckDB), run by the task engine',
      value: `SELECT * FROM ${target} LIMIT 100`, ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'Enter a query') });
    if (!sql) return;
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Querying ${target}` },
      () => this.d.engines.query(t.entry.info.file, sql));
    await this.d.docs.show(`${target} query`, queryMarkdown(sql, result));
  }

  private async askSecret(entry: TaskEntry, suggested?: string): Promise<{ name: string; value: string } | undefined> {
    const name = await vscode.window.showInputBox({ title: 'Secret name', prompt: 'Stored in VS Code secret storage; the task file refers to it as ${secret:NAME}',
      value: suggested ?? `${entry.info.name}-db`, validateInput: validateSecretName, ignoreFocusOut: true });
    if (!name) return undefined;
    const value = await vscode.window.showInputBox({ title: `Password for ${entry.info.user ?? 'the source user'}@${entry.info.host ?? 'source'}`,
      password: true, ignoreFocusOut: true, prompt: 'Never written to the task file, settings or disk by LakeSync' });
    if (value === undefined) return undefined;
    return { name, value };
  }

  private async writeRef(file: string, name: string, key: string[] = ['source', 'password']): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const e = passwordRefEdit(doc.getText(), name, key);
    if (!e) { void vscode.window.showWarningMessage(`Write \`${key[key.length - 1]}: \${secret:${name}}\` under ${key.slice(0, -1).join('.')}: in ${path.basename(file)}.`); return; }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(e.line, e.startCol, e.line, e.endCol), e.text);
    await vscode.workspace.applyEdit(edit);
    await doc.save();
  }

  private async setSourcePassword(arg: Arg): Promise<void> {
    const e = await this.pickTask(arg);
    if (!e) return;
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(e.info.file)));
    const existing = argTarget(arg).secret ?? /\$\{secret:([^}\s]+)\}/.exec(text)?.[1];
    const s = await this.askSecret(e, existing);
    if (!s) return;
    await this.d.secrets.set(s.name, s.value);
    if (!text.includes(`\${secret:${s.name}}`)) await this.writeRef(e.info.file, s.name);
    void vscode.window.showInformationMessage(`The password is in VS Code secret storage as "${s.name}".`);
  }

  /** Moves a plain secret (source.password, or a passphrase/password under source.ssh / source.tls) to secret storage. */
  private async movePasswordToSecret(uri: vscode.Uri, path: string[] = ['source', 'password']): Promise<void> {
    const e = this.d.model.get(uri.fsPath) ?? await this.pickTask(uri);
    if (!e) return;
    const doc = await vscode.workspace.openTextDocument(uri);
    const value = plainPasswordValue(doc.getText(), path);
    if (value === undefined) return;
    const key = path.join('.');
    const what = key === 'source.password' ? 'password' : key === 'source.ssh.password' ? 'SSH password' : key === 'source.ssh.privateKeyPassphrase' ? 'SSH key passphrase' : 'TLS key passphrase';
    const suggested = key === 'source.password' ? `${e.info.name}-db` : `${e.info.name}-${path.slice(1).join('-').replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}`;
    const name = await vscode.window.showInputBox({ title: `Move the ${what} to VS Code secret storage`, prompt: 'Secret name (the file will say ${secret:NAME})',
      value: suggested, validateInput: validateSecretName, ignoreFocusOut: true });
    if (!name) return;
    await this.d.secrets.set(name, value);
    await this.writeRef(uri.fsPath, name, path);
    void vscode.window.showInformationMessage(`The ${what} moved to VS Code secret storage as "${name}". If the file was committed, change it at its source too.`);
  }

  private async newTask(): Promise<void> {
    const type = await vscode.window.showQuickPick([
      { label: 'MySQL / MariaDB', description: 'binlog (ROW, FULL row image)', value: 'mysql' as const },
      { label: 'PostgreSQL', description: 'logical replication (pgoutput)', value: 'postgres' as const },
    ], { title: 'New Sync Task (1/6): source' });
    if (!type) return;
    const pg = type.value === 'postgres';
    const ask = (title: string, value: string, prompt?: string, validate?: (v: string) => string | undefined) =>
      vscode.window.showInputBox({ title, value, prompt, ignoreFocusOut: true, validateInput: validate });
    const host = await ask('New Sync Task (2/6): host', '127.0.0.1', 'Host name or IP of the source server', (v) => (v.trim() ? undefined : 'Enter a host'));
    if (!host) return;
    const port = await ask('New Sync Task (3/6): port', String(defaultPort(type.value)), undefined,
      (v) => (/^\d+$/.test(v) && Number(v) > 0 && Number(v) < 65536 ? undefined : 'A port is a number from 1 to 65535'));
    if (!port) return;
    const user = await ask('New Sync Task (4/6): user', 'lakesync', pg ? 'Needs the REPLICATION attribute and SELECT' : 'Needs REPLICATION SLAVE, REPLICATION CLIENT and SELECT',
      (v) => (v.trim() ? undefined : 'Enter a user'));
    if (!user) return;
    const database = await ask('New Sync Task (5/6): database', pg ? 'postgres' : '', pg ? 'The one database of this task' : 'Database to mirror (optional)',
      (v) => (pg && !v.trim() ? 'PostgreSQL tasks need a database' : undefined));
    if (database === undefined) return;
    const mode = await vscode.window.showQuickPick([
      { label: 'multi-table-mirror', description: 'the tables you list (globs allowed)' },
      { label: 'database-mirror', description: `every table of whole ${pg ? 'schemas' : 'databases'}, new ones too` },
      { label: 'multi-table-merge', description: 'several source tables (shards) into one target table' },
    ], { title: 'New Sync Task (6/6): mode' });
    if (!mode) return;
    const folder = vscode.workspace.workspaceFolders?.length === 1 ? vscode.workspace.workspaceFolders[0]
      : await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Where should the task file go?' });
    if (!folder) { void vscode.window.showWarningMessage('Open a folder first: task files live in the workspace.'); return; }
    const name = await ask('Task name', (database || type.value).replace(/[^A-Za-z0-9_-]/g, '_'), 'Also the file name: NAME.sync.yaml', validateTaskName);
    if (!name) return;
    const uri = vscode.Uri.joinPath(folder.uri, `${name}.sync.yaml`);
    const exists = await vscode.workspace.fs.stat(uri).then(() => true, () => false);
    if (exists) throw new Error(`${name}.sync.yaml exists already; pick another name.`);
    const pw = await vscode.window.showQuickPick([
      { label: '$(key) Store the password in VS Code secret storage now', value: 'secret' as const },
      { label: '$(symbol-variable) Read it from an environment variable', value: 'env' as const },
      { label: '$(clock) Later', description: 'the file refers to a secret you set with "Set Source Password"', value: 'later' as const },
    ], { title: 'Source password' });
    if (!pw) return;
    const answers: NewTaskAnswers = { name, sourceType: type.value, host, port: Number(port), user, database, mode: mode.label as NewTaskAnswers['mode'], passwordRef: `${name}-db` };
    if (pw.value === 'env') answers.passwordRef = `env:${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_DB_PASSWORD`;
    if (pw.value === 'secret') {
      const value = await vscode.window.showInputBox({ title: `Password for ${user}@${host}`, password: true, ignoreFocusOut: true });
      if (value === undefined) return;
      await this.d.secrets.set(answers.passwordRef, value);
    }
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(newTaskText(answers)));
    await vscode.window.showTextDocument(uri);
    await this.d.discovery.scan();
  }
}
