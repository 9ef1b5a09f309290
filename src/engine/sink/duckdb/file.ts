// Whether an existing target path may be opened as the lakehouse: it must already be a DuckDB
// database. Anything else (a CSV file, an empty file, /proc/self/mem) is refused before DuckDB
// opens it, because opening would write to it. Shared by `lakesync check` and the sink's open.
import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** DuckDB's file header carries "DUCK" at byte 8. */
const MAGIC = 'DUCK';
const MAGIC_AT = 8;

/** Why `path` cannot be the task's lakehouse, or undefined (it is a DuckDB file, or does not exist yet). */
export function lakehouseFileProblem(path: string): string | undefined {
  let size: number;
  try {
    const info = statSync(path);
    if (!info.isFile()) return `${path} exists and is not a file`;
    size = info.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return `${path} cannot be examined: ${(err as Error).message}`;
  }
  const head = Buffer.alloc(MAGIC_AT + MAGIC.length);
  let read: number;
  try {
    const fd = openSync(path, 'r');
    try { read = readSync(fd, head, 0, head.length, 0); } finally { closeSync(fd); }
  } catch (err) {
    return `${path} exists but cannot be read as a database file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  if (size === 0 && read === 0) return `${path} exists and is empty, not a LakeSync lakehouse (a DuckDB database)`;
  if (read < head.length || head.toString('latin1', MAGIC_AT, MAGIC_AT + MAGIC.length) !== MAGIC) {
    return `${path} exists and is not a LakeSync lakehouse (a DuckDB database)`;
  }
  return undefined;
}

/** The fix to print under a refused target path. */
export const LAKEHOUSE_FIX = 'LakeSync leaves that file untouched: set target.path to a new file name (it is created) or to an existing lakehouse, or move the file away';
