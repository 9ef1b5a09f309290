// Task files for tests: written as YAML into a fresh temp folder (removed when the run exits).
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { onExit, removeDir } from './servers/process';

/** A temp folder removed when the test process exits (kept with LAKESYNC_TEST_KEEP=1). */
export function tempDir(prefix = 'task'): string {
  const dir = mkdtempSync(join(tmpdir(), `lakesync-${prefix}-`));
  onExit(() => removeDir(dir));
  return dir;
}

/**
 * Writes `task` as `<name or "task">.sync.yaml` into `dir` (default: a fresh temp folder) and returns
 * its path. Use `server.source(db)` for the source block: its password is `${env:...}`, never plain.
 * A string is written as is (for tests of broken YAML).
 */
export function writeTask(task: Record<string, unknown> | string, dir?: string): string {
  const folder = dir ?? tempDir();
  mkdirSync(folder, { recursive: true });
  const name = typeof task === 'string' ? 'task' : String(task.name ?? 'task');
  const file = join(folder, `${name.replace(/[^\w.-]/g, '_')}.sync.yaml`);
  writeFileSync(file, typeof task === 'string' ? task : stringify(task));
  return file;
}
