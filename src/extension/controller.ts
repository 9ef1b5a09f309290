// The composition root. Activation builds only what lists the tasks (model, discovery, tree,
// status bar) and registers every command id; the rest (engine client, previews, the task-file
// editor, command handlers, webviews: features.ts, its own bundle) is loaded on first use:
// a command, a task file opened or written, a task expanded in the tree. Teardown in order
// (engines first, gracefully).
import * as vscode from 'vscode';
import { COMMANDS, TASKS_VIEW, type CommandKey } from './common/commandIds';
import { Disposable } from './common/disposable';
import { ReadOnlyDocuments } from './common/documents';
import type { Features } from './features';
import { LogChannels } from './feedback/logChannels';
import { StatusBar } from './feedback/statusBar';
import { isTaskDocument } from './model/taskFile';
import { TaskModel } from './model/taskModel';
import { TaskDiscovery } from './tasks/taskDiscovery';
import { TaskTreeProvider } from './tree/taskTreeProvider';

export class LakeSyncController extends Disposable {
  readonly model = new TaskModel();
  readonly logs = this.register(new LogChannels());
  readonly discovery = this.register(new TaskDiscovery(this.model));
  readonly tree: TaskTreeProvider;
  private readonly docs = this.register(new ReadOnlyDocuments());
  private loaded?: Features;
  private readonly setKey: (key: string, value: boolean) => void;

  constructor(private readonly context: vscode.ExtensionContext) {
    super();
    this.tree = this.register(new TaskTreeProvider(this.model));
    this.register(vscode.window.createTreeView(TASKS_VIEW, { treeDataProvider: this.tree, showCollapseAll: true }));
    // Expanding a task with no known tables asks the engine's preview (only where engines may run).
    this.tree.onNeedTables = (file) => {
      if (vscode.workspace.isTrusted) void this.features().previews.load(file).catch(() => undefined);
    };
    // Context keys for `when` clauses, set only when they change (status arrives every second).
    const keys = new Map<string, boolean>();
    const setKey = (key: string, value: boolean) => {
      if (keys.get(key) === value) return;
      keys.set(key, value);
      void vscode.commands.executeCommand('setContext', key, value);
    };
    this.register(this.model.onChange(() => {
      setKey('lakesync.hasTasks', this.model.list().length > 0);
      setKey('lakesync.anyRunning', this.model.running().length > 0);
    }));
    this.setKey = setKey;
    this.register(new StatusBar(this.model));
    // Every command id now; its handler (and everything it needs) on its first call.
    for (const key of Object.keys(COMMANDS) as CommandKey[]) {
      this.register(vscode.commands.registerCommand(COMMANDS[key].id, (...args: unknown[]) => this.features().handlers[key](...args)));
    }
    // The task-file editor (diagnostics, completion, hover, CodeLens) from the first task file opened,
    // or written on disk while not open (its diagnostics show in Problems).
    this.register(vscode.workspace.onDidOpenTextDocument((d) => { if (isTaskDocument(d)) this.features(); }));
    this.register(this.discovery.onDidWriteTaskFile((uri) => {
      if (!this.loaded) this.features().editor.onDiskChange(uri, false);
    }));
    // A running engine keeps the task it loaded: say so when its file changes, and offer a restart.
    this.register(this.discovery.onDidChangeTaskFile(async (file) => {
      const entry = this.model.get(file);
      const engines = this.loaded?.engines;
      if (!entry || !engines?.isRunning(file)) return;
      const restart = 'Restart Task';
      const pick = await vscode.window.showInformationMessage(`${entry.info.name} is running with the previous version of its task file.`, restart);
      if (pick !== restart || !engines.isRunning(file)) return;
      await engines.stop(file);
      await vscode.commands.executeCommand(COMMANDS.start.id, { file });
    }));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => { this.logs.main.info('workspace trusted: engines may start'); this.tree.refresh(); }));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('lakesync.engine')) this.logs.main.info('engine settings changed: they apply from the next start of each task');
    }));
  }

  /** Whether the features bundle was loaded (the activation tests read it). */
  get featuresLoaded(): boolean { return this.loaded !== undefined; }

  /** The features (features.ts), loaded from dist/features.js on first use. */
  features(): Features {
    if (!this.loaded) {
      const started = Date.now();
      // A require, not an import: esbuild keeps ./features out of this bundle (esbuild.mjs).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Features } = require('./features') as typeof import('./features');
      this.loaded = this.register(new Features({ context: this.context, model: this.model, logs: this.logs, discovery: this.discovery, docs: this.docs }));
      this.logs.main.info(`loaded the engine client and task-file editor in ${Date.now() - started} ms`);
    }
    return this.loaded;
  }

  async activate(): Promise<void> {
    this.logs.main.info(`LakeSync activated (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'in Restricted Mode: no engine starts'})`);
    // A task file already open (a restored editor) gets its diagnostics at once.
    if (vscode.workspace.textDocuments.some(isTaskDocument)) this.features();
    await this.discovery.scan();
    this.setKey('lakesync.hasTasks', this.model.list().length > 0);
  }

  /** Engines stop first (stop request, then kill), then everything else is released. */
  async shutdown(): Promise<void> {
    try { await this.loaded?.engines.stopAll(); } finally { this.dispose(); }
  }
}
