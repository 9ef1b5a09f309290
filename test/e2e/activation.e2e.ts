// Activation as a user meets it: the packaged VSIX in a fresh code-server whose workspace holds task
// files. Records the extension host's own activation time (VS Code's figure, as "Developer: Show
// Running Extensions" shows it, with its breakdown from "Developer: Startup Performance") and the
// time from the workbench's start to the LakeSync view's first task row, into a JSON file the
// bench reads (test/bench/run.ts, case `activation`).
// Asserts what a user relies on: the tasks are listed, and no engine process (DuckDB, the database
// drivers) starts until a task is opened. Times are recorded, never asserted (CPU shared).
import { strict as assert } from 'node:assert';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { tempDir, writeTask } from '../harness';
import { launchBrowser, RESULTS, runCommand, screenshot, startCodeServer, type CodeServer } from './lib/codeServer';
import { vsixUnderTest } from './lib/vsix';

/** Where the figures go: LAKESYNC_ACTIVATION_OUT, else test-results/activation.json. */
const OUT = process.env.LAKESYNC_ACTIVATION_OUT ?? path.join(RESULTS, 'activation.json');

/** Processes whose command line runs a file from `dir` (the engine is dist/engine.js of the installed extension). */
function processesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmd: string;
    try { cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '); } catch { continue; }
    if (cmd.includes(dir) && /engine\.js/.test(cmd)) found.push(`${pid}: ${cmd}`);
  }
  return found;
}

/** The line of the open Monaco editor that holds `text` (found with the editor's Find). */
async function editorLine(page: Page, text: string): Promise<string> {
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.waitFor({ timeout: 60_000 });
  const line = page.locator('.view-lines .view-line').filter({ hasText: text }).first();
  // The text may arrive later (the view waits for the workbench to settle); the line may be far down.
  const deadline = Date.now() + 90_000;
  while (!(await line.isVisible())) {
    if (Date.now() > deadline) throw new Error(`no line with "${text}" in the editor`);
    await editor.click();
    await page.keyboard.press('Control+F');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(text);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Escape');
    await line.waitFor({ timeout: 2_000 }).catch(() => undefined);
  }
  return (await line.innerText()).replace(/\u00a0/g, ' ');
}

/**
 * VS Code's own breakdown of LakeSync's activation, from "Developer: Startup Performance":
 * - its table "Extension Activation Stats": load code and call activate (these two make the
 *   figure Running Extensions shows), and finish activate, until the promise activate() returned
 *   resolved (work moved into that promise still counts there);
 * - the extension host's perf marks around the require() of dist/extension.js: "load code" also
 *   holds the host's own awaits before it (localized messages, a log flush), which wait behind
 *   every other extension starting at the same moment; the require alone is what the bundle costs.
 */
async function activationStats(page: Page): Promise<{ loadCodeMs: number; callActivateMs: number; finishActivateMs: number; requireMs: number }> {
  await runCommand(page, 'Developer: Startup Performance');
  // | Extension | Eager | Load Code | Call Activate | Finish Activate | Event | By |
  const stats = (await editorLine(page, '| lakesync.lakesync |')).split('|').map((c) => c.trim());
  const [loadCodeMs, callActivateMs, finishActivateMs] = stats.slice(3, 6).map(Number);
  // "Raw Perf Marks: extHost", one mark a line: name, timestamp, delta, total (tab-separated)
  const mark = async (name: string) => Number((await editorLine(page, `${name}/lakesync.lakesync`)).trim().split(/\s+/)[1]);
  const will = await mark('code/extHost/willLoadExtensionCode');
  const did = await mark('code/extHost/didLoadExtensionCode');
  const figures = { loadCodeMs, callActivateMs, finishActivateMs, requireMs: did - will };
  assert.ok(Object.values(figures).every((n) => Number.isFinite(n) && n >= 0), `${stats.join('|')} marks ${will} ${did}`);
  return figures;
}

describe('activation (code-server, packaged VSIX)', function () {
  this.timeout(300_000);
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let workspace: string;

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  it('lists the tasks without starting an engine; records the activation times', async () => {
    workspace = tempDir('e2e-activation');
    // no server behind the sources: activation and the task list must not need one
    const source = { type: 'postgres', host: '127.0.0.1', port: 9, user: 'app', password: '${env:LAKESYNC_E2E_UNUSED}', database: 'shop' };
    writeTask({ name: 'shop', source, mode: 'multi-table-mirror', tables: ['public.orders'],
      target: { type: 'duckdb', path: '.lakehouse/shop.duckdb', namespace: 'ods' } }, workspace);
    writeTask({ name: 'inventory', source, mode: 'database-mirror', databases: ['public'],
      target: { type: 'duckdb', path: '.lakehouse/inventory.duckdb', namespace: 'inv' } }, workspace);
    server = await startCodeServer({ workspace, vsix: vsixUnderTest() });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // In the page from its first script: when the workbench element appears, and when the first
    // task row of the LakeSync view does (performance.now(), ms since navigation start).
    // (a string: a function would be compiled by tsx, whose name helpers do not exist in the page)
    await page.addInitScript(`(() => {
      const marks = window.__lakesyncMarks = {};
      const observer = new MutationObserver(() => {
        if (marks.workbench === undefined && document.querySelector('.monaco-workbench')) marks.workbench = performance.now();
        if (marks.view === undefined && [...document.querySelectorAll('.pane-body .monaco-list-row .label-name')].some((r) => r.textContent === 'shop')) {
          marks.view = performance.now();
          observer.disconnect();
        }
      });
      observer.observe(document, { childList: true, subtree: true, characterData: true });
    })()`);
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    // a user opening the LakeSync view as soon as its icon is there
    const icon = page.locator('.activitybar .action-item a[aria-label^="LakeSync"]');
    await icon.waitFor({ timeout: 120_000 });
    const clickAt = await page.evaluate(() => performance.now());
    await icon.click();
    const row = (name: string) => page.locator('.pane-body .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${name}$`) }) });
    await row('shop').waitFor({ timeout: 60_000 });
    await row('inventory').waitFor();
    const marks = await page.evaluate(() => (window as unknown as { __lakesyncMarks: Record<string, number> }).__lakesyncMarks);
    assert.ok(marks.workbench !== undefined && marks.view !== undefined, JSON.stringify(marks));

    // VS Code's own measure of the activation (code loading + activate() until it resolved)
    await runCommand(page, 'Developer: Show Running Extensions');
    const entry = page.locator('.runtime-extensions-editor .extension', { has: page.locator('.name', { hasText: /^LakeSync$/ }) });
    const time = entry.locator('.activation-time');
    await time.filter({ hasText: /\d+ms/ }).waitFor({ timeout: 60_000 });
    const text = await time.innerText();
    const activationMs = Number(/(\d+)ms/.exec(text)![1]);
    await screenshot(page, 'e2e-activation');
    const stats = await activationStats(page);
    // the same measure as Running Extensions: load code + call activate
    assert.equal(stats.loadCodeMs + stats.callActivateMs, activationMs, JSON.stringify(stats));

    // the tasks are listed and nothing of the engine runs: it starts when a task is opened
    const installed = readdirSync(server.extensionsDir).find((d) => d.startsWith('lakesync.lakesync-'));
    assert.ok(installed, `LakeSync is not in ${server.extensionsDir}`);
    assert.deepEqual(processesUnder(path.join(server.extensionsDir, installed)), []);

    const figures = {
      when: new Date().toISOString(),
      activationMs, activationText: text.trim(), ...stats,
      viewFirstRenderMs: Math.round(marks.view - marks.workbench),
      viewAfterClickMs: Math.round(marks.view - clickAt),
      workbenchMs: Math.round(marks.workbench),
    };
    mkdirSync(path.dirname(OUT), { recursive: true });
    writeFileSync(OUT, JSON.stringify(figures, null, 2) + '\n');
    console.log(`      activation: ${JSON.stringify(figures)}`);
  });
});
