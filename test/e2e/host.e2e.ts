// The extension-host suites (test/e2e/host/*.host.ts) run inside code-server with the real
// `vscode` API, through the test-only runner extension installed next to the packaged LakeSync.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { sharedPostgres, tempDir, writeTask } from '../harness';
import { buildHostRunnerExtension } from './lib/build';
import { launchBrowser, openWorkbench, startCodeServer, type CodeServer } from './lib/codeServer';
import { vsixUnderTest } from './lib/vsix';

interface HostResults { passed: number; failed: number; done?: boolean; tests: { title: string; state: string; error?: string }[] }

describe('extension-host tests (mocha inside code-server)', function () {
  this.timeout(300_000);
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let runnerDir: string | undefined;

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (runnerDir) rmSync(runnerDir, { recursive: true, force: true });
  });

  it('the extension-host suites pass', async () => {
    const pg = await sharedPostgres();
    const db = await pg.createDatabase();
    await pg.sql('CREATE TABLE orders (id int PRIMARY KEY, total numeric(12,2))', [], { database: db });
    const workspace = tempDir('e2e-host');
    writeTask({ name: 'shop', source: pg.source(db), mode: 'multi-table-mirror', tables: ['public.orders'],
      target: { type: 'duckdb', path: '.lakehouse/shop.duckdb', namespace: 'ods' } }, workspace);
    runnerDir = await buildHostRunnerExtension();
    const results = path.join(tempDir('e2e-host-results'), 'results.json');
    server = await startCodeServer({ workspace, vsix: vsixUnderTest(), extensionFolder: runnerDir,
      env: { ...pg.env, LAKESYNC_HOST_RESULTS: results, LAKESYNC_HOST_MOCHA: require.resolve('mocha') } });
    // The extension host starts when a window connects.
    browser = await launchBrowser();
    await openWorkbench(browser, server, workspace);
    const end = Date.now() + 240_000;
    let r: HostResults | undefined;
    while (Date.now() < end) {
      if (existsSync(results)) {
        r = JSON.parse(readFileSync(results, 'utf8')) as HostResults;
        if (r.done) break;
      }
      await new Promise((res) => setTimeout(res, 500));
    }
    assert.ok(r?.done, `no results from the extension host in ${results}\n${server.logs.join('').slice(-3000)}`);
    for (const t of r.tests) console.log(`      ${t.state === 'passed' ? '✔' : '✘'} [host] ${t.title}`);
    const failures = r.tests.filter((t) => t.state !== 'passed').map((t) => `${t.title}: ${t.error}`);
    assert.deepEqual(failures, []);
    assert.ok(r.passed >= 4, `only ${r.passed} host tests ran`);
  });
});
