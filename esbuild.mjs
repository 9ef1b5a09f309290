// Builds the three bundles: the extension (loaded by VS Code), the engine (child process and CLI)
// and the webviews. Native DuckDB stays external: it ships as its platform package in the VSIX.
import * as esbuild from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { URL } from 'node:url';

const engineOptions = JSON.parse(readFileSync(new URL('./engine.esbuild.json', import.meta.url), 'utf8'));

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// keepNames: @vlasky/zongji names binlog events by constructor.name; without it the bundle renames
// its Query class (Query2) and every QUERY event (COMMIT, DDL, TRUNCATE) goes unrecognised.
const common = { bundle: true, sourcemap: !production, minify: production, keepNames: true, logLevel: 'info' };

const builds = [
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js',
    platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] },
  // engine.esbuild.json: the engine's options, shared with the bench's own bundle (test/bench/engine.ts).
  // Its externals: native DuckDB, and ssh2's optional native crypto (ssh2 falls back to Node's crypto).
  { ...common, ...engineOptions, outfile: 'dist/engine.js' },
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
