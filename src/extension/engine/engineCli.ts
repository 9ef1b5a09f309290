// One-shot engine commands (`check`, `preview --json`, table operations on a stopped task,
// `reset`): the same bundled engine, forked like a running task so secrets travel only in the
// IPC `init` message. No vscode import.
import { fork } from 'node:child_process';
import type { ExtensionToEngine } from '../../protocol/ipc';
import type { EngineRuntime } from './policy';

export interface CliRun {
  enginePath: string;
  runtime: EngineRuntime;
  args: string[];
  cwd: string;
  secrets: Record<string, string>;
  timeoutMs?: number;
  /** Aborts the command (kills the process). */
  signal?: AbortSignal;
}

export interface CliResult { code: number | null; stdout: string; stderr: string; cancelled: boolean; timedOut: boolean }

export function runEngineCli(run: CliRun): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = fork(run.enginePath, [...run.args, '--ipc'], {
      cwd: run.cwd, execPath: run.runtime.execPath, execArgv: [],
      env: { ...process.env, ...run.runtime.env, LAKESYNC_CLI: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json',
    });
    let stdout = '', stderr = '', cancelled = false, timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    // Same handshake as a running task: `init` (the secrets) first. A command that needs no
    // secret ignores it; the channel does not keep it alive.
    if (child.connected) {
      const init: ExtensionToEngine = { type: 'init', secrets: run.secrets };
      try { child.send(init, () => undefined); } catch { /* it may have ended already */ }
    }
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, run.timeoutMs ?? 120_000);
    const onAbort = () => { cancelled = true; child.kill('SIGTERM'); };
    run.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (code: number | null) => {
      clearTimeout(timer);
      run.signal?.removeEventListener('abort', onAbort);
      resolve({ code, stdout, stderr, cancelled, timedOut });
    };
    let failed = false;
    child.on('error', (err) => {
      if (child.pid !== undefined || failed) return;
      failed = true;
      stderr += `cannot start the engine with ${run.runtime.execPath}: ${err.message} (see the setting lakesync.engine.runtime)\n`;
      done(null);
    });
    child.once('close', (code) => done(code));
    // The IPC channel must not keep a finished command alive.
    child.once('exit', () => { if (child.connected) child.disconnect(); });
  });
}

/** Parses `--json` output: one JSON document, or JSON lines (the last object wins). */
export function parseJsonOutput(stdout: string): unknown {
  const text = stdout.trim();
  if (!text) return undefined;
  try { return JSON.parse(text); } catch { /* try JSON lines */ }
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{') || l.startsWith('['));
  for (let i = lines.length - 1; i >= 0; i--) {
    try { return JSON.parse(lines[i]); } catch { /* keep looking */ }
  }
  return undefined;
}
