// Builds the bundles: the extension (loaded by VS Code, in two parts), the engine (child process
// and CLI) and the webviews. Native DuckDB stays external: it ships as its platform package in the VSIX.
import * as esbuild from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { URL } from 'node:url';
import { zongjiNames } from './scripts/zongji-names.mjs';

const engineOptions = JSON.parse(readFileSync(new URL('./engine.esbuild.json', import.meta.url), 'utf8'));

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// keepNames for the extension and webviews (readable names in stack traces); the engine turns it off
// (engine.esbuild.json) and pins zongji's event class names instead (scripts/zongji-names.mjs).
const common = { bundle: true, sourcemap: !production, minify: production, keepNames: true, logLevel: 'info' };

// The extension is two bundles: dist/extension.js, what activation loads (the task list), and
// dist/features.js (engine client, task-file editor, commands, webviews), which the controller
// requires on first use. The entry's `require('./features')` stays a require of that file.
const extension = { platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] };
const featuresApart = {
  name: 'features-apart',
  setup(b) { b.onResolve({ filter: /^\.\/features$/ }, () => ({ path: './features.js', external: true })); },
};

const builds = [
  { ...common, ...extension, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', plugins: [featuresApart] },
  { ...common, ...extension, entryPoints: ['src/extension/features.ts'], outfile: 'dist/features.js' },
  // engine.esbuild.json: the engine's options, shared with the bench's own bundle (test/bench/engine.ts).
  // Its externals: native DuckDB, and ssh2's optional native crypto (ssh2 falls back to Node's crypto).
  // keepNames off (engine.esbuild.json): it costs ~10% of streaming CPU; zongjiNames pins the one
  // set of class names the engine relies on.
  { ...common, ...engineOptions, plugins: [zongjiNames], outfile: 'dist/engine.js' },
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
