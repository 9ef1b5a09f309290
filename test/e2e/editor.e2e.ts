// The task-file editor as a user meets it (packaged VSIX in code-server, real PostgreSQL):
// mistakes are reported at their lines, completion offers the source's real table names; and in
// Restricted Mode no engine starts and the commands say why.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { sharedPostgres, tempDir, writeTask, type ServerHandle } from '../harness';
import { launchBrowser, openWorkbench, runCommand, screenshot, startCodeServer, type CodeServer } from './lib/codeServer';
import { vsixUnderTest } from './lib/vsix';

/**
 * Opens `name` with Go to File. The picker can close again as it opens, or list the name before
 * its search settled (CI: the tab never came): on a miss, Escape and go again until the deadline.
 */
async function openFile(page: Page, name: string, timeout = 90_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      await runCommand(page, 'Go to File');
      await page.locator('.quick-input-widget input').fill(name, { timeout: 5_000 });
      await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().click({ timeout: 10_000 });
      await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: 10_000 });
      break;
    } catch (e) {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw e;
    }
  }
  await page.locator('.monaco-editor .view-lines').first().waitFor();
}

/** Engine processes working on a task file under `dir` (the engine gets the file path in argv). */
function enginesFor(dir: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => l.includes('engine.js') && l.includes(dir));
}

describe('task files in the VS Code editor (code-server, packaged VSIX)', function () {
  this.timeout(300_000);
  let pg: ServerHandle;
  let db: string;
  let vsix: string;
  let server: CodeServer | undefined;
  let browser: Browser;
  let page: Page;
  let workspace: string;

  before(async () => {
    pg = await sharedPostgres();
    db = await pg.createDatabase();
    await pg.sql(`CREATE TABLE orders (id int PRIMARY KEY, total numeric(12,2));
      CREATE TABLE customers (id int PRIMARY KEY, email text);
      CREATE TABLE products_catalog (sku text PRIMARY KEY, price numeric(10,2));`, [], { database: db });
    vsix = vsixUnderTest();
    browser = await launchBrowser();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) await screenshot(page, `failed-${this.currentTest.title.replace(/\W+/g, '-')}`);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  describe('in a trusted workspace', () => {
    before(async () => {
      workspace = tempDir('e2e-editor');
      writeTask({ name: 'shop', source: pg.source(db), mode: 'multi-table-mirror', tables: ['public.orders', 'public.customers'],
        target: { type: 'duckdb', path: '.lakehouse/shop.duckdb', namespace: 'ods' } }, workspace);
      const src = pg.source(db);
      // Line numbers matter: the mistakes are on lines 10 and 13.
      writeFileSync(path.join(workspace, 'broken.sync.yaml'), [
        'name: broken',                                  // 1
        'source:',                                       // 2
        '  type: postgres',                              // 3
        `  host: ${src.host}`,                           // 4
        `  port: ${src.port}`,                           // 5
        `  user: ${src.user}`,                           // 6
        `  password: "${src.password}"`,                 // 7
        `  database: ${db}`,                             // 8
        'target: { type: duckdb, path: .lakehouse/b.duckdb }', // 9
        'mode: multi-table-mirrorr',                     // 10
        'tables: [public.orders]',                       // 11
        'snapshot:',                                     // 12
        '  chunkSize: big',                              // 13
        '',
      ].join('\n'));
      server = await startCodeServer({ workspace, vsix, env: pg.env });
      page = await openWorkbench(browser, server, workspace);
    });
    after(async () => {
      await page?.close();
      await server?.stop();
      server = undefined;
      rmSync(workspace, { recursive: true, force: true });
    });

    it('a task file with mistakes shows diagnostics at the right lines', async () => {
      await openFile(page, 'broken.sync.yaml');
      await runCommand(page, 'View: Focus Problems');
      const rows = page.locator('.markers-panel .monaco-list-row');
      await rows.filter({ hasText: 'Ln 13' }).first().waitFor({ timeout: 60_000 });
      const texts = await rows.allInnerTexts();
      const mode = texts.find((t) => /Ln 10, Col \d+/.test(t));
      const chunk = texts.find((t) => /Ln 13, Col \d+/.test(t));
      assert.ok(mode && /mirrorr|mode|allowed|one of/i.test(mode), `no mode diagnostic on line 10 in:\n${texts.join('\n')}`);
      assert.ok(chunk && /chunkSize|integer|number/i.test(chunk), `no chunkSize diagnostic on line 13 in:\n${texts.join('\n')}`);
      // The editor paints its squiggles after the Problems list fills: wait for both.
      await page.locator('.monaco-editor .squiggly-error').nth(1).waitFor({ timeout: 30_000 });
      await screenshot(page, 'e2e-diagnostics');
    });

    it('completion offers the real table names of the source', async () => {
      await openFile(page, 'shop.sync.yaml');
      // Live names come from the engine's preview, which an unsaved buffer does not start: the
      // CodeLens "Preview" loads it (and opens the mapping preview beside).
      await page.locator('.codelens-decoration a', { hasText: 'Preview' }).click();
      await page.locator('.tab', { hasText: 'Mapping: shop' }).waitFor({ timeout: 30_000 });
      await page.locator('.tab', { hasText: 'shop.sync.yaml' }).click();
      await page.waitForTimeout(500);
      await page.locator('.monaco-editor .view-line', { hasText: 'public.customers' }).click();
      await page.keyboard.press('End');
      await page.keyboard.press('Enter');
      await page.keyboard.type('- ');
      await page.keyboard.press('Control+Space');
      const suggest = page.locator('.suggest-widget .monaco-list-row');
      await suggest.filter({ hasText: 'public.products_catalog' }).first().waitFor({ timeout: 60_000 });
      const labels = await suggest.allInnerTexts();
      assert.ok(labels.some((l) => l.includes('public.products_catalog')), labels.join(' | '));
      await screenshot(page, 'e2e-completion');
      await page.keyboard.press('Escape');
      await runCommand(page, 'File: Revert File');
    });
  });

  describe('in Restricted Mode', () => {
    before(async () => {
      workspace = tempDir('e2e-restricted');
      writeTask({ name: 'shop', source: pg.source(db), mode: 'multi-table-mirror', tables: ['public.orders'],
        target: { type: 'duckdb', path: '.lakehouse/shop.duckdb', namespace: 'ods' } }, workspace);
      server = await startCodeServer({ workspace, vsix, env: pg.env, disableWorkspaceTrust: false,
        settings: { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' } });
      page = await openWorkbench(browser, server, workspace);
    });
    after(async () => {
      await page?.close();
      await server?.stop();
      server = undefined;
      rmSync(workspace, { recursive: true, force: true });
    });

    it('the tasks are listed, Start says why nothing runs, and no engine starts', async () => {
      await page.locator('.activitybar .action-item a[aria-label^="LakeSync"]').click();
      await page.locator('.pane-body .monaco-list-row', { hasText: 'shop' }).waitFor({ timeout: 60_000 });
      await runCommand(page, 'LakeSync: Start');
      const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: 'shop' });
      if (await pick.first().waitFor({ timeout: 3_000 }).then(() => true, () => false)) await pick.first().click();
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: /Restricted Mode/ });
      await toast.waitFor({ timeout: 30_000 });
      assert.match(await toast.innerText(), /starts no engine in Restricted Mode/);
      await screenshot(page, 'e2e-restricted-mode');
      await page.waitForTimeout(2000);
      assert.deepEqual(enginesFor(workspace), []);
    });
  });
});
