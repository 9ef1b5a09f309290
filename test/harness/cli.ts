// Runs the built CLI (`node bin/lakesync ...`, bundle dist/engine.js) as a child process, the way a
// user does. The bundle is rebuilt once per test process when a source file is newer than it.
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { childPids, killQuietly, onExit, serverEnv } from './servers/process';

export const repoRoot = resolve(__dirname, '..', '..');
const bundle = join(repoRoot, 'dist', 'engine.js');

function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

let built = false;
/** Builds dist/engine.js with `node esbuild.mjs` when missing or older than src/ (skip: LAKESYNC_TEST_NO_BUILD=1). */
export function ensureBuilt(): void {
  if (built || process.env.LAKESYNC_TEST_NO_BUILD === '1') return;
  const srcTime = Math.max(newestMtime(join(repoRoot, 'src', 'engine')), newestMtime(join(repoRoot, 'src', 'protocol')),
    newestMtime(join(repoRoot, 'schemas')));
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < srcTime) {
    const before = existsSync(bundle) ? statSync(bundle).mtimeMs : 0;
    const res = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, encoding: 'utf8' });
    // esbuild.mjs also builds the extension and webviews; only a failed engine bundle stops CLI tests.
    const fresh = existsSync(bundle) && statSync(bundle).mtimeMs > before;
    if (res.status !== 0 && !fresh) throw new Error(`building the CLI (node esbuild.mjs) failed:\n${res.stderr}${res.stdout}`);
  }
  built = true;
}

export interface CliOptions {
  /** Extra environment (the password variables of every started server are always added). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** runCli: kill the CLI with SIGKILL after this long (default 60 s) and reject. */
  timeoutMs?: number;
  /** Text written to the CLI's stdin. */
  input?: string;
}

export interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

const running = new Set<ChildProcess>();
let exitHooked = false;

/**
 * LAKESYNC_TEST_CLI=source runs src/engine/cli.ts through tsx instead of the bundle: no build, for
 * quick local loops (the default, the bundle, is what users run).
 */
function cliCommand(): string[] {
  if (process.env.LAKESYNC_TEST_CLI === 'source') return ['--import', 'tsx', join(repoRoot, 'src', 'engine', 'cli.ts')];
  ensureBuilt();
  return [join(repoRoot, 'bin', 'lakesync')];
}

function startCli(args: string[], opts: CliOptions): ChildProcess {
  const command = cliCommand();
  if (!exitHooked) { exitHooked = true; onExit(killAllCli); }
  const child = spawn(process.execPath, [...command, ...args], {
    cwd: opts.cwd ?? repoRoot,
    env: { ...process.env, ...serverEnv, ...opts.env, NO_COLOR: '1', FORCE_COLOR: '0', LAKESYNC_CLI: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (opts.input !== undefined) child.stdin?.end(opts.input); else child.stdin?.end();
  return child;
}

/** SIGKILLs every CLI process a test started and left running, with its children (the engine
 *  under `run --supervise` inherits the test's pipes and would keep mocha waiting for them). */
export function killAllCli(): void {
  for (const c of running) {
    if (c.pid) for (const engine of childPids(c.pid)) killQuietly(engine);
    killQuietly(c.pid);
  }
  running.clear();
}

/** Runs `lakesync ...args` to completion. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const child = startCli(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      killQuietly(child.pid);
      reject(new Error(`lakesync ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolvePromise({ code, signal, stdout, stderr }); });
  });
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout/stderr line matching `pattern`; rejects on timeout or exit. */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Sends a signal (default SIGKILL: a crash, for fault tests). */
  kill(signal?: NodeJS.Signals): void;
  /** Resolves when the process has exited. */
  readonly exited: Promise<CliResult>;
}

/** Starts `lakesync ...args` in the background (long runs, kill -9 tests). */
export function spawnCli(args: string[], opts: CliOptions = {}): CliProcess {
  const child = startCli(args, opts);
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const notify = () => { for (const w of [...waiters]) w(); };
  child.stdout?.setEncoding('utf8').on('data', (d: string) => { stdout += d; notify(); });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr += d; notify(); });
  const exited = new Promise<CliResult>((resolvePromise) => {
    child.on('close', (code, signal) => { resolvePromise({ code, signal, stdout, stderr }); notify(); });
  });
  let done = false;
  exited.then(() => { done = true; notify(); });

  return {
    child,
    pid: child.pid ?? 0,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    kill: (signal = 'SIGKILL') => { killQuietly(child.pid, signal); },
    waitFor(pattern, timeoutMs = 60_000) {
      const re = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
      return new Promise((resolvePromise, reject) => {
        const check = () => {
          const line = `${stdout}\n${stderr}`.split('\n').find((l) => re.test(l));
          if (line !== undefined) { cleanup(); resolvePromise(line); return; }
          if (done) { cleanup(); reject(new Error(`lakesync exited before printing ${re}\nstdout:\n${stdout}\nstderr:\n${stderr}`)); }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`lakesync did not print ${re} within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        }, timeoutMs);
        const cleanup = () => { clearTimeout(timer); waiters.delete(check); };
        waiters.add(check);
        check();
      });
    },
  };
}

/**
 * Runs a command the way the extension does (`--ipc`): the secrets come in the init message only,
 * with no LAKESYNC_SECRET_* or test password variable in the environment; stdout and stderr together.
 */
export function runWithInit(args: string[], secrets: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('LAKESYNC_SECRET_') || k.startsWith('LAKESYNC_TEST_')) delete env[k];
    const child = fork(bundle, [...args, '--ipc'], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let out = '';
    child.stdout!.on('data', (d) => { out += d; });
    child.stderr!.on('data', (d) => { out += d; });
    child.send({ type: 'init', secrets });
    child.on('exit', (code) => resolve({ code, out }));
  });
}
