// "LakeSync: Import Table List…": points a task at a table list file (`tablesFrom`), the seed's
// "batch configuration" upload. The text edit lives here, without vscode, so it is unit-tested;
// the command (commands.ts) picks the files and applies it as one undoable edit.
import * as path from 'node:path';
import { parseDocument } from 'yaml';

export interface ImportEdit {
  /** The task text with `tablesFrom` set. */
  text: string;
  /** The mode was changed to multi-table-mirror (the only mode that reads a table list). */
  modeChanged?: string;
}

/** `tablesFrom` as written in the task: relative to the task file's folder, with `/` separators. */
export function listReference(taskFile: string, listFile: string): string {
  const rel = path.relative(path.dirname(taskFile), listFile);
  return rel.startsWith('..') || path.isAbsolute(rel) ? listFile : rel.split(path.sep).join('/');
}

/**
 * Sets `tablesFrom` (keeping comments and the other keys), and mode: multi-table-mirror when the
 * task had another mode (returned in modeChanged so the user is asked first). Undefined when the
 * text does not parse as YAML.
 */
export function withTablesFrom(text: string, ref: string): ImportEdit | undefined {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return undefined;
  const mode = doc.get('mode');
  const edit: ImportEdit = { text: '' };
  if (mode !== 'multi-table-mirror') {
    if (typeof mode === 'string') edit.modeChanged = mode;
    doc.set('mode', 'multi-table-mirror');
  }
  doc.set('tablesFrom', ref);
  edit.text = doc.toString();
  return edit;
}
