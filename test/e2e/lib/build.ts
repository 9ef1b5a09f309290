// Builds what the e2e tests load: the webview bundles (same options as esbuild.mjs) and the
// test-only harness extension that opens them with synthetic data.
import { cpSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
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

/**
 * The extension-host test runner (fixtures/host-runner-ext) with the suites of test/e2e/host
 * bundled beside it as dist/tests.js; `vscode` stays external (the extension host provides it).
 */
export async function buildHostRunnerExtension(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lakesync-host-runner-'));
  const src = path.join(ROOT, 'test', 'e2e', 'fixtures', 'host-runner-ext');
  const suites = path.join(ROOT, 'test', 'e2e', 'host');
  cpSync(path.join(src, 'package.json'), path.join(dir, 'package.json'));
  const common = { bundle: true, platform: 'node' as const, format: 'cjs' as const, target: 'node20', external: ['vscode'], logLevel: 'warning' as const };
  await esbuild.build({ ...common, entryPoints: [path.join(src, 'runner.ts')], outfile: path.join(dir, 'dist', 'runner.js') });
  const files = readdirSync(suites).filter((f) => f.endsWith('.host.ts')).sort();
  await esbuild.build({ ...common, outfile: path.join(dir, 'dist', 'tests.js'),
    stdin: { contents: files.map((f) => `import './${f}';`).join('\n'), resolveDir: suites, loader: 'ts' } });
  return dir;
}
