// Checks the schema cannot express: reference syntax, sane globs, plain-text passwords and
// settings that the chosen source or mode ignores.
import picomatch from 'picomatch';
import type { TaskDiagnostic } from './diagnostics';
import { describeValue } from './messages';
import { unknownPlaceholders } from './naming';
import { isSourceType, sourceFacts, SOURCE_TYPES } from '../source/known';
import { parseRefs, hasRefs, strings } from './refs';
import { displayPath, pointerSegment, type ParsedTask } from './yaml-tree';

type Data = Record<string, any>;

export function semanticDiagnostics(parsed: ParsedTask): TaskDiagnostic[] {
  const out: TaskDiagnostic[] = [];
  const data = parsed.value;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return out;
  const d = data as Data;
  const nodeRange = (segments: (string | number)[], key = false): [number, number] => {
    const ref = parsed.nodes.get(segments.map(pointerSegment).join(''));
    const node = (key ? ref?.key : ref?.value) ?? ref?.key ?? ref?.value;
    return node?.range ? [node.range[0], node.range[1]] : [0, 1];
  };
  const report = (segments: (string | number)[], message: string, severity: 'error' | 'warning' = 'error', key = false) => {
    const [s, e] = nodeRange(segments, key);
    out.push(parsed.at(s, e, message, displayPath(segments), severity));
  };

  // ${...} syntax in every string value, positioned on the reference itself where possible.
  for (const [value, segments] of strings(d)) {
    for (const p of parseRefs(value).problems) {
      const [s, e] = refRange(parsed, segments, value.slice(p.index, p.index + p.length));
      out.push(parsed.at(s, e, `${displayPath(segments)} ${p.message}`, displayPath(segments)));
    }
  }

  const source = isObject(d.source) ? d.source : {};
  if (typeof source.password === 'string' && source.password !== '' && !hasRefs(source.password)) {
    report(['source', 'password'], 'source.password is written in plain text; task files end up in git, so use ${env:NAME} or ${secret:NAME} instead', 'warning');
  }
  // The other secrets of a source: passphrases and passwords, and private keys pasted as text.
  const tls = isObject(source.tls) ? source.tls : {};
  const ssh = isObject(source.ssh) ? source.ssh : {};
  for (const [section, obj, k] of [['tls', tls, 'keyPassphrase'], ['ssh', ssh, 'privateKeyPassphrase'], ['ssh', ssh, 'password']] as const) {
    const v = obj[k];
    if (typeof v === 'string' && v !== '' && !hasRefs(v)) {
      report(['source', section, k], `source.${section}.${k} is written in plain text; task files end up in git, so use \${env:NAME} or \${secret:NAME} instead`, 'warning');
    }
  }
  for (const [section, obj, k] of [['tls', tls, 'key'], ['ssh', ssh, 'privateKey']] as const) {
    const v = obj[k];
    if (typeof v === 'string' && /-----BEGIN/.test(v) && !hasRefs(v)) {
      report(['source', section, k], `source.${section}.${k} holds a private key in plain text; task files end up in git, so store the key in a file outside the repository (and write its path) or use \${secret:NAME}`, 'error');
    }
  }
  // settings another kind of source reads (slot for PostgreSQL, serverId for MySQL) are ignored here
  const facts = isSourceType(source.type) ? sourceFacts(source.type) : undefined;
  if (facts) {
    for (const other of SOURCE_TYPES.filter((t) => t !== source.type)) {
      for (const k of sourceFacts(other).ownSettings) {
        if (k in source && !facts.ownSettings.includes(k)) report(['source', k], `source.${k} is only used by ${other} sources; it is ignored for ${source.type}`, 'warning', true);
      }
    }
  }

  const modeOf: Record<string, string> = { databases: 'database-mirror', tables: 'multi-table-mirror', tablesFrom: 'multi-table-mirror', virtualTables: 'multi-table-merge' };
  if (Object.values(modeOf).includes(d.mode)) {
    for (const [key, mode] of Object.entries(modeOf)) {
      if (key in d && d.mode !== mode) report([key], `${key} is only used in mode ${mode}; with mode ${d.mode} it is ignored`, 'warning', true);
    }
  }

  // Target naming (config/naming.ts): templates use known placeholders; merge names its targets itself.
  const target = isObject(d.target) ? d.target : {};
  if (typeof target.tableName === 'string') {
    for (const f of unknownPlaceholders(target.tableName)) {
      const [s, e] = refRange(parsed, ['target', 'tableName'], `{${f}}`);
      out.push(parsed.at(s, e, `target.tableName: {${f}} is not a placeholder; use {schema}, {database} or {table}`, 'target.tableName'));
    }
    if (d.mode === 'multi-table-merge') report(['target', 'tableName'], 'target.tableName is not used in mode multi-table-merge: the keys of virtualTables name the target tables', 'warning', true);
  }
  if (d.mode === 'multi-table-merge' && isObject(target.namespace)) {
    report(['target', 'namespace'], 'target.namespace {from: source} cannot name a merged table, whose rows come from several source databases; write a fixed namespace such as ods');
  }

  // PostgreSQL names tables schema.table inside source.database; "db.schema.table" never matches.
  if (facts?.schemasInDatabase && typeof source.database === 'string') {
    for (const key of ['tables', 'exclude']) {
      if (!Array.isArray(d[key])) continue;
      d[key].forEach((pattern: unknown, i: number) => {
        if (typeof pattern === 'string' && pattern.startsWith(`${source.database}.`) && pattern.split('.').length === 3) {
          const fixed = pattern.slice(source.database.length + 1);
          report([key, i], `${key}[${i}] ${describeValue(pattern)} names the database; ${facts.label} tables are schema.table inside source.database, so write ${describeValue(fixed)}`, 'warning');
        }
      });
    }
  }

  for (const key of ['tables', 'exclude']) {
    if (!Array.isArray(d[key])) continue;
    d[key].forEach((pattern: unknown, i: number) => {
      if (typeof pattern !== 'string' || hasRefs(pattern)) return;
      const problem = globProblem(pattern);
      if (problem) report([key, i], `${key}[${i}] ${describeValue(pattern)} ${problem}`);
      else if (/\\[dwsS.]|\.\+|^\^|\$$|\(\?/.test(pattern)) {
        report([key, i], `${key}[${i}] ${describeValue(pattern)} looks like a regular expression, but ${key} takes globs (e.g. shop.order_*); regular expressions belong in virtualTables`, 'warning');
      }
    });
  }
  if (Array.isArray(d.databases)) {
    d.databases.forEach((name: unknown, i: number) => {
      if (typeof name !== 'string' || hasRefs(name)) return;
      const problem = globProblem(name, false);
      if (problem) report(['databases', i], `databases[${i}] ${describeValue(name)} ${problem}`);
    });
  }
  return out;
}

/** Why a glob cannot be what the user meant, or undefined when it is fine. */
export function globProblem(pattern: string, qualified = true): string | undefined {
  if (pattern.trim() !== pattern) return 'has spaces at its start or end; remove them';
  if (qualified && (pattern.startsWith('.') || pattern.endsWith('.'))) {
    return 'has an empty database or table part; write db.table (e.g. shop.orders)';
  }
  let square = 0;
  let curly = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') { i++; continue; }
    if (c === '[') square++;
    else if (c === ']') square = Math.max(0, square - 1);
    else if (c === '{') curly++;
    else if (c === '}') { if (curly === 0) return 'has a "}" without its "{"; balance the braces or escape it as \\}'; curly--; }
  }
  if (square > 0) return 'has a "[" without its "]"; close the character class or escape it as \\[';
  if (curly > 0) return 'has a "{" without its "}"; close the alternatives or escape it as \\{';
  try {
    if (String(picomatch.makeRe(pattern)) === '/$^/') return 'can never match; check its brackets and braces';
  } catch (err) {
    return `is not a valid glob: ${(err as Error).message}`;
  }
  return undefined;
}

function isObject(v: unknown): v is Data {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The source range of `needle` inside the scalar at `segments` (falls back to the whole scalar). */
export function refRange(parsed: ParsedTask, segments: (string | number)[], needle: string): [number, number] {
  const node = parsed.nodes.get(segments.map(pointerSegment).join(''))?.value;
  if (!node?.range) return [0, 1];
  const [s, e] = node.range;
  const at = parsed.text.slice(s, e).indexOf(needle);
  return at === -1 ? [s, e] : [s + at, s + at + needle.length];
}
