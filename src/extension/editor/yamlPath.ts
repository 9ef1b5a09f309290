// Where the cursor is in a task file, as a path of YAML keys. Works line by line on indentation
// so it keeps working while the user is half-way through typing (the YAML parser gives up on
// exactly the texts an editor sees most). No vscode import: unit-tested.

/** A path segment: a mapping key, or '*' for "an item of this sequence". */
export type Segment = string;

export interface CursorContext {
  /**
   * key: typing a key of the mapping at `path`.
   * value: typing the scalar value of `key` in the mapping at `path`.
   * item: typing an item of the sequence at `path` (block `- x` or flow `[a, x`).
   */
  kind: 'key' | 'value' | 'item';
  path: Segment[];
  key?: string;
  /** The partial word before the cursor, and the column where it starts. */
  prefix: string;
  prefixStart: number;
  /** Column of the current key (or of the item after `- `): where sibling keys start. */
  column: number;
  /** Keys already present in the same mapping (for not offering them twice). */
  siblings: string[];
}

interface LineInfo {
  blank: boolean;
  indent: number;
  dash: boolean;
  /** Column of the content after `- ` (or after the indent). */
  contentCol: number;
  key?: string;
  /** Text after `key:` (trimmed, comment removed). */
  value?: string;
}

const KEY = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^\s#:'"[\]{},][^:#]*?)\s*:(?:\s+|$)(.*)$/;

function unquote(k: string): string {
  if ((k.startsWith('"') && k.endsWith('"')) || (k.startsWith("'") && k.endsWith("'"))) return k.slice(1, -1);
  return k.trim();
}

/** Removes a trailing `# comment` that is not inside quotes. */
export function stripComment(text: string): string {
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (quote === '"' && c === '\\') i++; // an escaped character inside "…"
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) return text.slice(0, i);
  }
  return text;
}

function lineInfo(raw: string): LineInfo {
  const text = stripComment(raw).replace(/\s+$/, '');
  if (text.trim() === '' || text.trim() === '---') return { blank: true, indent: 0, dash: false, contentCol: 0 };
  const m = /^(\s*)(-(?:\s+|$))?/.exec(text)!;
  const indent = m[1].length;
  const dash = !!m[2];
  const contentCol = indent + (m[2]?.length ?? 0);
  const rest = text.slice(contentCol);
  const k = KEY.exec(rest);
  if (k) return { blank: false, indent, dash, contentCol, key: unquote(k[1]), value: k[2].trim() };
  return { blank: false, indent, dash, contentCol };
}

/** The path of the mapping or sequence that contains line `lineNo` at column `col`. */
function parentPath(lines: string[], lineNo: number, col: number, isDash: boolean): Segment[] {
  const path: Segment[] = [];
  let limit = col;
  let dashLevel = isDash; // the current node is a sequence item whose `-` sits at `limit`
  for (let i = lineNo - 1; i >= 0; i--) {
    if (limit === 0 && !dashLevel) break;
    const info = lineInfo(lines[i]);
    if (info.blank) continue;
    if (info.key !== undefined && !info.dash && info.contentCol < limit) {
      path.unshift(info.key);
      limit = info.contentCol; dashLevel = false;
    } else if (dashLevel && info.key !== undefined && !info.dash && info.contentCol === limit && info.value === '') {
      // `tables:` followed by `- x` at the same indent.
      path.unshift(info.key);
      limit = info.contentCol; dashLevel = false;
    } else if (!dashLevel && info.dash && info.contentCol === limit) {
      // A sibling key that starts this sequence item (`- name: x` above `  host: y`).
      path.unshift('*');
      limit = info.indent; dashLevel = true;
    } else if (!dashLevel && info.dash && info.key !== undefined && info.contentCol < limit) {
      // Nested under the key of a sequence item (`- name:` then deeper lines).
      path.unshift('*', info.key);
      limit = info.indent; dashLevel = true;
    }
  }
  return path;
}

/** Keys already written in the mapping whose keys start at `col`, around `lineNo`. */
function siblingKeys(lines: string[], lineNo: number, col: number): string[] {
  const keys: string[] = [];
  const scan = (from: number, step: number) => {
    for (let i = from; i >= 0 && i < lines.length; i += step) {
      const info = lineInfo(lines[i]);
      if (info.blank) continue;
      if (info.contentCol < col || (info.dash && info.indent < col) || (info.dash && info.contentCol === col && step > 0)) {
        // Left the mapping (a shallower line, or the next item of the same sequence).
        if (info.dash && info.contentCol === col && step < 0 && info.key) keys.push(info.key);
        break;
      }
      if (info.contentCol === col && info.key !== undefined && !info.dash) keys.push(info.key);
    }
  };
  scan(lineNo - 1, -1);
  scan(lineNo + 1, 1);
  return keys;
}

export function cursorContext(text: string, line: number, character: number): CursorContext | undefined {
  const lines = text.split(/\r?\n/);
  const raw = lines[line] ?? '';
  const before = raw.slice(0, character);
  if (stripComment(before) !== before) return undefined; // inside a comment
  const m = /^(\s*)(-\s+)?/.exec(before)!;
  const indent = m[1].length;
  const dash = !!m[2];
  const column = indent + (m[2]?.length ?? 0);
  const rest = before.slice(column);
  const k = KEY.exec(rest);
  if (k) {
    const key = unquote(k[1]);
    const valueText = k[2];
    const valueStart = character - valueText.length;
    const path = dash ? [...parentPath(lines, line, indent, true), '*'] : parentPath(lines, line, column, false);
    const flow = /^\[([^\]]*)$/.exec(valueText);
    if (flow) {
      const last = flow[1].split(',').pop() ?? '';
      const prefix = last.trimStart().replace(/^["']/, '');
      return { kind: 'item', path: [...path, key], key, prefix, prefixStart: character - prefix.length, column, siblings: [] };
    }
    const prefix = valueText.replace(/^["']/, '');
    return { kind: 'value', path, key, prefix, prefixStart: valueStart + (valueText.length - prefix.length), column, siblings: [] };
  }
  if (dash) {
    const path = parentPath(lines, line, indent, true);
    const prefix = rest.replace(/^["']/, '');
    return { kind: 'item', path, prefix, prefixStart: character - prefix.length, column, siblings: [] };
  }
  if (/[:[\]{}]/.test(rest)) return undefined;
  const path = parentPath(lines, line, column, false);
  return { kind: 'key', path, prefix: rest, prefixStart: column, column, siblings: siblingKeys(lines, line, column) };
}

/** The full key path of the key under the cursor (for hover), with its columns. */
export function keyAt(text: string, line: number, character: number): { path: Segment[]; start: number; end: number } | undefined {
  const lines = text.split(/\r?\n/);
  const raw = lines[line] ?? '';
  const info = lineInfo(raw);
  if (info.blank || info.key === undefined) return undefined;
  const start = info.contentCol + (raw[info.contentCol] === '"' || raw[info.contentCol] === "'" ? 1 : 0);
  const end = start + info.key.length;
  if (character < info.contentCol || character > end) return undefined;
  const path = info.dash ? [...parentPath(lines, line, info.indent, true), '*'] : parentPath(lines, line, info.contentCol, false);
  return { path: [...path, info.key], start, end };
}
