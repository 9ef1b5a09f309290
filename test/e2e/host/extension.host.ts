// Runs inside code-server's extension host with the real `vscode` API (see
// fixtures/host-runner-ext). The workspace holds shop.sync.yaml pointing at the harness's PostgreSQL.
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
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

  it('loads the engine client and the task-file editor only when a task file needs them', async () => {
    const ext = vscode.extensions.getExtension(ID)!;
    await until('activation', () => ext.isActive || undefined);
    // Node's module cache of this extension host: what LakeSync's code has required so far.
    const features = realpathSync(path.join(ext.extensionPath, 'dist', 'features.js'));
    const loaded = () => require.cache[features] !== undefined;
    assert.ok(!loaded(), 'dist/features.js (engine client, schema validator) was loaded at activation');
    // Another program writes a broken task file: its diagnostics need the validator, never opened
    // in an editor (opening one is the other way in: test/e2e/editor.e2e.ts).
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const uri = vscode.Uri.file(path.join(folder, 'written.sync.yaml'));
    writeFileSync(uri.fsPath, 'source: {type: mysql, host: db, user: u}\nmode: multi-table-mirror\ntables: [shop.orders]\nsnapshot: {chunkSize: "many"}\n');
    await until('the error of the written file', () => vscode.languages.getDiagnostics(uri).some((d) => /snapshot\.chunkSize/.test(d.message)) || undefined);
    assert.ok(loaded());
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString()), 'the task file was never opened');
    rmSync(uri.fsPath);
    await until('its diagnostics to go with the file', () => vscode.languages.getDiagnostics(uri).length === 0 || undefined);
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

  it('diagnostics follow task files and table lists rewritten on disk while no editor has them open', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const file = path.join(folder, 'disk.sync.yaml');
    const uri = vscode.Uri.file(file);
    const errors = (u: vscode.Uri) => vscode.languages.getDiagnostics(u).filter((d) => d.severity === vscode.DiagnosticSeverity.Error).map((d) => d.message);
    const task = (chunk: string) => `source: {type: mysql, host: db, user: u}\nmode: multi-table-mirror\ntablesFrom: disk-tables.txt\nsnapshot: {chunkSize: ${chunk}}\n`;
    const list = path.join(folder, 'disk-tables.txt');
    writeFileSync(list, 'shop.orders\n');
    writeFileSync(file, task('"many"'));
    await until('the error of the new file', () => errors(uri).some((m) => /snapshot\.chunkSize/.test(m)) || undefined);
    writeFileSync(file, task('100'));
    await until('the error to go when another program fixes the file', () => errors(uri).length === 0 || undefined);
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString()), 'the task file was never opened');
    writeFileSync(list, 'shop.orders\nshop\n');
    const listUri = vscode.Uri.file(list);
    const bad = await until('the bad list line on the list file', () => vscode.languages.getDiagnostics(listUri).find((d) => /not of the form db\.table/.test(d.message)));
    assert.equal(bad.range.start.line, 1);
    writeFileSync(list, 'shop.orders\nshop.customers\n');
    await until('the list error to go', () => vscode.languages.getDiagnostics(listUri).length === 0 || undefined);
  });

  it('Import Table List points a task at a checked list file (tablesFrom, relative to the task)', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const file = path.join(folder, 'shop.sync.yaml');
    mkdirSync(path.join(folder, 'lists'), { recursive: true });
    const list = path.join(folder, 'lists', 'shop-tables.txt');
    writeFileSync(list, '# from the shop team\npublic.orders\npublic.order_*   # later ones too\n');
    await vscode.commands.executeCommand('lakesync.importTableList', { file, list });
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^tablesFrom: lists\/shop-tables\.txt$/m);
    assert.match(text, /^mode: multi-table-mirror$/m);
    assert.ok(!vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file)?.isDirty, 'the task file is saved');
  });

  it('the environment of code-server reaches the extension host', () => {
    assert.ok(process.env.LAKESYNC_HOST_RESULTS);
  });
});
