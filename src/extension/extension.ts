// LakeSync's VS Code entry point. Everything heavy (database drivers, DuckDB) lives in the engine
// child process; this bundle only holds the UI, the task-file editor and the engine client.
import type * as vscode from 'vscode';
import { LakeSyncController } from './controller';

let controller: LakeSyncController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<{ controller: LakeSyncController }> {
  controller = new LakeSyncController(context);
  context.subscriptions.push(controller);
  await controller.activate();
  // Exposed for the extension-host tests (test mode in code-server).
  return { controller };
}

export async function deactivate(): Promise<void> {
  const c = controller;
  controller = undefined;
  await c?.shutdown();
}
