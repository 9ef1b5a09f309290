// Configuration of @vscode/test-cli, the usual runner of extension tests in a desktop VS Code:
//
//   npm run build && npx --package @vscode/test-cli --package @vscode/test-electron vscode-test
//
// It runs the extension-host suites of test/e2e/host (the real `vscode` API, this folder as the
// extension under development) in a VS Code it downloads into .vscode-test/. CI here runs the same
// suites inside code-server instead (test/e2e/host.e2e.ts), which needs no download.
// A plain object (what defineConfig returns), so reading this file needs no package installed.
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const suites = join(root, 'test', 'e2e', 'host');
const out = join(root, 'out', 'host');

// The suites are TypeScript: one CommonJS bundle for the extension host's mocha (`vscode` is its own).
mkdirSync(out, { recursive: true });
const files = readdirSync(suites).filter((f) => f.endsWith('.host.ts')).sort();
esbuild.buildSync({
  bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'mocha'], logLevel: 'warning',
  outfile: join(out, 'suites.test.js'),
  stdin: { contents: files.map((f) => `import './${f}';`).join('\n'), resolveDir: suites, loader: 'ts' },
});

// The workspace the suites expect: a task file named shop (its source need not be reachable).
const workspace = mkdtempSync(join(tmpdir(), 'lakesync-vscode-test-'));
writeFileSync(join(workspace, 'shop.sync.yaml'), [
  'name: shop',
  'source: {type: postgres, host: 127.0.0.1, port: 5432, user: lakesync, password: "${env:SHOP_DB_PASSWORD}", database: shop}',
  'mode: multi-table-mirror',
  'tables: [public.orders]',
  'target: {type: duckdb, path: .lakehouse/shop.duckdb, namespace: ods}',
  '',
].join('\n'));

export default {
  label: 'extension-host',
  files: join(out, 'suites.test.js'),
  version: 'stable',
  extensionDevelopmentPath: root,
  workspaceFolder: workspace,
  launchArgs: ['--disable-extensions'],
  env: { LAKESYNC_HOST_RESULTS: join(workspace, 'host-results.json') },
  mocha: { ui: 'bdd', timeout: 120_000 },
};
