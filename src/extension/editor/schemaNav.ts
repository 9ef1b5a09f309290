// Walking the task-file JSON schema along a YAML path: the subschemas that apply there, the
// keys allowed, enum values, descriptions. Handles $ref, allOf/anyOf/oneOf, if/then/else,
// patternProperties and additionalProperties. No vscode import: unit-tested.
import type { Segment } from './yamlPath';

export type Schema = Record<string, any>;

function resolveRef(root: Schema, ref: string): Schema | undefined {
  if (!ref.startsWith('#')) return undefined;
  let node: any = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = node?.[part];
  }
  return node && typeof node === 'object' ? node : undefined;
}

/** The schema and everything it is combined with, $refs resolved (cycles cut). */
export function flatten(root: Schema, s: Schema | undefined, seen = new Set<Schema>()): Schema[] {
  if (!s || typeof s !== 'object' || seen.has(s)) return [];
  seen.add(s);
  const out: Schema[] = [s];
  if (typeof s.$ref === 'string') out.push(...flatten(root, resolveRef(root, s.$ref), seen));
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    if (Array.isArray(s[key])) for (const sub of s[key]) out.push(...flatten(root, sub, seen));
  }
  for (const key of ['then', 'else'] as const) if (s[key]) out.push(...flatten(root, s[key], seen));
  return out;
}

/** Subschemas that apply at `path` (keys, and '*' or a number for sequence items). */
export function schemasAt(root: Schema, path: (Segment | number)[]): Schema[] {
  let current = flatten(root, root);
  for (const seg of path) {
    const next: Schema[] = [];
    for (const s of current) {
      if (seg === '*' || typeof seg === 'number') {
        if (s.items && typeof s.items === 'object' && !Array.isArray(s.items)) next.push(...flatten(root, s.items));
        if (Array.isArray(s.prefixItems) && typeof seg === 'number' && s.prefixItems[seg]) next.push(...flatten(root, s.prefixItems[seg]));
        continue;
      }
      const prop = s.properties?.[seg];
      if (prop) { next.push(...flatten(root, prop)); continue; }
      let matched = false;
      for (const [pattern, sub] of Object.entries<Schema>(s.patternProperties ?? {})) {
        try { if (new RegExp(pattern, 'u').test(seg)) { next.push(...flatten(root, sub)); matched = true; } } catch { /* bad pattern */ }
      }
      if (!matched && s.additionalProperties && typeof s.additionalProperties === 'object') next.push(...flatten(root, s.additionalProperties));
    }
    current = next;
    if (current.length === 0) break;
  }
  return current;
}

/** Keys allowed in the mapping at `path`, each with the subschemas that describe it. */
export function propertiesAt(root: Schema, path: (Segment | number)[]): Map<string, Schema[]> {
  const props = new Map<string, Schema[]>();
  for (const s of schemasAt(root, path)) {
    for (const [name, sub] of Object.entries<Schema>(s.properties ?? {})) {
      props.set(name, [...(props.get(name) ?? []), ...flatten(root, sub)]);
    }
  }
  return props;
}

export function typesOf(schemas: Schema[]): Set<string> {
  const types = new Set<string>();
  for (const s of schemas) {
    if (typeof s.type === 'string') types.add(s.type);
    else if (Array.isArray(s.type)) for (const t of s.type) types.add(t);
    if (s.properties && !s.type) types.add('object');
    if (s.items && !s.type) types.add('array');
  }
  return types;
}

export function enumValues(schemas: Schema[]): (string | number | boolean)[] {
  const values: (string | number | boolean)[] = [];
  const add = (v: unknown) => {
    if ((typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && !values.includes(v)) values.push(v);
  };
  for (const s of schemas) {
    if (Array.isArray(s.enum)) s.enum.forEach(add);
    if ('const' in s) add(s.const);
  }
  if (values.length === 0 && typesOf(schemas).has('boolean')) { add(true); add(false); }
  return values;
}

export function descriptionOf(schemas: Schema[]): string | undefined {
  for (const s of schemas) {
    const d = s.markdownDescription ?? s.description;
    if (typeof d === 'string' && d.trim()) return d;
  }
  return undefined;
}

export function defaultOf(schemas: Schema[]): unknown {
  for (const s of schemas) if ('default' in s) return s.default;
  return undefined;
}

export function examplesOf(schemas: Schema[]): unknown[] {
  const out: unknown[] = [];
  for (const s of schemas) if (Array.isArray(s.examples)) out.push(...s.examples);
  return out;
}

/** The schema's own words for one enum value (`enumDescriptions`, as VS Code's JSON service reads them). */
export function enumDescription(schemas: Schema[], value: unknown): string | undefined {
  for (const s of schemas) {
    if (!Array.isArray(s.enum)) continue;
    const i = s.enum.indexOf(value);
    const list = s.markdownEnumDescriptions ?? s.enumDescriptions;
    if (i >= 0 && Array.isArray(list) && typeof list[i] === 'string') return list[i];
  }
  return undefined;
}
