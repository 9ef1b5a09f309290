// ajv errors -> one sentence each, positioned on the node a person has to change, with the fix.
// ajv reports conditionals and alternatives as cascades (if/then, anyOf branches); those are
// folded here into the single message that matters.
import type { ErrorObject } from 'ajv';
import { stringify } from 'yaml';
import type { TaskDiagnostic } from './diagnostics';
import { schemaAt, schemaByPointer, schemaObjects, regexError, type SchemaNode } from './schema';
import { closest } from './suggest';
import { displayPath, pointerSegment, pointerToSegments, type ParsedTask } from './yaml-tree';

/** How a value reads in a message; secrets are never echoed. */
export function describeValue(value: unknown, secret = false): string {
  if (value === null || value === undefined) return 'nothing (an empty value)';
  if (value instanceof Uint8Array) return 'binary data';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (secret) return typeof value === 'string' ? 'text' : `a ${typeof value}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  return String(value);
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text', integer: 'a number', number: 'a number', boolean: 'true or false',
  array: 'a list', object: 'a mapping (keys indented below it)', null: 'empty',
};

/** A value as it would be written in YAML flow style, for "e.g." hints. */
export function inlineYaml(v: unknown): string {
  return stringify(v, { collectionStyle: 'flow', lineWidth: 0 }).trim();
}

function example(segments: (string | number)[], key?: string): string | undefined {
  const node = schemaAt(key === undefined ? segments : [...segments, key]);
  const ex = node?.examples?.[0] ?? node?.default;
  if (ex === undefined) return undefined;
  const last = segments[segments.length - 1];
  // a list item is written "- value", not "1: value"
  if (key === undefined && (typeof last === 'number' || /^\d+$/.test(String(last)))) return `- ${inlineYaml(ex)}`;
  const name = key ?? [...segments].reverse().find((s) => typeof s === 'string');
  return name === undefined ? inlineYaml(ex) : `${name}: ${inlineYaml(ex)}`;
}

/** Keys whose values are secrets (passwords, passphrases, private keys): never echoed in a message. */
export const SECRET_KEYS = new Set(['password', 'privateKeyPassphrase', 'keyPassphrase', 'privateKey', 'key']);
const isSecretPath = (segments: (string | number)[]) => SECRET_KEYS.has(String(segments[segments.length - 1]));

const branchesOf = new WeakMap<ErrorObject, ErrorObject[]>();

/** What one failed alternative asked for, as words ("a number", "text like ${env:NAME}"). */
function wanted(e: ErrorObject): string | undefined {
  const p = e.params as Record<string, any>;
  switch (e.keyword) {
    case 'type': return String(p.type).split(',').map((t) => TYPE_WORDS[t] ?? t).join(' or ');
    case 'enum': return `one of ${(p.allowedValues as unknown[]).join(', ')}`;
    case 'const': return String(p.allowedValue);
    case 'pattern': return (e.parentSchema as SchemaNode | undefined)?.patternErrorMessage ?? `text matching ${p.pattern}`;
    default: return undefined;
  }
}

export function schemaDiagnostics(errors: ErrorObject[], parsed: ParsedTask): TaskDiagnostic[] {
  const out: TaskDiagnostic[] = [];
  const seen = new Set<string>();
  const push = (d: TaskDiagnostic) => {
    const k = `${d.line}:${d.column}:${d.message}`;
    if (!seen.has(k)) { seen.add(k); out.push(d); }
  };
  for (const e of collapse(errors)) {
    const d = toDiagnostic(e, parsed);
    if (d) push(d);
  }
  return out;
}

// Drop the "must match then schema" echoes, fold anyOf/oneOf branches into their parent, and
// keep only the type error where a value also failed keywords of another type.
function collapse(errors: ErrorObject[]): ErrorObject[] {
  let list = errors.filter((e) => e.keyword !== 'if' && e.keyword !== 'propertyNames');
  const alternatives = list.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  for (const alt of alternatives) {
    const inside = list.filter((e) => e !== alt && e.schemaPath.startsWith(alt.schemaPath + '/'));
    const deeper = inside.filter((e) => e.instancePath.length > alt.instancePath.length);
    list = list.filter((e) => !inside.includes(e) || deeper.includes(e));
    // A branch that got further into the value explains the problem better than "matches none";
    // otherwise the alternative speaks for all its branches in one sentence.
    if (deeper.length > 0) list = list.filter((e) => e !== alt);
    else branchesOf.set(alt, inside);
  }
  // A value of the wrong type also fails its enum/pattern/...: the type error says it all.
  const typed = new Set(list.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  return list.filter((e) => e.keyword === 'type' || e.keyword === 'required' || e.keyword === 'additionalProperties' || !typed.has(e.instancePath));
}

function toDiagnostic(e: ErrorObject, parsed: ParsedTask): TaskDiagnostic | undefined {
  const segments = pointerToSegments(e.instancePath);
  const numeric = typedSegments(parsed.value, segments);
  const path = displayPath(numeric);
  const where = path || 'the task file';
  const ref = parsed.nodes.get(e.instancePath);
  const valueNode = ref?.value && ref.value.range && ref.value.range[1] > ref.value.range[0] ? ref.value : undefined;
  // an empty value (e.g. a bare "-" list item) still has a place: its (zero-width) node
  const anchor = valueNode ?? ref?.key ?? (ref?.value?.range ? ref.value : undefined);
  const atNode = (message: string, node = anchor, p = path) => {
    const [s, end] = node?.range ?? [0, 1];
    return parsed.at(s, end, message, p);
  };
  const data = e.data;
  const got = describeValue(data, isSecretPath(segments));
  const p = e.params as Record<string, any>;

  switch (e.keyword) {
    case 'type': {
      const expected = String(p.type).split(',');
      if (expected.includes('object') && (data === null || data === undefined)) {
        const keys = Object.keys(schemaAt(segments)?.properties ?? {}).slice(0, 4).join(', ');
        return atNode(`${where} is empty; give it keys indented below it (${keys}, ...)`);
      }
      if (expected[0] === 'integer' && typeof data === 'number') {
        return atNode(`${where} must be a whole number, got ${got}`);
      }
      const hint = expected[0] === 'string' && (typeof data === 'number' || typeof data === 'boolean')
        ? `; put it in quotes: '${isSecretPath(segments) ? '...' : String(data)}'`
        : (example(segments) ? ` (e.g. ${example(segments)})` : '');
      return atNode(`${where} must be ${expected.map((t) => TYPE_WORDS[t] ?? t).join(' or ')}, got ${got}${hint}`);
    }
    case 'required': {
      const missing = String(p.missingProperty);
      // Conditional requirements (if/then) carry their reason as the description of the `then`.
      const reason = e.schemaPath.endsWith('/then/required')
        ? schemaByPointer(e.schemaPath.replace(/\/required$/, ''))?.description : undefined;
      const parentNode = ref?.key ?? undefined;
      const full = displayPath([...numeric, missing]);
      const ex = example(segments, missing);
      const target = schemaAt([...segments, missing]);
      const under = path ? ` under ${path}` : '';
      const add = ex ? `add \`${ex}\`${under}`
        : target?.required ? `add a \`${missing}:\` mapping${under} with ${target.required.join(', ')}`
          : `add \`${missing}:\`${under}`;
      const choices = schemaAt([...segments, missing])?.enum;
      const options = choices ? ` (one of ${choices.join(', ')})` : '';
      const [s, end] = parentNode?.range ?? firstLine(parsed);
      return parsed.at(s, end, `${full} is missing${reason ? `: ${reason}` : ''}; ${add}${options}`, full);
    }
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const keyRef = parsed.nodes.get(e.instancePath + pointerSegment(key));
      const node = keyRef?.key ?? anchor;
      const fullPath = displayPath([...numeric, key]);
      const valid = Object.keys(schemaAt(segments)?.properties ?? {});
      const inside = path ? ` in ${path}` : '';
      const near = closest(key, valid);
      let fix: string;
      if (key === '<<') fix = 'YAML merge keys are not supported in task files; write the keys out';
      else if (near) fix = `did you mean '${near}'?`;
      else {
        // Maybe right key, wrong level: "chunkSize" at the top belongs under snapshot.
        const others = schemaObjects().filter((o) => o.segments.join('.') !== segments.join('.') && o.segments.length > 0);
        const exact = others.find((o) => o.keys.includes(key));
        const fuzzy = exact ? undefined : others.map((o) => ({ o, k: closest(key, o.keys) })).find((x) => x.k);
        fix = exact ? `it belongs under ${exact.segments.join('.')}; move it there`
          : fuzzy ? `did you mean '${fuzzy.k}' under ${fuzzy.o.segments.join('.')}?`
            : `remove it; the keys here are ${valid.join(', ')}`;
      }
      return atNode(`unknown key '${key}'${inside}: ${fix}`, node, fullPath);
    }
    case 'enum':
    case 'const': {
      const allowed = (e.keyword === 'enum' ? p.allowedValues : [p.allowedValue]) as unknown[];
      const near = typeof data === 'string' ? closest(data, allowed.map(String)) : undefined;
      return atNode(`${where} must be one of ${allowed.join(', ')}, got ${got}${near ? `; did you mean '${near}'?` : ''}`);
    }
    case 'minimum': case 'exclusiveMinimum':
      return atNode(`${where} must be at least ${p.limit + (e.keyword === 'exclusiveMinimum' ? 1 : 0)}, got ${got}`);
    case 'maximum': case 'exclusiveMaximum':
      return atNode(`${where} must be at most ${p.limit}, got ${got}`);
    case 'minLength':
      if (p.propertyName !== undefined) return keyProblem(e, parsed, numeric, `the name ${JSON.stringify(p.propertyName)} in ${where} must not be empty`);
      return atNode(p.limit <= 1 ? `${where} must not be empty${example(segments) ? ` (e.g. ${example(segments)})` : ''}` : `${where} must be at least ${p.limit} characters`);
    case 'maxLength':
      if (p.propertyName !== undefined) return keyProblem(e, parsed, numeric, `the name ${JSON.stringify(String(p.propertyName).slice(0, 40))} in ${where} is longer than ${p.limit} characters; shorten it`);
      return atNode(`${where} must be at most ${p.limit} characters, got ${typeof data === 'string' ? data.length : '?'}`);
    case 'pattern': {
      const hint = (e.parentSchema as SchemaNode | undefined)?.patternErrorMessage ?? `it must match ${p.pattern}`;
      return atNode(`${where} ${got} is not valid: ${hint}`);
    }
    case 'format':
      if (p.format === 'regex' && typeof data === 'string') {
        return atNode(`${where} is not a valid regular expression: ${regexError(data)}; escape special characters with \\ (e.g. \\. for a dot)`);
      }
      return atNode(`${where} must be a valid ${p.format}, got ${got}`);
    case 'minItems':
      return atNode(p.limit <= 1
        ? `${where} is empty; list at least one entry${example(segments) ? ` (e.g. ${example(segments)})` : ''}`
        : `${where} must list at least ${p.limit} entries`);
    case 'maxItems':
      return atNode(`${where} may list at most ${p.limit} entries`);
    case 'uniqueItems': {
      const [first, second] = [Math.min(p.i, p.j), Math.max(p.i, p.j)];
      const dupRef = parsed.nodes.get(e.instancePath + pointerSegment(second));
      const item = Array.isArray(data) ? describeValue(data[second]) : 'an entry';
      return atNode(`${where} lists ${item} twice (entries ${first + 1} and ${second + 1}); remove one`,
        dupRef?.value ?? anchor, displayPath([...numeric, second]));
    }
    case 'anyOf': case 'oneOf': {
      const options = [...new Set((branchesOf.get(e) ?? []).map(wanted).filter((w): w is string => !!w))];
      return atNode(options.length > 0 ? `${where} must be ${options.join(', or ')}, got ${got}` : `${where} does not match any of the allowed forms, got ${got}`);
    }
    case 'minProperties':
      return atNode(`${where} is empty; define at least one entry${example(segments) ? ` (e.g. ${inlineYaml(schemaAt(segments)?.examples?.[0])})` : ''}`);
    default:
      return atNode(`${where} ${e.message ?? 'is not valid'}`);
  }
}

function keyProblem(e: ErrorObject, parsed: ParsedTask, numeric: (string | number)[], message: string): TaskDiagnostic {
  const name = String((e.params as Record<string, unknown>).propertyName);
  const keyNode = parsed.nodes.get(e.instancePath + pointerSegment(name))?.key;
  const [s, end] = keyNode?.range ?? parsed.nodes.get(e.instancePath)?.key?.range ?? [0, 1];
  return parsed.at(s, end, message, displayPath([...numeric, name]));
}

function firstLine(parsed: ParsedTask): [number, number] {
  const root = parsed.nodes.get('')?.value;
  const start = root?.range?.[0] ?? 0;
  return [start, start + 1];
}

// ajv pointers do not say whether "0" is a key or an index: walk the data to find out.
export function typedSegments(root: unknown, segments: string[]): (string | number)[] {
  let v: unknown = root;
  return segments.map((s) => {
    const isIndex = Array.isArray(v) && /^\d+$/.test(s);
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[s] : undefined;
    return isIndex ? Number(s) : s;
  });
}
