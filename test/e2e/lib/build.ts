// Builds what the e2e tests load: the webview bundles (same options as esbuild.mjs) and the
// test-only harness extension that opens them with synthetic data.
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { ROOT } from './codeServer';

export async function buildWebviews(outDir = path.join(ROOT, 'dist', 'webview')): Promise<string> {
  await Promise.all(['preview', 'dashboard'].map((name) => esbuild.build({
    entryPoints: [path.join(ROOT, 'webview', name, 'main.ts')], outfile: path.join(outDir, `${name}.js`),
    bundle: true, sourcemap: true, platform: 'browser', format: 'iife', target: 'es2022', loader: { '.css': 'text' }, logLevel: 'warning',
  })));
  return outDir;
}

/** An unpacked extension folder: package.json, dist/harness.js, dist/webview/*.js. */
export async function buildHarnessExtension(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lakesync-harness-ext-'));
  const src = path.join(ROOT, 'test', 'e2e', 'fixtures', 'harness-ext');
  cpSync(path.join(src, 'package.json'), path.join(dir, 'package.json'));
  mkdirSync(path.join(dir, 'dist'), { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(src, 'harness.ts')], outfile: path.join(dir, 'dist', 'harness.js'),
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], logLevel: 'warning',
  });
  await buildWebviews(path.join(dir, 'dist', 'webview'));
  return dir;
}
