// YAML text -> plain JS value plus, for every value, the YAML nodes it came from (so any
// error found later can point at line:column). Hostile input is stopped here: oversized
// files, binary data, syntax errors, deep nesting and alias bombs each become one positioned
// problem instead of a crash or a hang.
import { parseDocument, LineCounter, isAlias, isMap, isScalar, isSeq, visit, type Document, type Node } from 'yaml';
import type { TaskDiagnostic } from './diagnostics';
import { findDeepNesting } from './nesting';

/** Task files are a few hundred bytes; anything this big is the wrong file (and would take long to check). */
export const MAX_TASK_BYTES = 256 * 1024;

export function tooBigMessage(size: number): string {
  const shown = size >= 1024 * 1024 ? `${(size / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(size / 1024)} KB`;
  return `the task file is ${shown}, more than the ${MAX_TASK_BYTES / 1024} KB a task file may have; is this the right file?`;
}
/** The schema is 4 levels deep; 32 leaves room for mistakes without risking the stack. */
export const MAX_DEPTH = 32;
/** Values after alias expansion: stops "billion laughs" documents. */
export const MAX_VALUES = 20_000;

export interface NodeRef {
  /** The key node of the pair holding this value (absent for the root and list items). */
  key?: Node;
  /** The value node (absent when the pair has no value at all). */
  value?: Node | null;
}

export interface ParsedTask {
  text: string;
  /** The document as plain data, or undefined when the text is not usable YAML. */
  value: unknown;
  /** JSON pointer (as in ajv's instancePath) -> nodes. */
  nodes: Map<string, NodeRef>;
  diagnostics: TaskDiagnostic[];
  /** Turns source offsets into a diagnostic. */
  at: (start: number, end: number, message: string, path: string, severity?: 'error' | 'warning') => TaskDiagnostic;
}

export function pointerSegment(key: string | number): string {
  return '/' + String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** "source.port", "tables[2]", 'virtualTables["a.b"]': how a person names a place in the file. */
export function displayPath(segments: (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += (out ? '.' : '') + s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

export function pointerToSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function makeLocator(text: string, file: string): ParsedTask['at'] {
  const lc = new LineCounter();
  for (const s of lineStarts(text)) lc.addNewLine(s);
  const clamp = (n: number) => Math.max(0, Math.min(n, text.length));
  return (start, end, message, path, severity = 'error') => {
    const s = lc.linePos(clamp(start));
    const e = lc.linePos(clamp(Math.max(end, start)));
    return { file, line: s.line, column: s.col, endLine: e.line, endColumn: e.col, message, severity, path };
  };
}

// Characters YAML forbids (C0 controls other than tab/LF/CR, DEL, noncharacters): their presence
// means binary data, which the YAML parser would otherwise read as one long plain string.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/;

// The parser's words plus what to do about it, for the mistakes people actually make.
function yamlMessage(code: string, message: string): string {
  const plain = message.replace(/\s+at line \d+, column \d+.*$/s, '').replace(/\.$/, '');
  switch (code) {
    case 'DUPLICATE_KEY': return 'duplicate key: each key may appear only once in a mapping; remove or rename one of them';
    case 'TAB_AS_INDENT': return 'tabs are not allowed as indentation in YAML; indent with spaces';
    case 'MULTIPLE_DOCS': return 'a task file holds one YAML document; remove the second "---" document or move it to its own file';
    case 'RESOURCE_EXHAUSTION': return 'the YAML is nested too deeply to read; a task file is only a few levels deep';
    case 'MULTILINE_IMPLICIT_KEY': return 'YAML syntax error: a key and its ":" must be on one line; is a quote or bracket left open above?';
    case 'BAD_DQ_ESCAPE': return `YAML syntax error: ${plain}; inside "double quotes" write \\\\ for a backslash, or use 'single quotes'`;
    case 'BAD_ALIAS': case 'BAD_SCALAR_START':
      return `YAML syntax error: ${plain}; quote values that start with * & ! | > % @ or \``;
    case 'KEY_OVER_1024_CHARS': return 'YAML syntax error: a key is longer than 1024 characters; is a ":" missing after a key?';
    case 'BAD_INDENT':
      if (/^Flow (sequence|map) in block collection must be sufficiently indented and end with/.test(plain)) {
        return `YAML syntax error: this ${plain.endsWith(']') ? '[ list' : '{ mapping'} is never closed; add "${plain.endsWith(']') ? ']' : '}'}" at its end (continuation lines must be indented)`;
      }
      return /same column/.test(plain)
        ? `YAML syntax error: ${plain}; align the keys of one mapping with spaces`
        : `YAML syntax error: ${plain}`;
    default:
      if (/Missing closing .?quote/.test(plain)) return 'YAML syntax error: this quoted value is never closed; add the closing quote';
      if (/Nested mappings are not allowed in compact mappings/.test(plain)) {
        return 'YAML syntax error: a value on the same line as its key cannot itself be "key: value"; quote the value or put the inner keys on their own indented lines';
      }
      if (/Implicit map keys need to be followed by map values/.test(plain)) {
        return 'YAML syntax error: this line is neither "key: value" nor a "- " list item; add ": " after the key (with a space)';
      }
      return `YAML syntax error: ${plain}`;
  }
}

export function parseTaskText(text: string, file: string): ParsedTask {
  const at = makeLocator(text, file);
  const nodes = new Map<string, NodeRef>();
  const result: ParsedTask = { text, value: undefined, nodes, diagnostics: [], at };
  const fail = (start: number, end: number, message: string, path = '') => {
    result.diagnostics.push(at(start, end, message, path));
    return result;
  };

  if (text.length > MAX_TASK_BYTES) {
    return fail(0, 1, tooBigMessage(text.length));
  }
  const bad = FORBIDDEN.exec(text);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).padStart(4, '0');
    return fail(bad.index, bad.index + 1, `the file contains binary data (character U+${code}); a task file is UTF-8 YAML text`);
  }

  const deep = findDeepNesting(text, MAX_DEPTH);
  if (deep) return fail(deep.offset, deep.offset + 1, `nested more than ${MAX_DEPTH} levels deep; a task file is only a few levels deep`);

  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, strict: true, keepSourceTokens: false });
  // One broken bracket can make the parser report the same problem hundreds of times.
  const shown = new Map<string, number>();
  for (const e of doc.errors) {
    const n = (shown.get(e.code) ?? 0) + 1;
    shown.set(e.code, n);
    if (n <= 3 && result.diagnostics.length < 10) {
      const [start, end] = opening(doc, text, e.message, e.pos) ?? e.pos;
      result.diagnostics.push(at(start, end, yamlMessage(e.code, e.message), ''));
    }
  }
  for (const w of doc.warnings) {
    result.diagnostics.push(at(w.pos[0], w.pos[1], `YAML: ${w.message}; it is ignored`, '', 'warning'));
  }
  if (doc.errors.length > 0) return result;
  if (doc.contents === null) return fail(0, 1, 'the task file is empty; it needs at least `source:` and `mode:`');

  const converted = toPlain(doc, result);
  if (converted.ok) result.value = converted.value;
  return result;
}

// The parser notices an unclosed quote or bracket where the file (or block) ends; the person
// needs the place where it was opened.
function opening(doc: Document, text: string, message: string, pos: [number, number]): [number, number] | undefined {
  const quote = /Missing closing (["'])quote/.exec(message)?.[1];
  const flow = /^Flow (sequence|map) in block collection must be sufficiently indented and end with/.test(message);
  if (!quote && !flow) return undefined;
  let found: [number, number] | undefined;
  visit(doc, (_key, node) => {
    const range = (node as Node | undefined)?.range;
    if (!range || range[0] >= pos[0]) return;
    if (quote && isScalar(node) && node.type === (quote === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE') && range[1] >= pos[0] - 1) found = [range[0], range[0] + 1];
    if (flow && !found && (isSeq(node) || isMap(node)) && node.flow && range[1] >= pos[0] - 1
      && !text.slice(range[0], range[1]).trimEnd().endsWith(isSeq(node) ? ']' : '}')) found = [range[0], range[0] + 1];
  });
  return found;
}

interface Frame { node: Node | null | undefined; pointer: string; segments: (string | number)[]; depth: number }

// Recursive on purpose (the depth is capped at MAX_DEPTH, so the stack is safe).
function toPlain(doc: Document, result: ParsedTask): { ok: boolean; value?: unknown } {
  let count = 0;
  let ok = true;
  const problem = (node: Node | null | undefined, message: string, segments: (string | number)[]) => {
    const [s, e] = node?.range ?? [0, 1];
    result.diagnostics.push(result.at(s, e, message, displayPath(segments)));
    ok = false;
  };

  const convert = (f: Frame, via?: Node): unknown => {
    if (!ok) return undefined;
    if (++count > MAX_VALUES) {
      problem(via ?? f.node, `too many values (over ${MAX_VALUES}, counting what YAML aliases expand to); a task file is small, remove the aliases`, f.segments);
      return undefined;
    }
    if (f.depth > MAX_DEPTH) {
      problem(via ?? f.node, `nested more than ${MAX_DEPTH} levels deep; a task file is only a few levels deep`, f.segments);
      return undefined;
    }
    let node = f.node;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) {
        problem(node, `the alias *${node.source} has no anchor &${node.source} before it; define the anchor first or write the value out`, f.segments);
        return undefined;
      }
      via = via ?? node;
      node = target as Node;
    }
    if (node === null || node === undefined) return null;
    if (isScalar(node)) return node.value;
    if (isSeq(node)) {
      const out: unknown[] = [];
      node.items.forEach((item, i) => {
        const pointer = f.pointer + pointerSegment(i);
        if (!result.nodes.has(pointer)) result.nodes.set(pointer, { value: item as Node });
        out.push(convert({ node: item as Node, pointer, segments: [...f.segments, i], depth: f.depth + 1 }, via));
      });
      return out;
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        if (keyNode !== null && !isScalar(keyNode)) {
          problem(keyNode, 'a key must be a plain name, not a list or mapping', f.segments);
          return undefined;
        }
        const key = String(keyNode?.value ?? '');
        const pointer = f.pointer + pointerSegment(key);
        if (!result.nodes.has(pointer)) result.nodes.set(pointer, { key: keyNode ?? undefined, value: pair.value as Node | null });
        // defineProperty: a key named __proto__ stays a plain key instead of changing the prototype.
        Object.defineProperty(out, key, {
          value: convert({ node: pair.value as Node | null, pointer, segments: [...f.segments, key], depth: f.depth + 1 }, via),
          enumerable: true, writable: true, configurable: true,
        });
      }
      return out;
    }
    problem(node, 'this YAML node is not supported in a task file', f.segments);
    return undefined;
  };

  result.nodes.set('', { value: doc.contents as Node | null });
  const value = convert({ node: doc.contents as Node | null, pointer: '', segments: [], depth: 0 });
  return { ok, value };
}
