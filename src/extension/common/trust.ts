// Restricted Mode: the tree and the editor work, but no engine starts (it would run code and
// connect to servers named by files we do not trust). Commands say why instead of doing nothing.
import * as vscode from 'vscode';

export async function requireTrust(what: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  const pick = await vscode.window.showWarningMessage(
    `LakeSync starts no engine in Restricted Mode, so it cannot ${what}. Trust this workspace to run sync tasks.`, manage);
  if (pick === manage) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}
