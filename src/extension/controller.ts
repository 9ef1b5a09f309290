// The composition root: builds every feature once, registers every command through one helper,
// and tears things down in order (engines first, gracefully).
import * as vscode from 'vscode';
import { COMMANDS, TASKS_VIEW } from './common/commandIds';
import { Disposable } from './common/disposable';
import { ReadOnlyDocuments } from './common/documents';
import { registerCommands } from './common/registry';
import { Commands } from './commands/commands';
import { LanguageFeatures } from './editor/languageFeatures';
import { EngineManager } from './engine/engineManager';
import { PreviewService } from './engine/previewService';
import { LogChannels } from './feedback/logChannels';
import { StatusBar } from './feedback/statusBar';
import { TaskModel } from './model/taskModel';
import { SecretStore } from './secrets/secretStore';
import { TaskDiscovery } from './tasks/taskDiscovery';
import { TaskTreeProvider } from './tree/taskTreeProvider';

export class LakeSyncController extends Disposable {
  readonly model = new TaskModel();
  readonly logs = this.register(new LogChannels());
  readonly secrets: SecretStore;
  readonly discovery = this.register(new TaskDiscovery(this.model));
  readonly engines: EngineManager;
  readonly previews: PreviewService;
  readonly tree: TaskTreeProvider;
  private readonly setKey: (key: string, value: boolean) => void;

  constructor(context: vscode.ExtensionContext) {
    super();
    this.secrets = new SecretStore(context.secrets);
    this.engines = this.register(new EngineManager(context, this.model, this.logs, this.secrets, this.discovery));
    this.previews = this.register(new PreviewService(this.engines, this.model));
    this.tree = this.register(new TaskTreeProvider(this.model));
    this.register(vscode.window.createTreeView(TASKS_VIEW, { treeDataProvider: this.tree, showCollapseAll: true }));
    // Expanding a task with no known tables asks the engine's preview (only where engines may run).
    this.tree.onNeedTables = (file) => {
      if (vscode.workspace.isTrusted) void this.previews.load(file).catch(() => undefined);
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
    const docs = this.register(new ReadOnlyDocuments());
    this.register(new LanguageFeatures(this.model, this.previews, this.secrets));
    const commands = new Commands({ context, model: this.model, engines: this.engines, previews: this.previews,
      discovery: this.discovery, docs, secrets: this.secrets, logs: this.logs });
    registerCommands((d) => this.register(d), commands.handlers(), this.logs.main);
    // A running engine keeps the task it loaded: say so when its file changes, and offer a restart.
    this.register(this.discovery.onDidChangeTaskFile(async (file) => {
      const entry = this.model.get(file);
      if (!entry || !this.engines.isRunning(file)) return;
      const restart = 'Restart Task';
      const pick = await vscode.window.showInformationMessage(`${entry.info.name} is running with the previous version of its task file.`, restart);
      if (pick !== restart || !this.engines.isRunning(file)) return;
      await this.engines.stop(file);
      await vscode.commands.executeCommand(COMMANDS.start.id, { file });
    }));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => { this.logs.main.info('workspace trusted: engines may start'); this.tree.refresh(); }));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('lakesync.engine')) this.logs.main.info('engine settings changed: they apply from the next start of each task');
    }));
  }

  async activate(): Promise<void> {
    this.logs.main.info(`LakeSync activated (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'in Restricted Mode: no engine starts'})`);
    await this.discovery.scan();
    this.setKey('lakesync.hasTasks', this.model.list().length > 0);
  }

  /** Engines stop first (stop request, then kill), then everything else is released. */
  async shutdown(): Promise<void> {
    try { await this.engines.stopAll(); } finally { this.dispose(); }
  }

}
