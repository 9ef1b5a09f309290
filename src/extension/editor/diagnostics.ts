// Turns what the engine says about a task file into editor ranges: config errors (file:line:col
// from the config loader), preview warnings (by position, YAML path or table name), plain
// passwords, and tasks that share a replication slot or server id. 0-based ranges.
// No vscode import: unit-tested.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { PreviewWarning } from '../model/previewData';
import type { TaskFileInfo } from '../model/taskFile';
import { stripComment } from './yamlPath';

export interface Range0 { startLine: number; startCol: number; endLine: number; endCol: number }

export interface MappedDiagnostic extends Range0 {
  message: string;
  severity: 'error' | 'warning' | 'info';
  /** Stable code: quick fixes key on it. */
  code?: 'plain-password' | 'shared-slot' | 'shared-server-id' | 'preview' | 'config';
}

/** Extends a 1-based line/column to the end of the token there (so the squiggle is visible). */
export function rangeAtPoint(text: string, line1: number, col1: number): Range0 {
  const lines = text.split(/\r?\n/);
  const line = Math.min(Math.max(0, line1 - 1), Math.max(0, lines.length - 1));
  const lineText = lines[line] ?? '';
  let start = Math.min(Math.max(0, col1 - 1), lineText.length);
  const tail = lineText.slice(start);
  const token = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,[\]{}#]+(?:[ \t]+[^\s,[\]{}#:]+)*)/.exec(tail);
  let end = start + (token ? token[1].length : 0);
  if (end === start) {
    // Nothing at that column (e.g. a missing key reported at its mapping): mark the line's content.
    start = lineText.length - lineText.trimStart().length;
    end = Math.max(start + 1, lineText.trimEnd().length);
  }
  return { startLine: line, startCol: start, endLine: line, endCol: end };
}

function offsetRange(lc: LineCounter, from: number, to: number): Range0 {
  const a = lc.linePos(from), b = lc.linePos(Math.max(from, to));
  return { startLine: a.line - 1, startCol: a.col - 1, endLine: b.line - 1, endCol: b.col - 1 };
}

/** Range of the node at a YAML path (the key for mapping entries, the item for sequences). */
export function rangeOfPath(text: string, path: (string | number)[]): Range0 | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, keepSourceTokens: false });
  let node: unknown = doc.contents;
  let found: Range0 | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return found;
      const k = pair.key as Node;
      if (k.range) found = offsetRange(lc, k.range[0], k.range[1]);
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) return found;
      if (item.range) found = offsetRange(lc, item.range[0], item.range[1]);
      node = item;
    } else return found;
  }
  return found;
}

/** Range of the first mention of a table name in the file (e.g. in `tables:`), if any. */
export function rangeOfText(text: string, needle: string): Range0 | undefined {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const at = lines[i].indexOf(needle);
    if (at >= 0 && !lines[i].trimStart().startsWith('#')) return { startLine: i, startCol: at, endLine: i, endCol: at + needle.length };
  }
  return undefined;
}

/**
 * A config-loader diagnostic (src/engine/config TaskDiagnostic: 1-based line/column, exclusive
 * endColumn, dotted path); also accepts just a `file:L:C message` or a path.
 */
export interface ConfigDiagnosticLike {
  message: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  severity?: string;
  path?: (string | number)[] | string;
}

export function mapConfigDiagnostic(text: string, d: ConfigDiagnosticLike): MappedDiagnostic {
  const severity = d.severity === 'warning' ? 'warning' : d.severity === 'info' ? 'info' : 'error';
  let range: Range0 | undefined;
  let message = d.message;
  const located = /^(?:.*?\.ya?ml):(\d+):(\d+):?\s+(.*)$/s.exec(message);
  if (located) message = located[3];
  const empty = d.line === d.endLine && d.column === d.endColumn;
  if (d.line !== undefined && d.endLine !== undefined && d.endColumn !== undefined && !empty) {
    range = { startLine: d.line - 1, startCol: Math.max(0, (d.column ?? 1) - 1), endLine: d.endLine - 1, endCol: Math.max(0, d.endColumn - 1) };
  } else if (d.line !== undefined) {
    range = rangeAtPoint(text, d.line, d.column ?? 1);
  } else if (located) {
    range = rangeAtPoint(text, Number(located[1]), Number(located[2]));
  } else if (d.path !== undefined) {
    const path = Array.isArray(d.path) ? d.path : d.path.split(/[./[\]]/).filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    range = rangeOfPath(text, path);
  }
  return { ...(range ?? { startLine: 0, startCol: 0, endLine: 0, endCol: Math.max(1, text.split(/\r?\n/)[0]?.length ?? 1) }),
    // The loader's plain-secret warnings (password, passphrases) get the quick fix that moves them to secret storage.
    message, severity, code: isPlainPassword(d) ? 'plain-password' : 'config' };
}

function isPlainPassword(d: ConfigDiagnosticLike): boolean {
  const path = Array.isArray(d.path) ? d.path.join('.') : d.path;
  return SECRET_VALUE_PATHS.some((p) => p.join('.') === path) && /plain text/i.test(d.message);
}

export function mapPreviewWarning(text: string, w: PreviewWarning): MappedDiagnostic {
  let range: Range0 | undefined;
  if (w.line !== undefined) range = rangeAtPoint(text, w.line, w.column ?? 1);
  if (!range && w.path) range = rangeOfPath(text, w.path);
  if (!range && w.table) range = rangeOfText(text, w.table) ?? rangeOfPath(text, ['tables']);
  // The engine's warnings are sentences: `tables entry "shop.nope_*" matches no source table`.
  for (const m of w.message.matchAll(/"([^"]+)"/g)) { if (!range) range = rangeOfText(text, m[1]); }
  const lead = /^([A-Za-z]+(?:\.[\w-]+)*)[\s:]/.exec(w.message);
  if (!range && lead) range = rangeOfPath(text, lead[1].split('.'));
  range ??= rangeOfPath(text, ['source']) ?? { startLine: 0, startCol: 0, endLine: 0, endCol: 1 };
  return { ...range, message: w.message, severity: w.severity, code: 'preview' };
}

/** The task-file keys that hold secrets written as plain values (each gets the quick fix). */
export const SECRET_VALUE_PATHS: string[][] = [
  ['source', 'password'], ['source', 'ssh', 'password'], ['source', 'ssh', 'privateKeyPassphrase'], ['source', 'tls', 'keyPassphrase'],
];

/** Range of the literal value at `path` (block-style YAML), if it is plain text rather than a reference. */
export function plainPasswordRange(text: string, path: string[] = ['source', 'password']): Range0 | undefined {
  const lines = text.split(/\r?\n/);
  // The line of each mapping key on the path, each deeper than its parent.
  let depth = 0;
  let parentIndent = -1;
  let childIndent = -1;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l.trim() || l.trimStart().startsWith('#')) continue;
    const indent = l.length - l.trimStart().length;
    if (indent <= parentIndent) return undefined; // left the block of path[depth - 1]
    const m = /^(\s*)([A-Za-z_][\w-]*)(\s*:\s*)(.*)$/.exec(l);
    if (!m) continue;
    if (depth > 0 && childIndent < 0) childIndent = indent;
    if (indent !== (depth === 0 ? 0 : childIndent) || m[2] !== path[depth]) continue;
    if (depth < path.length - 1) { depth++; parentIndent = indent; childIndent = -1; continue; }
    const value = stripComment(m[4]).trimEnd();
    const bare = value.replace(/^["']|["']$/g, '');
    if (bare === '' || /^\$\{(secret|env):[^}]+\}$/.test(bare) || bare === 'null' || bare === '~') return undefined;
    const startCol = m[1].length + m[2].length + m[3].length;
    return { startLine: i, startCol, endLine: i, endCol: startCol + value.length };
  }
  return undefined;
}

/** The literal secret value at `path` (unquoted), for moving it to secret storage. */
export function plainPasswordValue(text: string, path: string[] = ['source', 'password']): string | undefined {
  const r = plainPasswordRange(text, path);
  if (!r) return undefined;
  const v = text.split(/\r?\n/)[r.startLine].slice(r.startCol, r.endCol);
  if (v.startsWith('"')) { try { return JSON.parse(v); } catch { return v.slice(1, -1); } }
  if (v.startsWith("'")) return v.slice(1, -1).replace(/''/g, "'");
  return v;
}

/**
 * Two PostgreSQL tasks on the same server with the same slot steal each other's changes; two
 * MySQL tasks with the same server id kick each other off the binlog. Returns, for `info`, the
 * other task files it collides with.
 */
export function sharedSlotConflicts(info: TaskFileInfo, all: TaskFileInfo[]): { code: 'shared-slot' | 'shared-server-id'; others: TaskFileInfo[] } | undefined {
  const server = (i: TaskFileInfo) => `${i.sourceType}|${(i.host ?? '').toLowerCase()}|${i.port ?? ''}`;
  if (info.sourceType === 'postgres' && info.slot) {
    const others = all.filter((o) => o.file !== info.file && o.sourceType === 'postgres' && server(o) === server(info)
      && o.database === info.database && o.slot === info.slot);
    if (others.length > 0) return { code: 'shared-slot', others };
  }
  if (info.sourceType === 'mysql' && info.serverId !== undefined) {
    const others = all.filter((o) => o.file !== info.file && o.sourceType === 'mysql' && server(o) === server(info) && o.serverId === info.serverId);
    if (others.length > 0) return { code: 'shared-server-id', others };
  }
  return undefined;
}

export function sharedSlotDiagnostic(text: string, info: TaskFileInfo, all: TaskFileInfo[]): MappedDiagnostic | undefined {
  const c = sharedSlotConflicts(info, all);
  if (!c) return undefined;
  const names = c.others.map((o) => o.name).join(', ');
  const key = c.code === 'shared-slot' ? 'slot' : 'serverId';
  const range = rangeOfPath(text, ['source', key]) ?? rangeOfPath(text, ['source']) ?? { startLine: 0, startCol: 0, endLine: 0, endCol: 1 };
  const message = c.code === 'shared-slot'
    ? `Replication slot "${info.slot}" is also used by task ${names} on the same server: each change would reach only one of them. Give each task its own slot.`
    : `Server id ${info.serverId} is also used by task ${names} on the same server: MySQL disconnects one of two replicas with the same id. Give each task its own serverId.`;
  return { ...range, message, severity: 'error', code: c.code };
}
