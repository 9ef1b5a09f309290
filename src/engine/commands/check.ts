// `lakesync check FILE [--json]`: loads the task and runs the source's preflight checks. Prints
// ✔ / ✘ / ! per check with the fix under each problem; exit 1 when the task cannot run.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CliArgs } from './args';
import { loadTaskForCommand } from './task-input';
import type { TaskPlan } from '../config/plan';
import { canRun, runPreflight, type CheckResult } from '../source/preflight';
import { sourceFacts } from '../source/known';
import { LAKEHOUSE_FIX, lakehouseFileProblem } from '../sink/duckdb/file';

const MARK: Record<CheckResult['status'], string> = { ok: '✔', fail: '✘', warn: '!' };

export function formatChecks(results: CheckResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${MARK[r.status]} ${r.title}${r.detail ? `: ${r.detail}` : ''}`);
    if (r.fix && r.status !== 'ok') {
      const [first, ...rest] = r.fix.split('\n');
      lines.push(`    fix: ${first}`, ...rest.map((l) => `         ${l}`));
    }
  }
  return lines.join('\n');
}

export function summary(results: CheckResult[]): string {
  const failed = results.filter((r) => r.status === 'fail').length;
  const warned = results.filter((r) => r.status === 'warn').length;
  if (failed > 0) return `The task cannot run: ${failed} check${failed === 1 ? '' : 's'} failed.`;
  if (warned > 0) return `Ready to run, with ${warned} warning${warned === 1 ? '' : 's'}.`;
  return 'Ready to run: every check passed.';
}

/** The target file can be created or written: its folder (or the nearest existing ancestor) is writable. */
export function targetCheck(plan: TaskPlan): CheckResult {
  const file = plan.target.path;
  const title = `target ${file} is writable`;
  try {
    if (existsSync(file)) {
      if (!statSync(file).isFile()) return { id: 'target', title, status: 'fail', detail: 'the path exists and is not a file', fix: 'set target.path to a file name' };
      const problem = lakehouseFileProblem(file);
      if (problem) return { id: 'target', title, status: 'fail', detail: problem, fix: LAKEHOUSE_FIX };
      accessSync(file, constants.R_OK | constants.W_OK);
      return { id: 'target', title, status: 'ok', detail: 'an existing lakehouse' };
    }
    let dir = dirname(file);
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    accessSync(dir, constants.W_OK);
    return { id: 'target', title, status: 'ok', detail: 'will be created' };
  } catch (err) {
    return { id: 'target', title, status: 'fail', detail: (err as Error).message,
      fix: 'choose a target.path in a folder you may write to, or fix its permissions' };
  }
}

export async function checkCommand(args: CliArgs): Promise<number> {
  const { plan } = await loadTaskForCommand(args);
  const s = plan.source;
  const results: CheckResult[] = [
    ...(plan.warnings ?? []).map((w): CheckResult => ({ id: 'task_file', title: 'task file', status: 'warn', detail: w })),
    ...await runPreflight(plan),
    targetCheck(plan),
  ];
  const ok = canRun(results);
  if (args.flags.json) {
    console.log(JSON.stringify({
      task: plan.name, file: plan.file,
      source: { type: s.type, host: s.host, port: s.port, ...(s.database ? { database: s.database } : {}), user: s.user },
      ok, checks: results,
    }, null, 2));
  } else {
    const where = `${sourceFacts(s.type).label} ${s.host}:${s.port}${s.database ? `, database ${s.database}` : ''}`;
    console.log(`Checking task "${plan.name}" (${where})\n${formatChecks(results)}\n\n${summary(results)}`);
  }
  return ok ? 0 : 1;
}
