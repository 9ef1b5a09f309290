// The *.sync.yaml editor: diagnostics from the config loader (works without Red Hat YAML),
// semantic warnings from the engine's preview on save, completion and hover from the schema,
// live table names, a CodeLens row, and the quick fix for plain passwords.
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { diagnoseTaskText, taskSchema } from '../../engine/config';
import { tableListPath } from '../../engine/config/tablelist';
import { COMMANDS } from '../common/commandIds';
import { Disposable } from '../common/disposable';
import type { PreviewService } from '../engine/previewService';
import type { TaskModel } from '../model/taskModel';
import { isTaskDocument, readTaskFileInfo } from '../model/taskFile';
import { completionCandidates, hoverText } from './completion';
import { mapConfigDiagnostic, mapPreviewWarning, plainPasswordRange, SECRET_VALUE_PATHS, sharedSlotDiagnostic, type MappedDiagnostic } from './diagnostics';
import { cursorContext, keyAt } from './yamlPath';
import type { SecretStore } from '../secrets/secretStore';

const SELECTOR: vscode.DocumentSelector = [{ scheme: 'file', pattern: '**/*.sync.yaml' }, { scheme: 'untitled', pattern: '**/*.sync.yaml' }];
const DEBOUNCE_MS = 250;
/** How long the first completion waits for table names from the source. */
const LIVE_NAMES_WAIT_MS = 4000;

function readTextOr<T>(file: string, fallback: T): string | T {
  try { return readFileSync(file, 'utf8'); } catch { return fallback; }
}

function toDiagnostic(m: MappedDiagnostic): vscode.Diagnostic {
  const d = new vscode.Diagnostic(new vscode.Range(m.startLine, m.startCol, m.endLine, m.endCol), m.message,
    m.severity === 'error' ? vscode.DiagnosticSeverity.Error : m.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information);
  d.source = 'LakeSync';
  if (m.code) d.code = m.code;
  return d;
}

export class LanguageFeatures extends Disposable implements vscode.CompletionItemProvider, vscode.HoverProvider, vscode.CodeLensProvider, vscode.CodeActionProvider {
  private readonly diagnostics = this.register(vscode.languages.createDiagnosticCollection('lakesync'));
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Semantic warnings of the last preview, per file, until the next save replaces them. */
  private readonly previewDiagnostics = new Map<string, MappedDiagnostic[]>();
  /** The `tablesFrom` list files each task file's diagnostics were last shown on. */
  private readonly listsOf = new Map<string, Set<string>>();
  private readonly lensEmitter = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.lensEmitter.event;

  constructor(private readonly model: TaskModel, private readonly previews: PreviewService, private readonly secrets: SecretStore) {
    super();
    this.register(vscode.languages.registerCompletionItemProvider(SELECTOR, this, ':', ' ', '-', '[', ','));
    this.register(vscode.languages.registerHoverProvider(SELECTOR, this));
    this.register(vscode.languages.registerCodeLensProvider(SELECTOR, this));
    this.register(vscode.languages.registerCodeActionsProvider(SELECTOR, this, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }));
    this.register(vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, DEBOUNCE_MS)));
    this.register(vscode.workspace.onDidSaveTextDocument((d) => void this.semanticCheck(d)));
    this.register(vscode.workspace.onDidCloseTextDocument((d) => { if (d.uri.scheme === 'untitled') this.diagnostics.delete(d.uri); }));
    // Files changed by other programs while not open in an editor (task files and their table lists).
    const watcher = this.register(vscode.workspace.createFileSystemWatcher('**/*'));
    this.register(watcher.onDidChange((u) => this.onDiskChange(u, false)));
    this.register(watcher.onDidCreate((u) => this.onDiskChange(u, false)));
    this.register(watcher.onDidDelete((u) => this.onDiskChange(u, true)));
    // Another task file changing can create or end a shared-slot conflict in this one.
    // Status arrives every second while tasks run: react only to what these features show.
    let runs = '', slots = '';
    this.register(model.onChange(() => {
      const tasks = model.list();
      const r = tasks.map((e) => `${e.info.file}=${e.run === 'stopped' ? 0 : 1}`).join('|');
      const s = tasks.map((e) => [e.info.file, e.info.sourceType, e.info.host, e.info.port, e.info.database, e.info.slot, e.info.serverId].join(',')).join('|');
      if (r !== runs) { runs = r; this.lensEmitter.fire(); }
      if (s !== slots) { slots = s; this.refreshOpen(); }
    }));
    this.register({ dispose: () => { for (const t of this.timers.values()) clearTimeout(t); } });
    // Loaded when the first task file opens (controller.ts): check what is open now.
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  private refreshOpenPending = false;
  private refreshOpen(): void {
    if (this.refreshOpenPending) return;
    this.refreshOpenPending = true;
    setTimeout(() => {
      this.refreshOpenPending = false;
      for (const d of vscode.workspace.textDocuments) if (isTaskDocument(d)) this.validate(d);
    }, DEBOUNCE_MS);
  }

  private schedule(doc: vscode.TextDocument, ms: number): void {
    if (!isTaskDocument(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => { this.timers.delete(key); this.validate(doc); }, ms));
  }

  /** Schema and config diagnostics, shared slots, and the last preview's warnings. */
  validate(doc: vscode.TextDocument): void {
    if (doc.isClosed) return;
    this.validateText(doc.uri, doc.getText());
  }

  private validateText(uri: vscode.Uri, text: string): void {
    const file = uri.fsPath;
    const all = diagnoseTaskText(text, file);
    const mapped = all.filter((d) => d.file === file).map((d) => mapConfigDiagnostic(text, d));
    const others = this.model.list().map((e) => e.info).filter((i) => i.file !== file);
    const slot = sharedSlotDiagnostic(text, readTaskFileInfo(file, text), others);
    if (slot) mapped.push(slot);
    mapped.push(...(this.previewDiagnostics.get(file) ?? []));
    this.diagnostics.set(uri, mapped.map(toDiagnostic));
    // Problems of the `tablesFrom` list are shown on its own lines, in its own file.
    const lists = new Set(all.filter((d) => d.file !== file).map((d) => d.file));
    const ref = readTaskFileInfo(file, text).tablesFrom;
    if (ref) lists.add(tableListPath(file, ref));
    for (const old of this.listsOf.get(file) ?? []) if (!lists.has(old)) this.diagnostics.delete(vscode.Uri.file(old));
    this.listsOf.set(file, lists);
    for (const list of lists) {
      const listText = readTextOr(list, '');
      this.diagnostics.set(vscode.Uri.file(list), all.filter((d) => d.file === list).map((d) => toDiagnostic(mapConfigDiagnostic(listText, d))));
    }
  }

  /**
   * A file changed on disk (another program, git, a terminal): an open task file is revalidated by
   * its document's events; a closed one is read again here, or cleared when it is gone. A change
   * of a `tablesFrom` list revalidates the tasks that name it.
   */
  onDiskChange(uri: vscode.Uri, deleted: boolean): void {
    if (uri.scheme !== 'file') return;
    const file = uri.fsPath;
    if (uri.path.endsWith('.sync.yaml')) this.revalidateFromDisk(uri, deleted);
    for (const [task, lists] of this.listsOf) if (lists.has(file)) this.revalidateFromDisk(vscode.Uri.file(task), false);
  }

  private revalidateFromDisk(uri: vscode.Uri, deleted: boolean): void {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) { this.schedule(open, 0); return; }
    const text = deleted ? undefined : readTextOr(uri.fsPath, undefined);
    if (text === undefined) {
      this.diagnostics.delete(uri);
      for (const list of this.listsOf.get(uri.fsPath) ?? []) this.diagnostics.delete(vscode.Uri.file(list));
      this.listsOf.delete(uri.fsPath);
      return;
    }
    this.validateText(uri, text);
  }

  /** On save: the engine's preview says which tables and patterns do not exist at the source. */
  private async semanticCheck(doc: vscode.TextDocument): Promise<void> {
    if (!isTaskDocument(doc) || doc.uri.scheme !== 'file' || !vscode.workspace.isTrusted) return;
    const file = doc.uri.fsPath;
    const text = doc.getText();
    if (diagnoseTaskText(text, file).some((d) => d.severity === 'error')) return;
    if ((await this.secrets.resolve(text)).missing.length > 0) return;
    this.previews.forget(file);
    try {
      const r = await this.previews.load(file);
      this.previewDiagnostics.set(file, r.data.warnings.map((w) => mapPreviewWarning(text, w)));
    } catch (err) {
      // Unreachable source and the like: one warning at `source`, so the file says why it was not checked.
      this.previewDiagnostics.set(file, [mapPreviewWarning(text, { message: `Not checked against the source: ${(err as Error).message.split('\n')[0]}`, severity: 'info' })]);
    }
    this.validate(doc);
  }

  async provideCompletionItems(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.CompletionItem[]> {
    const ctx = cursorContext(doc.getText(), pos.line, pos.character);
    if (!ctx) return [];
    const live = await this.liveNames(doc);
    const range = new vscode.Range(pos.line, ctx.prefixStart, pos.line, pos.character);
    return completionCandidates(taskSchema, ctx, live).map((c) => {
      const item = new vscode.CompletionItem(c.label, c.kind === 'property' ? vscode.CompletionItemKind.Property
        : c.kind === 'table' ? vscode.CompletionItemKind.Struct : c.kind === 'database' ? vscode.CompletionItemKind.Folder : vscode.CompletionItemKind.EnumMember);
      item.insertText = c.insertText;
      item.range = range;
      item.sortText = c.sortText;
      if (c.detail) item.detail = c.detail;
      if (c.documentation) item.documentation = new vscode.MarkdownString(c.documentation);
      if (c.kind === 'property' && c.insertText.includes('\n')) item.command = { command: 'editor.action.triggerSuggest', title: '' };
      return item;
    });
  }

  /** Table and database names of the live source: every table it has, else those the task maps. */
  private async liveNames(doc: vscode.TextDocument): Promise<{ tables: string[]; databases: string[] } | undefined> {
    const file = doc.uri.fsPath;
    const mapped = this.previews.cached(file);
    const fallback = mapped ? { tables: mapped.data.sourceTables, databases: mapped.data.databases } : undefined;
    if (!vscode.workspace.isTrusted || doc.uri.scheme !== 'file') return fallback;
    const text = doc.getText();
    if ((await this.secrets.resolve(text)).missing.length > 0) return fallback;
    const all = this.previews.catalog(file, text).catch(() => fallback);
    return Promise.race([all, new Promise<typeof fallback>((r) => setTimeout(() => r(fallback), LIVE_NAMES_WAIT_MS))]);
  }

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const k = keyAt(doc.getText(), pos.line, pos.character);
    if (!k) return undefined;
    const text = hoverText(taskSchema, k.path);
    return text ? new vscode.Hover(new vscode.MarkdownString(text), new vscode.Range(pos.line, k.start, pos.line, k.end)) : undefined;
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!isTaskDocument(doc) || doc.uri.scheme !== 'file') return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const arg = { file: doc.uri.fsPath };
    const run = this.model.get(doc.uri.fsPath)?.run;
    const running = run !== undefined && run !== 'stopped';
    return [
      running ? new vscode.CodeLens(top, { title: '$(debug-stop) Stop', command: COMMANDS.stop.id, arguments: [arg] })
        : new vscode.CodeLens(top, { title: '$(play) Start', command: COMMANDS.start.id, arguments: [arg] }),
      new vscode.CodeLens(top, { title: 'Preview', command: COMMANDS.previewMapping.id, arguments: [arg] }),
      new vscode.CodeLens(top, { title: 'Check', command: COMMANDS.checkSource.id, arguments: [arg] }),
      ...(running ? [new vscode.CodeLens(top, { title: 'Dashboard', command: COMMANDS.openDashboard.id, arguments: [arg] })] : []),
    ];
  }

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, ctx: vscode.CodeActionContext): vscode.CodeAction[] {
    const text = doc.getText();
    return ctx.diagnostics.filter((d) => d.code === 'plain-password').map((d) => {
      // Which secret key the warning is on: the password, or a passphrase of the SSH key / TLS key.
      const path = SECRET_VALUE_PATHS.find((p) => plainPasswordRange(text, p)?.startLine === d.range.start.line) ?? ['source', 'password'];
      const what = path[path.length - 1] === 'password' ? 'password' : 'passphrase';
      const action = new vscode.CodeAction(`Move the ${what} to VS Code secret storage`, vscode.CodeActionKind.QuickFix);
      action.diagnostics = [d];
      action.isPreferred = true;
      action.command = { command: COMMANDS.movePasswordToSecret.id, title: action.title, arguments: [doc.uri, path] };
      return action;
    });
  }

  override dispose(): void {
    super.dispose();
    this.previewDiagnostics.clear();
  }
}
