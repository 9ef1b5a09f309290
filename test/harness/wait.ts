// Waiting for what the system reaches "soon" (a thread listed, a slot confirmed, a line printed):
// a test polls for the condition with a generous deadline instead of reading once or sleeping a
// fixed time, which a loaded CI machine overruns.
import type { CliProcess } from './cli';
import { sleep } from './servers/process';

/** Polls `cond` until it holds; fails after `timeoutMs` naming `what` (and `p`'s output tails). */
export async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000, p?: CliProcess): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`
        + (p ? `\nstdout (tail):\n${p.stdout().slice(-3000)}\nstderr (tail):\n${p.stderr().slice(-3000)}` : ''));
    }
    await sleep(50);
  }
}
