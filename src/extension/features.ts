// Everything that is not needed to list the tasks: the engine client, previews, the task-file
// editor (schema validation, completion), the command handlers and the webviews. Bundled apart
// (dist/features.js) and loaded by the controller on first use: a command, a task file opened or
// written, a task expanded in the tree. Activation loads none of it (docs/performance.md).
import type * as vscode from 'vscode';
import type { CommandKey } from './common/commandIds';
import { Disposable } from './common/disposable';
import type { ReadOnlyDocuments } from './common/documents';
import { guardHandlers, type Handler } from './common/registry';
import { Commands } from './commands/commands';
import { LanguageFeatures } from './editor/languageFeatures';
import { EngineManager } from './engine/engineManager';
import { PreviewService } from './engine/previewService';
import type { LogChannels } from './feedback/logChannels';
import type { TaskModel } from './model/taskModel';
import { SecretStore } from './secrets/secretStore';
import type { TaskDiscovery } from './tasks/taskDiscovery';

export interface FeatureDeps {
  context: vscode.ExtensionContext;
  model: TaskModel;
  logs: LogChannels;
  discovery: TaskDiscovery;
  docs: ReadOnlyDocuments;
}

export class Features extends Disposable {
  readonly secrets: SecretStore;
  readonly engines: EngineManager;
  readonly previews: PreviewService;
  readonly editor: LanguageFeatures;
  /** Every command's handler, guarded (Restricted Mode, errors as notifications). */
  readonly handlers: Record<CommandKey, Handler>;

  constructor(d: FeatureDeps) {
    super();
    this.secrets = new SecretStore(d.context.secrets);
    this.engines = this.register(new EngineManager(d.context, d.model, d.logs, this.secrets, d.discovery));
    this.previews = this.register(new PreviewService(this.engines, d.model));
    this.editor = this.register(new LanguageFeatures(d.model, this.previews, this.secrets));
    const commands = new Commands({ context: d.context, model: d.model, engines: this.engines, previews: this.previews,
      discovery: d.discovery, docs: d.docs, secrets: this.secrets, logs: d.logs });
    this.handlers = guardHandlers(commands.handlers(), d.logs.main);
  }
}
