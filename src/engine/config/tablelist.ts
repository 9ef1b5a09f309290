// `tablesFrom: tables.txt`: a plain list of tables, one `db.table` or glob per line (the same
// syntax as `tables` entries, config/patterns.ts), `#` starts a comment, blank lines are skipped.
// The path is relative to the task file. Every bad line is a diagnostic at list-file:line:column.
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { globProblem } from './checks';
import type { TaskDiagnostic } from './diagnostics';
import { parseNamePattern } from './patterns';

/** Largest list read (a list is names, not data). */
export const MAX_LIST_BYTES = 4 * 1024 * 1024;

export interface TableList {
  /** Absolute path of the list file. */
  file: string;
  /** The entries, in file order, without duplicates. */
  entries: string[];
  diagnostics: TaskDiagnostic[];
}

/** Absolute path of a `tablesFrom` value, relative to the task file's folder. */
export function tableListPath(taskFile: string, ref: string): string {
  return isAbsolute(ref) ? ref : resolve(dirname(resolve(taskFile)), ref);
}

/** A line without its comment: `#` at the start or after white space, outside double quotes. */
function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === '#' && !quoted && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

/** The entries of a list text, and a positioned diagnostic per line that is not a table pattern. */
export function parseTableList(text: string, file: string): TableList {
  const entries: string[] = [];
  const diagnostics: TaskDiagnostic[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = stripComment(raw).trimEnd();
    const start = line.length - line.trimStart().length;
    const entry = line.trim();
    if (!entry) return;
    const at = (message: string, severity: 'error' | 'warning' = 'error') => diagnostics.push({
      file, line: i + 1, column: start + 1, endLine: i + 1, endColumn: start + entry.length + 1, message, severity, path: `line ${i + 1}` });
    if (/[\s,]/.test(entry) && !entry.includes('"')) {
      at(`"${entry}" holds several names; write one db.table per line (quote a name with spaces: shop."my table")`);
      return;
    }
    try { parseNamePattern(entry); } catch (err) {
      at(`${(err as Error).message}; write db.table (PostgreSQL: schema.table), e.g. shop.orders or shop.order_*`);
      return;
    }
    const problem = entry.includes('"') ? undefined : globProblem(entry);
    if (problem) { at(`"${entry}" ${problem}`); return; }
    if (seen.has(entry)) { at(`"${entry}" is listed twice; the second is ignored`, 'warning'); return; }
    seen.add(entry);
    entries.push(entry);
  });
  return { file, entries, diagnostics };
}

/**
 * Reads the list named by `tablesFrom` (synchronous: the editor validates with it too).
 * `at` positions a problem of the reference itself (a missing file) in the task file.
 */
export function readTableList(taskFile: string, ref: string, at: (message: string) => TaskDiagnostic): TableList {
  const file = tableListPath(taskFile, ref);
  let text: string;
  try {
    const info = statSync(file);
    if (info.isDirectory()) return { file, entries: [], diagnostics: [at(`tablesFrom: ${file} is a folder; name a text file with one db.table per line`)] };
    if (info.size > MAX_LIST_BYTES) return { file, entries: [], diagnostics: [at(`tablesFrom: ${file} is larger than ${MAX_LIST_BYTES / 1024 / 1024} MB; a table list holds names only`)] };
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist; create it (one db.table per line) or fix the path, which is relative to the task file'
      : code === 'EACCES' ? 'cannot be read (permission denied)' : `cannot be read: ${(err as Error).message}`;
    return { file, entries: [], diagnostics: [at(`tablesFrom: ${file} ${why}`)] };
  }
  const list = parseTableList(text, file);
  if (list.entries.length === 0 && !list.diagnostics.some((d) => d.severity === 'error')) {
    list.diagnostics.push(at(`tablesFrom: ${file} lists no table; add one db.table per line`));
  }
  return list;
}
