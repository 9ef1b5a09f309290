// .vscode-test.mjs (the @vscode/test-cli convention): running it for real downloads VS Code, so
// here it is checked for what the runner reads: a built bundle of the host suites, this folder as
// the extension, a workspace holding the task file the suites open.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

describe('.vscode-test.mjs', function () {
  this.timeout(60_000);

  it('configures the extension-host suites for npx vscode-test', async () => {
    const root = resolve(__dirname, '../../..');
    const config = (await import(pathToFileURL(join(root, '.vscode-test.mjs')).href) as { default: Record<string, unknown> }).default;
    assert.equal(config.extensionDevelopmentPath, root);
    assert.ok(existsSync(join(root, 'package.json')));
    const bundle = readFileSync(config.files as string, 'utf8');
    // every suite of test/e2e/host is in the bundle, and vscode is left to the extension host
    assert.match(bundle, /LakeSync in the extension host/);
    assert.match(bundle, /require\("vscode"\)/);
    assert.ok(existsSync(join(config.workspaceFolder as string, 'shop.sync.yaml')));
    assert.equal((config.mocha as { ui: string }).ui, 'bdd');
    assert.ok((config.env as Record<string, string>).LAKESYNC_HOST_RESULTS);
  });
});
