import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { COMMANDS } from '../../../src/extension/common/commandIds';

const root = path.resolve(__dirname, '../../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('extension manifest', () => {
  it('declares exactly the commands the code registers, with their titles', () => {
    const declared = new Map<string, string>(pkg.contributes.commands.map((c: { command: string; title: string }) => [c.command, c.title]));
    const code = Object.values(COMMANDS);
    assert.deepEqual([...declared.keys()].sort(), code.map((c) => c.id).sort());
    for (const c of code) assert.equal(declared.get(c.id), c.title, c.id);
  });

  it('menus only name declared commands', () => {
    const ids = new Set<string>(Object.values(COMMANDS).map((c) => c.id));
    for (const [menu, items] of Object.entries<{ command: string }[]>(pkg.contributes.menus)) {
      for (const i of items) assert.ok(ids.has(i.command), `${menu}: ${i.command}`);
    }
  });

  it('activates on task files, the view and commands; limited in Restricted Mode', () => {
    assert.ok(pkg.activationEvents.includes('workspaceContains:**/*.sync.yaml'));
    assert.ok(pkg.activationEvents.includes('onView:lakesync.tasks'));
    assert.ok(pkg.activationEvents.includes('onCommand:lakesync.newTask'));
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  });

  it('points at files that exist (schema, grammar, icons)', () => {
    for (const v of pkg.contributes.yamlValidation) assert.ok(fs.existsSync(path.join(root, v.url)), v.url);
    for (const g of pkg.contributes.grammars) assert.ok(fs.existsSync(path.join(root, g.path)), g.path);
    for (const c of pkg.contributes.viewsContainers.activitybar) assert.ok(fs.existsSync(path.join(root, c.icon)), c.icon);
    for (const w of pkg.contributes.walkthroughs) for (const s of w.steps) assert.ok(fs.existsSync(path.join(root, s.media.markdown)), s.media.markdown);
  });

  it('the injection grammar matches ${env:…} and ${secret:…}', () => {
    const g = JSON.parse(fs.readFileSync(path.join(root, 'syntaxes/lakesync-refs.injection.tmLanguage.json'), 'utf8'));
    const re = new RegExp(g.repository.reference.match);
    assert.deepEqual(re.exec('password: ${secret:shop-db}')!.slice(2, 5), ['secret', ':', 'shop-db']);
    assert.equal(re.exec('x: ${env:SHOP_PW}')![2], 'env');
    assert.equal(re.exec('x: ${other:A}'), null);
  });

  /** The inputs of one of the extension's bundles, built as esbuild.mjs builds it (./features kept apart). */
  async function bundleInputs(entry: string): Promise<string[]> {
    const result = await esbuild.build({
      entryPoints: [path.join(root, entry)], bundle: true, write: false, metafile: true,
      platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], logLevel: 'silent',
      plugins: [{ name: 'features-apart', setup(b) { b.onResolve({ filter: /^\.\/features$/ }, () => ({ path: './features.js', external: true })); } }],
    });
    return Object.keys(result.metafile!.inputs);
  }

  it('activation loads only the task list: no engine, no schema validator, no engine client', async () => {
    const inputs = await bundleInputs('src/extension/extension.ts');
    // What the tree needs to show a task: the YAML parser and the engine's pure naming/identity rules.
    const allowedEngine = /src\/engine\/config\/(identity|naming-rule|patterns)\.ts$/;
    assert.deepEqual(inputs.filter((i) => i.includes('src/engine/') && !allowedEngine.test(i)), []);
    assert.deepEqual(inputs.filter((i) => /node_modules\//.test(i) && !/node_modules\/(yaml|picomatch)\//.test(i)), []);
    assert.deepEqual(inputs.filter((i) => /schemas\/|src\/extension\/(engine|editor|commands|webviews|secrets)\/|webview\//.test(i)), []);
  });

  it('the features bundle holds no database driver and no DuckDB', async () => {
    const inputs = await bundleInputs('src/extension/features.ts');
    // a source's facts (source/known.ts, source/<name>/facts.ts) are plain data the config needs; nothing else of a source
    const facts = /src\/engine\/source\/(known|facts|[^/]+\/facts)\.ts$/;
    const heavy = inputs.filter((i) => /node_modules\/(pg|pg-copy-streams|mysql2|@vlasky\/zongji|@duckdb)\//.test(i) || (/src\/engine\/(source|sink|target|runtime)\//.test(i) && !facts.test(i)));
    assert.deepEqual(heavy, []);
    assert.ok(inputs.some((i) => i.includes('src/engine/config/load.ts')), 'the config loader (yaml + ajv) is bundled');
  });
});
