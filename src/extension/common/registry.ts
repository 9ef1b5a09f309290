// The one place command handlers are wrapped: Restricted Mode is enforced for engine commands (a
// command can be run even when its menu is hidden) and every error reaches the person as a
// notification instead of vanishing. The ids are registered at activation (controller.ts) with
// stubs that load the features and call these wrapped handlers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { locateError } from '../feedback/errorLocation';
import { COMMANDS, type CommandKey } from './commandIds';
import { MissingSecretError } from '../secrets/secretStore';
import { requireTrust } from './trust';

export type Handler = (...args: any[]) => unknown;

export function guardHandlers(handlers: Record<CommandKey, Handler>, log: vscode.LogOutputChannel): Record<CommandKey, Handler> {
  const guarded = {} as Record<CommandKey, Handler>;
  for (const key of Object.keys(handlers) as CommandKey[]) {
    const info = COMMANDS[key];
    guarded[key] = async (...args: unknown[]) => {
      if ('needsTrust' in info && info.needsTrust && !(await requireTrust(info.title.replace(/…$/, '').toLowerCase()))) return;
      try {
        return await handlers[key](...args);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        log.error(`${info.id}: ${err instanceof Error && err.stack ? err.stack : message}`);
        if (err instanceof MissingSecretError) {
          const set = 'Set Source Password';
          if ((await vscode.window.showErrorMessage(`LakeSync: ${message}`, set)) === set) {
            await vscode.commands.executeCommand(COMMANDS.setSourcePassword.id, { file: err.file, secret: err.names[0] });
          }
          return;
        }
        // An error that names a place in a task file offers to go there.
        const at = locateError(message);
        const open = 'Open Task File';
        const pick = await vscode.window.showErrorMessage(`LakeSync: ${message.split('\n')[0]}`, ...(at ? [open] : []));
        if (pick === open && at) {
          const file = path.isAbsolute(at.file) ? at.file : vscode.workspace.workspaceFolders?.map((f) => path.join(f.uri.fsPath, at.file)).find((f) => fs.existsSync(f));
          if (file) {
            const pos = new vscode.Position(Math.max(0, at.line - 1), Math.max(0, at.column - 1));
            await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: new vscode.Range(pos, pos) });
          }
        }
      }
    };
  }
  return guarded;
}
