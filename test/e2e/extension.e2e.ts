// LakeSync as a user meets it: the packaged VSIX installed into a fresh code-server, a workspace
// with task files pointing at a real PostgreSQL (the harness's), driven in Chromium.
import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { sharedPostgres, tempDir, writeTask, type ServerHandle } from '../harness';
import { launchBrowser, openWorkbench, screenshot, startCodeServer, webviewFrame, type CodeServer } from './lib/codeServer';
import { vsixUnderTest } from './lib/vsix';

describe('LakeSync in VS Code (code-server, packaged VSIX)', function () {
  this.timeout(300_000);
  let pg: ServerHandle;
  let server: CodeServer;
  let browser: Browser;
  let page: Page;
  let workspace: string;

  before(async () => {
    pg = await sharedPostgres();
    const db = await pg.createDatabase();
    await pg.sql(`CREATE TABLE orders (id int PRIMARY KEY, total numeric(12,2) NOT NULL, note text, created_at timestamptz);
      CREATE TABLE customers (id bigint PRIMARY KEY, email varchar(200) NOT NULL, tags text[]);
      INSERT INTO orders VALUES (1, 12.50, 'first', now()), (2, 99.00, NULL, now());
      INSERT INTO customers VALUES (10, 'a@example.com', '{x,y}');`, [], { database: db });
    workspace = tempDir('e2e-ws');
    writeTask({ name: 'shop', source: pg.source(db), mode: 'multi-table-mirror', tables: ['public.orders', 'public.customers'],
      target: { type: 'duckdb', path: '.lakehouse/shop.duckdb', namespace: 'ods' } }, workspace);
    writeTask({ name: 'inventory', source: pg.source(db), mode: 'database-mirror', databases: ['public'],
      target: { type: 'duckdb', path: '.lakehouse/inventory.duckdb', namespace: 'inv' } }, workspace);
    const vsix = vsixUnderTest();
    server = await startCodeServer({ workspace, vsix, env: pg.env });
    browser = await launchBrowser();
    page = await openWorkbench(browser, server, workspace);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) await screenshot(page, `failed-${this.currentTest.title.replace(/\W+/g, '-')}`);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  const taskRow = (name: string) => page.locator('.pane-body .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${name}$`) }) });

  it('the LakeSync view lists the tasks', async () => {
    await page.locator('.activitybar .action-item a[aria-label^="LakeSync"]').click();
    await taskRow('shop').waitFor({ timeout: 60_000 });
    await taskRow('inventory').waitFor();
    const labels = await page.locator('.pane-body .monaco-list-row .label-name').allInnerTexts();
    assert.ok(labels.includes('shop') && labels.includes('inventory'), labels.join(', '));
    await screenshot(page, 'e2e-tree');
  });

  it('the mapping preview renders the tables and their types', async () => {
    await taskRow('shop').click({ button: 'right' });
    await page.locator('.monaco-menu .action-label', { hasText: /^Preview Mapping$/ }).click();
    const preview = await webviewFrame(page, 'preview', 60_000);
    await preview.locator('details.table').first().waitFor({ timeout: 60_000 });
    const targets = await preview.locator('details.table').evaluateAll((els) => els.map((e) => e.getAttribute('data-target')).sort());
    assert.deepEqual(targets, ['ods.customers', 'ods.orders']);
    const total = await preview.locator('details.table[data-target="ods.orders"] tr', { hasText: 'total' }).innerText();
    assert.match(total, /numeric\(12,\s?2\)\s*→\s*DECIMAL\(12,\s?2\)/i);
    await page.waitForTimeout(500);
    await screenshot(page, 'e2e-preview');
  });
});
