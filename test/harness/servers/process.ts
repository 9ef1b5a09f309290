// Process plumbing shared by the private test servers: which OS user runs them, temp folders,
// free ports, spawning so that they die with the test process, and cleanup on exit.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chownSync, chmodSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The OS account a server runs as: the current user, or a service account when we are root. */
export interface RunAs { uid: number; gid: number; name: string; switchUser: boolean }

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function lookupUser(name: string): { uid: number; gid: number } | undefined {
  const res = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gidRes = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (res.status !== 0 || gidRes.status !== 0) return undefined;
  return { uid: Number(res.stdout.trim()), gid: Number(gidRes.stdout.trim()) };
}

/**
 * PostgreSQL refuses to run as root, and MariaDB wants --user=root; as root we therefore run each
 * server as its Debian service account (postgres, mysql). As a normal user, servers run as us.
 */
export function serverUser(account: string, pkg: string): RunAs {
  if (!isRoot) return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, name: 'self', switchUser: false };
  const u = lookupUser(account);
  if (!u) {
    throw new Error(`the test harness runs as root and needs the OS user "${account}" to run the server ` +
      `(it is created by the Debian package ${pkg}: apt-get install ${pkg})`);
  }
  return { ...u, name: account, switchUser: true };
}

let setprivFound: boolean | undefined;
const hasSetpriv = (): boolean => (setprivFound ??= spawnSync('setpriv', ['--version']).status === 0);

/**
 * Command line that runs `cmd` as `user` and makes the kernel SIGKILL it when the test process
 * dies (setpriv --pdeathsig), so a crashed or killed mocha never leaves servers behind.
 */
export function wrapCommand(user: RunAs, cmd: string, args: string[], opts: { dieWithParent?: boolean } = {}): [string, string[]] {
  if (!hasSetpriv()) {
    if (user.switchUser) return ['runuser', ['-u', user.name, '--', cmd, ...args]];
    return [cmd, args];
  }
  const pre: string[] = [];
  if (user.switchUser) pre.push(`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups');
  if (opts.dieWithParent !== false) pre.push('--pdeathsig', 'KILL');
  if (pre.length === 0) return [cmd, args];
  return ['setpriv', [...pre, cmd, ...args]];
}

/** Runs a short command to completion (initdb, install-db) as `user`; throws with its output on failure. */
export function runAs(user: RunAs, cmd: string, args: string[], opts: { cwd: string; logFile: string; env?: NodeJS.ProcessEnv }): Promise<void> {
  const [c, a] = wrapCommand(user, cmd, args);
  return new Promise((resolve, reject) => {
    const fd = openSync(opts.logFile, 'a');
    const child = spawn(c, a, { cwd: opts.cwd, stdio: ['ignore', fd, fd], env: opts.env ?? process.env });
    closeSync(fd);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${cmd} failed (${signal ?? `exit ${code}`}):\n${tail(opts.logFile)}`));
    });
  });
}

/** Starts a long-running server process with stdout/stderr appended to logFile. */
export function spawnServer(user: RunAs, cmd: string, args: string[], opts: { cwd: string; logFile: string }): ChildProcess {
  const [c, a] = wrapCommand(user, cmd, args);
  const fd = openSync(opts.logFile, 'a');
  const child = spawn(c, a, { cwd: opts.cwd, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  // A failed spawn must not crash the test run; the readiness wait reports it.
  child.on('error', () => undefined);
  return child;
}

/** Last lines of a log file, for error messages. */
export function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Direct child pids of `pid` (PostgreSQL backends), read from /proc. */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try { entries = readdirSync('/proc'); } catch { return out; }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      // Field 4 (ppid) comes after the parenthesised command name, which may contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(e));
    } catch { /* process went away */ }
  }
  return out;
}

export function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

export function killQuietly(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (!pid) return;
  try { process.kill(pid, signal); } catch { /* already gone */ }
}

/** A free TCP port on 127.0.0.1 (the server may still lose a race for it; callers retry). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const PREFIX = 'lakesync-test-';

/**
 * A fresh folder for one server, owned by the account that runs it. It records our pid, so a later
 * run can delete folders that a killed test process left behind.
 */
export function makeServerDir(kind: string, user: RunAs): string {
  removeStaleDirs();
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}${kind}-`));
  writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  if (user.switchUser) chownSync(dir, user.uid, user.gid);
  chmodSync(dir, 0o700);
  return dir;
}

let staleChecked = false;
function removeStaleDirs(): void {
  if (staleChecked) return;
  staleChecked = true;
  let entries: string[];
  try { entries = readdirSync(tmpdir()); } catch { return; }
  for (const e of entries) {
    if (!e.startsWith(PREFIX)) continue;
    const dir = join(tmpdir(), e);
    try {
      const owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'));
      const server = existsSync(join(dir, 'server.pid')) ? Number(readFileSync(join(dir, 'server.pid'), 'utf8')) : 0;
      if (owner && !isAlive(owner) && !(server && isAlive(server))) rmSync(dir, { recursive: true, force: true });
    } catch { /* not ours or unreadable: leave it */ }
  }
}

/** Everything that must be killed and removed when the test process exits, however it exits. */
const cleanups = new Set<() => void>();
let exitHooked = false;

export function onExit(fn: () => void): () => void {
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', runCleanups);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => { runCleanups(); process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 })[sig]); });
    }
  }
  cleanups.add(fn);
  return () => { cleanups.delete(fn); };
}

function runCleanups(): void {
  for (const fn of [...cleanups]) {
    try { fn(); } catch { /* best effort at exit */ }
  }
  cleanups.clear();
}

export const keepTempDirs = process.env.LAKESYNC_TEST_KEEP === '1';

export function removeDir(dir: string): void {
  if (keepTempDirs) return;
  try { rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ }
}

export function sleep(ms: number): Promise<void> { return new Promise((r) => setTimeout(r, ms)); }

/** Waits for a child to exit; resolves at once when it already has. */
export function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => { clearTimeout(t); resolve(true); });
  });
}

/** Unique, SQL-safe names for databases, users, tables: prefix_<pid>_<counter><random>. */
let counter = 0;
export function uniqueName(prefix = 'db'): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}${Math.random().toString(36).slice(2, 6)}`.toLowerCase();
}

/** A password that is easy to grep for in output (tests assert it never leaks). */
export function randomPassword(): string {
  return `pw-${Math.random().toString(36).slice(2, 10)}-${Date.now().toString(36)}`;
}

/** Password variables of every server started in this process: runCli passes them to the CLI. */
export const serverEnv: Record<string, string> = {};
