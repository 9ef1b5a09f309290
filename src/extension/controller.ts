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

  constructor(context: vscode.ExtensionContext) {
    super();
    this.secrets = new SecretStore(context.secrets);
    this.engines = this.register(new EngineManager(context, this.model, this.logs, this.secrets, this.discovery));
    this.previews = this.register(new PreviewService(this.engines, this.model));
    this.tree = this.register(new TaskTreeProvider(this.model));
    const view = this.register(vscode.window.createTreeView(TASKS_VIEW, { treeDataProvider: this.tree, showCollapseAll: true }));
    // Expanding a task with no known tables asks the engine's preview (only where engines may run).
    this.tree.onNeedTables = (file) => {
      if (vscode.workspace.isTrusted) void this.previews.load(file).catch(() => undefined);
    };
    this.register(this.model.onChange(() => {
      view.message = undefined;
      void vscode.commands.executeCommand('setContext', 'lakesync.hasTasks', this.model.list().length > 0);
      void vscode.commands.executeCommand('setContext', 'lakesync.anyRunning', this.model.running().length > 0);
    }));
    this.register(new StatusBar(this.model));
    const docs = this.register(new ReadOnlyDocuments());
    this.register(new LanguageFeatures(this.model, this.previews, this.secrets));
    const commands = new Commands({ context, model: this.model, engines: this.engines, previews: this.previews,
      discovery: this.discovery, docs, secrets: this.secrets, logs: this.logs });
    registerCommands((d) => this.register(d), commands.handlers(), this.logs.main);
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => { this.logs.main.info('workspace trusted: engines may start'); this.tree.refresh(); }));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('lakesync.engine')) this.logs.main.info('engine settings changed: they apply from the next start of each task');
    }));
  }

  async activate(): Promise<void> {
    this.logs.main.info(`LakeSync activated (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'in Restricted Mode: no engine starts'})`);
    await this.discovery.scan();
    void vscode.commands.executeCommand('setContext', 'lakesync.hasTasks', this.model.list().length > 0);
  }

  /** Engines stop first (stop request, then kill), then everything else is released. */
  async shutdown(): Promise<void> {
    try { await this.engines.stopAll(); } finally { this.dispose(); }
  }

  get commandIds(): string[] { return Object.values(COMMANDS).map((c) => c.id); }
}
