// `lakesync run --supervise`: runs the engine as a child process and starts it again when it
// dies (crash, kill -9, out of memory); each start resumes from the checkpoint. The engine's heap
// limit (parameters.memoryMb) is applied to the child (nodeargs.ts).
import { spawn } from 'node:child_process';
import { EXIT_TABLES_FAILED } from '../errors';
import { engineNodeArgs } from '../nodeargs';

export interface SuperviseOptions {
  /** The engine's own argv after `node` (script + `run FILE ...`), without --supervise. */
  argv: string[];
  memoryMb?: number;
  log: (message: string) => void;
}

export async function supervise(opts: SuperviseOptions): Promise<number> {
  let stopping = false;
  let child: ReturnType<typeof spawn> | undefined;
  const forward = (sig: NodeJS.Signals) => { stopping = true; child?.kill(sig); };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  let restarts = 0;
  let quick = 0;
  let argv = opts.argv;
  let cause: string | undefined;
  try {
    for (;;) {
      const started = Date.now();
      const nodeArgs = engineNodeArgs(opts.memoryMb);
      const env = { ...process.env, LAKESYNC_SUPERVISOR_PID: String(process.pid), ...(cause ? { LAKESYNC_RESTART_CAUSE: cause } : {}) };
      child = spawn(process.execPath, [...nodeArgs, ...argv], { stdio: 'inherit', env });
      const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        child!.once('exit', (c, s) => resolve({ code: c, signal: s }));
      });
      // a clean exit (stop, caught up) ends supervision; so do a usage error, a catch-up with failed
      // tables (a restart does not fix them), and an engine that
      // keeps failing right after its start (a refusal such as a bad task file, not a crash)
      if (stopping || code === 0) return code ?? 0;
      if (code === 2 || code === EXIT_TABLES_FAILED) return code;
      if (Date.now() - started > 10_000) { restarts = 0; quick = 0; } else quick++;
      if (quick >= 5) { opts.log('engine failed 5 times in a row right after starting; giving up'); return code ?? 1; }
      restarts++;
      cause = `engine exited (${signal ?? `code ${code}`})`;
      const wait = Math.min(30_000, 1000 * 2 ** Math.min(restarts - 1, 5));
      opts.log(`engine exited (${signal ?? `code ${code}`}); restart ${restarts} in ${wait / 1000} s, resuming from the checkpoint`);
      await new Promise((r) => setTimeout(r, wait));
      if (stopping) return 0;
      // a restart always resumes: a start position or --stateless applied to the first start only
      argv = withoutStartFlags(argv);
    }
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}

function withoutStartFlags(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--stateless') continue;
    if (argv[i] === '--position') { i++; continue; }
    if (argv[i].startsWith('--position=')) continue;
    out.push(argv[i]);
  }
  return out;
}
