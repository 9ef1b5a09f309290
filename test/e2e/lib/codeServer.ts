// Starts code-server (VS Code's workbench + Node extension host, installed offline by
// scripts/install-code-server.sh) on a free port with a fresh user-data dir, and drives it with
// playwright-core in Debian's Chromium. Recipe: docs/webviews.md, "End-to-end".
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '../../..');
export const RESULTS = path.join(ROOT, 'test-results');
const CODE_SERVER_DIR = process.env.LAKESYNC_CODE_SERVER_DIR ?? path.join(ROOT, '.vscode-test', 'code-server');
const ENTRY = path.join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = process.env.LAKESYNC_CHROMIUM ?? '/usr/bin/chromium';

export interface CodeServer {
  url: string;
  home: string;
  userDataDir: string;
  extensionsDir: string;
  logs: string[];
  stop(): Promise<void>;
}

export interface StartOptions {
  workspace: string;
  /** A VSIX to install into the fresh extensions dir before starting. */
  vsix?: string;
  /** Or an unpacked extension folder to link as publisher.name-version. */
  extensionFolder?: string;
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  /** false: keep workspace trust on (the Restricted Mode test). */
  disableWorkspaceTrust?: boolean;
}

export function ensureInstalled(): void {
  if (existsSync(ENTRY)) return;
  const r = spawnSync('bash', [path.join(ROOT, 'scripts', 'install-code-server.sh')], { stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(ENTRY)) throw new Error('code-server is not installed: run scripts/install-code-server.sh');
}

export async function startCodeServer(o: StartOptions): Promise<CodeServer> {
  ensureInstalled();
  const home = mkdtempSync(path.join(os.tmpdir(), 'lakesync-e2e-'));
  const userDataDir = path.join(home, 'user');
  const extensionsDir = path.join(home, 'extensions');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'window.restoreWindows': 'none',
    'workbench.enableExperiments': false,
    'chat.disableAIFeatures': true,
    ...o.settings,
  }, null, 2));
  const base = ['--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override',
    '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  if (o.vsix) {
    const r = spawnSync(process.execPath, [ENTRY, ...base, '--install-extension', o.vsix], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`installing ${o.vsix} failed:\n${r.stdout}\n${r.stderr}`);
  }
  if (o.extensionFolder) {
    const pkg = JSON.parse(readFileSync(path.join(o.extensionFolder, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
    const folder = `${pkg.publisher}.${pkg.name}-${pkg.version}`;
    symlinkSync(o.extensionFolder, path.join(extensionsDir, folder));
    // Once a VSIX is installed the dir has a registry (extensions.json), and folders missing from
    // it are treated as removed: register the unpacked one there too.
    const registry = path.join(extensionsDir, 'extensions.json');
    if (existsSync(registry)) {
      const entries = JSON.parse(readFileSync(registry, 'utf8')) as Record<string, unknown>[];
      entries.push({
        identifier: { id: `${pkg.publisher}.${pkg.name}`.toLowerCase() }, version: pkg.version,
        location: { $mid: 1, path: path.join(extensionsDir, folder), scheme: 'file' }, relativeLocation: folder,
        metadata: { installedTimestamp: Date.now(), source: 'vsix' },
      });
      writeFileSync(registry, JSON.stringify(entries));
    }
  }
  const args = [ENTRY, ...base, '--bind-addr', '127.0.0.1:0', '--ignore-last-opened'];
  if (o.disableWorkspaceTrust !== false) args.push('--disable-workspace-trust');
  args.push(o.workspace);
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: false,
  });
  const logs: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start:\n${logs.join('')}`)), 60_000);
    const onData = (b: Buffer) => {
      const text = b.toString();
      logs.push(text);
      const m = /HTTP server listening on (http:\/\/[^\s]+)/.exec(text);
      if (m) { clearTimeout(timer); resolve(m[1].replace(/\/$/, '')); }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`code-server exited ${code}:\n${logs.join('')}`)); });
  });
  return {
    url, home, userDataDir, extensionsDir, logs,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => { const t = setTimeout(() => { child.kill('SIGKILL'); r(undefined); }, 5000); child.once('exit', () => { clearTimeout(t); r(undefined); }); });
      }
      if (!process.env.LAKESYNC_E2E_KEEP) rmSync(home, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export async function openWorkbench(browser: Browser, server: CodeServer, folder: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  // The activity bar is drawn once the extension host has read the contributions.
  await page.waitForSelector('.activitybar .action-item', { timeout: 60_000 });
  return page;
}

/**
 * Runs a command by its palette title (F1, type, Enter). Retries until `timeout`: right after
 * the workbench appears, the extension's commands may not be registered yet.
 */
export async function runCommand(page: Page, title: string, timeout = 60_000): Promise<void> {
  const deadline = Date.now() + timeout;
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 0; ; attempt++) {
    // Focus may sit inside a webview (which forwards keys) or a closing picker: try both keys.
    await page.keyboard.press(attempt % 2 ? 'Control+Shift+P' : 'F1');
    if (!(await input.waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false))) {
      if (Date.now() > deadline) throw new Error(`the command palette did not open for "${title}"`);
      await page.keyboard.press('Escape');
      continue;
    }
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    try {
      // the palette may close again as it opens (focus taken back by a webview that just loaded)
      await input.fill(`>${title}`, { timeout: 5_000 });
      await row.waitFor({ state: 'visible', timeout: 5_000 });
      await row.click();
      return;
    } catch (e) {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw e;
    }
  }
}

/**
 * Runs `label` from the context menu of `target`. The workbench's menus ignore a click that
 * arrives right after they open, so wait a moment and check the menu closed.
 */
export async function contextMenu(page: Page, target: Locator, label: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    await target.click({ button: 'right' });
    const item = page.locator('.monaco-menu .action-item', { has: page.locator('.action-label', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    await page.waitForTimeout(300);
    await item.hover();
    await page.waitForTimeout(100);
    await item.click();
    if (await page.locator('.monaco-menu').waitFor({ state: 'hidden', timeout: 2_000 }).then(() => true, () => false)) return;
    await page.keyboard.press('Escape');
  }
  throw new Error(`context menu item "${label}" did not run`);
}

/** Switches the colour theme through the palette, as a person would. */
export async function setColorTheme(page: Page, theme: string): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  const input = page.locator('.quick-input-widget input');
  await input.fill(theme);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: theme }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  // The workbench marks the theme kind on its root: vs (light), vs-dark, hc-black, hc-light.
  const kind = /high contrast/i.test(theme) ? (/light/i.test(theme) ? 'hc-light' : 'hc-black') : /light/i.test(theme) ? 'vs' : 'vs-dark';
  await page.locator(`.monaco-workbench.${kind}`).waitFor({ timeout: 10_000 });
  await page.waitForTimeout(1000);
}

/** The content frame of the webview panel whose body has data-view=`view`. */
export async function webviewFrame(page: Page, view: string, timeout = 30_000): Promise<FrameLocator> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const outers = page.locator('iframe.webview');
    const n = await outers.count();
    for (let i = 0; i < n; i++) {
      const inner = outers.nth(i).contentFrame().locator('#active-frame').contentFrame();
      if (await inner.locator(`body[data-view="${view}"]`).count().catch(() => 0)) return inner;
    }
    if (Date.now() > deadline) throw new Error(`no ${view} webview after ${timeout} ms`);
    await page.waitForTimeout(250);
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
