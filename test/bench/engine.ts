// Runs the built engine (a private bundle of src/engine/cli.ts) as its own process, the way a user's `lakesync run` does,
// reads its --json lines and samples its peak RSS (VmHWM) from /proc while it runs.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../harness';
import { serverEnv } from '../harness/servers/process';
import { engineNodeArgs } from '../../src/engine/nodeargs';

export interface EngineLine { type: string; time?: string; level?: string; message?: string; status?: { rowsRead: number; rowsWritten: number; position?: string } }

export interface EngineRun {
  pid: number;
  lines: EngineLine[];
  /** Resolves with the exit code once the process ended; rejects on a timeout. */
  exited: Promise<number | null>;
  /** Highest VmHWM seen, MB (the kernel's own peak resident set of the process). */
  peakRssMb(): number;
  /** CPU seconds (user + system, all threads) the engine used, as last sampled (every 100 ms). */
  cpuSeconds(): number;
  /** Resolves with the arrival time (ms) of the first log line matching `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<number>;
  /** Arrival time (Date.now()) of each line, same index as `lines`. */
  times: number[];
  stderr(): string;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * The bench's own engine bundle, dist/bench/engine.js: the same esbuild options as dist/engine.js but
 * never minified (readable CPU profiles), and out of the way of others rebuilding dist/ meanwhile.
 */
export const benchBundle = process.env.BENCH_ENGINE ?? join(repoRoot, 'dist', 'bench', 'engine.js');

/** Builds the bench bundle (BENCH_ENGINE=FILE uses that prebuilt bundle instead: A/B runs of two versions). */
export function buildBenchBundle(): void {
  if (process.env.BENCH_ENGINE) return;
  // the engine's own options (engine.esbuild.json: externals; the zongji-names plugin), never minified
  const script = `import { build } from 'esbuild'; import { readFileSync } from 'node:fs'; import { zongjiNames } from './scripts/zongji-names.mjs';
    build({ ...JSON.parse(readFileSync('engine.esbuild.json', 'utf8')), plugins: [zongjiNames], outfile: ${JSON.stringify(benchBundle)},
    sourcemap: true, logLevel: 'error' }).catch((e) => { console.error(e.message); process.exit(1); })`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building ${benchBundle} failed:\n${r.stderr}`);
}

const TICKS = 100; // USER_HZ on Linux

/** utime + stime of the process (all its threads), seconds. */
function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICKS;
  } catch { return -1; }
}

function vmHwmKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}

/** The tasks' parameters.memoryMb (BENCH_PARAMS, else the schema's default 1024). */
export function configuredMemoryMb(): number {
  const params = process.env.BENCH_PARAMS ? JSON.parse(process.env.BENCH_PARAMS) as { memoryMb?: number } : {};
  return params.memoryMb ?? 1024;
}

/**
 * `node --max-old-space-size=MB --max-semi-space-size=4 [nodeArgs] dist/bench/engine.js run FILE [args] --json`:
 * the Node options the extension and `run --supervise` give the engine (src/engine/nodeargs.ts, from
 * parameters.memoryMb); without them Node's default (a quarter of the machine's RAM) lets the heap grow
 * to twice the live data before collecting.
 * BENCH_CPU_PROF=DIR adds --cpu-prof (one .cpuprofile per engine run in DIR) for finding where the time goes.
 */
export function runEngine(file: string, args: string[], opts: { timeoutMs?: number; nodeArgs?: string[] } = {}): EngineRun {
  const nodeArgs = [...engineNodeArgs(configuredMemoryMb()), ...(opts.nodeArgs ?? [])];
  if (process.env.BENCH_CPU_PROF) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`);
  const child = spawn(process.execPath, [...nodeArgs, benchBundle, 'run', file, ...args, '--json'], {
    cwd: repoRoot, env: { ...process.env, ...serverEnv }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid!;
  const lines: EngineLine[] = [];
  const times: number[] = [];
  const waiters: { re: RegExp; resolve: (t: number) => void }[] = [];
  let buf = '';
  let err = '';
  let peak = 0;
  let cpu = 0;
  const sample = setInterval(() => {
    peak = Math.max(peak, vmHwmKb(pid));
    cpu = Math.max(cpu, cpuOf(pid));
  }, 100);
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const text = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let line: EngineLine;
      try { line = JSON.parse(text) as EngineLine; } catch { line = { type: 'text', message: text }; }
      const now = Date.now();
      lines.push(line);
      times.push(now);
      if (line.type === 'log' && process.env.BENCH_VERBOSE) process.stderr.write(`  engine ${line.level} ${line.time ?? ""}: ${line.message}\n`);
      for (const w of [...waiters]) {
        if (line.type === 'log' && w.re.test(line.message ?? '')) { waiters.splice(waiters.indexOf(w), 1); w.resolve(now); }
      }
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (process.env.BENCH_VERBOSE) process.stderr.write(d.replace(/^(?=.)/gm, '  engine stderr: '));
    err += d; if (err.length > 100_000) err = err.slice(-50_000);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`engine did not finish within ${(opts.timeoutMs ?? 600_000) / 1000} s; stderr:\n${err.slice(-2000)}`));
    }, opts.timeoutMs ?? 600_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      clearInterval(sample);
      resolve(code);
    });
  });
  return {
    pid, lines, times, exited,
    peakRssMb: () => Math.max(peak, vmHwmKb(pid)) / 1024,
    cpuSeconds: () => Math.max(cpu, cpuOf(pid)),
    waitFor(re, timeoutMs = 600_000) {
      const i = lines.findIndex((l) => l.type === 'log' && re.test(l.message ?? ''));
      if (i >= 0) return Promise.resolve(times[i]);
      return new Promise((resolve, reject) => {
        const w = { re, resolve: (t: number) => { clearTimeout(timer); resolve(t); } };
        const timer = setTimeout(() => { waiters.splice(waiters.indexOf(w), 1); reject(new Error(`engine never logged ${re}`)); }, timeoutMs);
        waiters.push(w);
        void exited.then(() => setTimeout(() => {
          if (waiters.includes(w)) { clearTimeout(timer); waiters.splice(waiters.indexOf(w), 1); reject(new Error(`engine exited before logging ${re}; stderr:\n${err.slice(-2000)}`)); }
        }, 50), () => undefined);
      });
    },
    stderr: () => err,
    kill: (signal = 'SIGTERM') => { child.kill(signal); },
  };
}

/** Runs the engine to its exit and fails with its stderr when it exits non-zero. */
export async function runToEnd(file: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<EngineRun> {
  const r = runEngine(file, args, opts);
  const code = await r.exited;
  if (code !== 0) throw new Error(`lakesync run ${args.join(' ')} exited ${code}:\n${r.stderr().slice(-3000)}`);
  return r;
}

/** Time of the log line matching `re` (ms since epoch, as the engine stamped it), or undefined. */
export function logTime(r: EngineRun, re: RegExp): number | undefined {
  const l = r.lines.find((x) => x.type === 'log' && re.test(x.message ?? ''));
  return l?.time ? Date.parse(l.time) : undefined;
}
