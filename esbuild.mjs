// Builds the three bundles: the extension (loaded by VS Code), the engine (child process and CLI)
// and the webviews. Native DuckDB stays external: it ships as its platform package in the VSIX.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// keepNames: @vlasky/zongji names binlog events by constructor.name; without it the bundle renames
// its Query class (Query2) and every QUERY event (COMMIT, DDL, TRUNCATE) goes unrecognised.
const common = { bundle: true, sourcemap: !production, minify: production, keepNames: true, logLevel: 'info' };

const builds = [
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js',
    platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] },
  { ...common, entryPoints: ['src/engine/cli.ts'], outfile: 'dist/engine.js',
    platform: 'node', format: 'cjs', target: 'node20',
    // ssh2's native crypto is optional (it falls back to Node's crypto when the require fails).
    external: ['@duckdb/node-api', '@duckdb/node-bindings', 'pg-native', 'cpu-features', './crypto/build/Release/sshcrypto.node'] },
];
for (const name of ['preview', 'dashboard']) {
  const entry = `webview/${name}/main.ts`;
  if (existsSync(entry)) {
    builds.push({ ...common, entryPoints: [entry], outfile: `dist/webview/${name}.js`,
      platform: 'browser', format: 'iife', target: 'es2022', loader: { '.css': 'text' } });
  }
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
