// Assertions shared by the check tests: what a person sees must be short, precise and secret-free.
import assert from 'node:assert/strict';
import type { CliResult } from '../../harness';

/** No stack trace, no "unexpected error", none of the given secrets anywhere in the output. */
export function assertCleanOutput(r: CliResult, secrets: string[]): void {
  const all = `${r.stdout}\n${r.stderr}`;
  assert.doesNotMatch(all, /^\s+at .+:\d+:\d+\)?$/m, `stack trace in output:\n${all}`);
  assert.doesNotMatch(all, /unexpected error/i, all);
  for (const s of secrets) assert.ok(!all.includes(s), `a password appears in the output:\n${all}`);
}

/** The ✘ line of a failed check, and the fix lines under it. */
export function failedCheck(stdout: string, titleStart: string): { line: string; fix: string } {
  const lines = stdout.split('\n');
  const i = lines.findIndex((l) => l.startsWith(`✘ ${titleStart}`));
  assert.ok(i >= 0, `no failed check "${titleStart}" in:\n${stdout}`);
  const fix: string[] = [];
  for (let j = i + 1; j < lines.length && /^ {4}/.test(lines[j]); j++) fix.push(lines[j].trim().replace(/^fix: /, ''));
  return { line: lines[i], fix: fix.join('\n') };
}

export interface CheckJson {
  ok: boolean;
  checks: { id: string; title: string; status: 'ok' | 'warn' | 'fail'; detail?: string; fix?: string }[];
}

export function parseJson(r: CliResult): CheckJson {
  try {
    return JSON.parse(r.stdout) as CheckJson;
  } catch {
    throw new Error(`check --json printed no JSON:\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}
