// Supervision numbers and the rules that use them, kept pure so they are unit-tested.
import { engineNodeArgs } from '../../engine/nodeargs';

/** No engine message for this long = the engine hangs: it is killed and restarted. */
export const HEARTBEAT_TIMEOUT_MS = 15_000;
/** Until the engine says `ready` (it loads the task first), silence is allowed this long. */
export const STARTUP_TIMEOUT_MS = 60_000;
/** A run this long without crashing resets the consecutive-crash count. */
export const HEALTHY_RUN_MS = 60_000;
/** After this many crashes in a row the task is left failed. */
export const MAX_CONSECUTIVE_CRASHES = 8;
/** Grace for a requested stop before SIGTERM, and after SIGTERM before SIGKILL. */
export const STOP_GRACE_MS = 10_000;
export const TERM_GRACE_MS = 3_000;

/** Restart delay after the n-th consecutive crash (1-based): 1 s, 2 s, 4 s … at most 30 s. */
export function restartDelayMs(consecutiveCrashes: number, baseMs = 1000, maxMs = 30_000): number {
  const n = Math.max(1, consecutiveCrashes);
  return Math.min(maxMs, baseMs * 2 ** (n - 1));
}

/** How an engine process ended, from what the supervisor saw. */
export type EndKind = 'stopped' | 'finished' | 'failed' | 'crashed';

export interface EndFacts {
  /** The supervisor asked it to stop. */
  stopRequested: boolean;
  /** The engine's own `exit` message, if it sent one before ending. */
  reported?: { code: number; error?: string };
  code: number | null;
  signal: string | null;
  /** The supervisor killed it because its heartbeat stopped. */
  hung: boolean;
}

/**
 * stopped: we asked. finished: it ended by itself with success (e.g. --until-caught-up).
 * failed: it reported an error it cannot recover from (bad config, unreachable source after its own
 * retries): restarting would only repeat it. crashed: anything else, restarted with backoff.
 */
export function classifyEnd(f: EndFacts): EndKind {
  if (f.hung) return 'crashed';
  if (f.stopRequested) return 'stopped';
  if (f.reported) return f.reported.code === 0 && !f.reported.error ? 'finished' : 'failed';
  if (f.code === 0 && f.signal === null) return 'finished';
  return 'crashed';
}

export function describeEnd(f: EndFacts): string {
  if (f.hung) return `the engine sent nothing for ${HEARTBEAT_TIMEOUT_MS / 1000} s and was killed`;
  if (f.reported?.error) return f.reported.error;
  if (f.signal) return `the engine was killed by ${f.signal}`;
  return `the engine exited with code ${f.code}`;
}

/** How to run the engine: VS Code's own Node (Electron as Node) or a Node binary the user names. */
export interface EngineRuntime { execPath: string; env: Record<string, string> }

export function engineRuntime(setting: string | undefined, vscodeExecPath: string): EngineRuntime {
  const s = (setting ?? '').trim();
  if (s === '' || s === 'vscode') return { execPath: vscodeExecPath, env: { ELECTRON_RUN_AS_NODE: '1' } };
  return { execPath: s, env: {} };
}

/** Task file `parameters.memoryMb` wins over the setting; 0 or less means Node's default. */
export function engineExecArgv(taskMemoryMb: number | undefined, settingMb: number | undefined): string[] {
  const mb = taskMemoryMb && taskMemoryMb > 0 ? taskMemoryMb : settingMb && settingMb > 0 ? settingMb : 0;
  return engineNodeArgs(mb);
}
