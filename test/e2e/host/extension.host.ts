// Runs inside code-server's extension host with the real `vscode` API (see
// fixtures/host-runner-ext). The workspace holds shop.sync.yaml pointing at the harness's PostgreSQL.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const ID = 'lakesync.lakesync';

async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('LakeSync in the extension host', () => {
  it('activates in a workspace with task files', async () => {
    const ext = vscode.extensions.getExtension(ID);
    assert.ok(ext, `${ID} is not installed`);
    await until('activation', () => ext.isActive || undefined);
  });

  it('registers every command its manifest contributes', async () => {
    const ext = vscode.extensions.getExtension(ID)!;
    const manifest = JSON.parse(readFileSync(path.join(ext.extensionPath, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = manifest.contributes.commands.map((c) => c.command).filter((c) => !registered.has(c));
    assert.deepEqual(missing, []);
  });

  it('Preview Mapping opens the mapping preview panel for a task file', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    await vscode.commands.executeCommand('lakesync.previewMapping', { file: path.join(folder, 'shop.sync.yaml') });
    const tab = await until('the preview tab', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs)
      .find((t) => t.input instanceof vscode.TabInputWebview && t.label === 'Mapping: shop'));
    assert.ok((tab.input as vscode.TabInputWebview).viewType.endsWith('lakesync.mappingPreview'));
  });

  it('the environment of code-server reaches the extension host', () => {
    assert.ok(process.env.LAKESYNC_HOST_RESULTS);
  });
});
