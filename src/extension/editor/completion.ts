// Completion candidates for a task file: keys and enum values from the schema at the cursor's
// YAML path, and database and table names from the live source (through the engine's preview).
// No vscode import: unit-tested.
import type { CursorContext } from './yamlPath';
import {
  defaultOf, descriptionOf, enumDescription, enumValues, examplesOf, propertiesAt, schemasAt, typesOf, type Schema,
} from './schemaNav';

export interface Candidate {
  label: string;
  kind: 'property' | 'value' | 'table' | 'database';
  insertText: string;
  detail?: string;
  documentation?: string;
  /** Orders candidates: required keys and defaults first. */
  sortText: string;
}

export interface LiveNames { tables: string[]; databases: string[] }

/** Which schema paths take source table or database names. */
export function liveNameKind(ctx: CursorContext): 'table' | 'database' | undefined {
  const last = ctx.kind === 'item' ? ctx.path[ctx.path.length - 1] : ctx.key;
  const parent = ctx.kind === 'item' ? ctx.path[ctx.path.length - 2] : ctx.path[ctx.path.length - 1];
  if (ctx.kind === 'item' && (last === 'tables' || last === 'exclude') && parent === undefined) return 'table';
  if (ctx.kind === 'item' && last === 'databases' && parent === undefined) return 'database';
  if (ctx.kind === 'value' && ctx.key === 'database' && ctx.path.length === 1 && ctx.path[0] === 'source') return 'database';
  return undefined;
}

/** YAML needs quotes for plain scalars that start with an indicator or contain `: ` / ` #`. */
export function yamlScalar(v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v);
  if (v === '' || /^[\s\-?:,[\]{}#&*!|>'"%@`]/.test(v) || /: | #|:$/.test(v) || /^(true|false|null|~|yes|no|on|off|y|n)$/i.test(v) || /^([-+]?(\d[\d_]*(\.\d*)?|\.\d+)(e[-+]?\d+)?|0x[\da-f]+|0o[0-7]+|[-+]?\.(inf|nan))$/i.test(v)) {
    return JSON.stringify(v);
  }
  return v;
}

function typeLabel(schemas: Schema[]): string | undefined {
  const types = [...typesOf(schemas)];
  const values = enumValues(schemas);
  if (values.length > 0 && !types.includes('boolean')) return values.map(String).join(' | ');
  return types.length > 0 ? types.join(' | ') : undefined;
}

function requiredAt(schema: Schema, path: string[]): Set<string> {
  const req = new Set<string>();
  for (const s of schemasAt(schema, path)) if (Array.isArray(s.required)) for (const r of s.required) req.add(r);
  return req;
}

export function completionCandidates(schema: Schema, ctx: CursorContext, live?: LiveNames): Candidate[] {
  if (ctx.kind === 'key') {
    const props = propertiesAt(schema, ctx.path);
    const required = requiredAt(schema, ctx.path);
    const childIndent = ' '.repeat(ctx.column + 2);
    const out: Candidate[] = [];
    for (const [name, schemas] of props) {
      if (ctx.siblings.includes(name)) continue;
      const types = typesOf(schemas);
      let insertText = `${name}: `;
      if (types.size === 1 && types.has('object')) insertText = `${name}:\n${childIndent}`;
      else if (types.size === 1 && types.has('array')) insertText = `${name}:\n${childIndent}- `;
      out.push({ label: name, kind: 'property', insertText, detail: typeLabel(schemas), documentation: descriptionOf(schemas),
        sortText: `${required.has(name) ? '0' : '1'}${name}` });
    }
    return out;
  }
  const at = ctx.kind === 'value' ? [...ctx.path, ctx.key!] : [...ctx.path, '*'];
  const schemas = schemasAt(schema, at);
  const out: Candidate[] = [];
  const def = defaultOf(schemas);
  for (const v of enumValues(schemas)) {
    out.push({ label: String(v), kind: 'value', insertText: yamlScalar(v), documentation: enumDescription(schemas, v) ?? descriptionOf(schemas),
      detail: v === def ? 'default' : undefined, sortText: `${v === def ? '0' : '1'}${String(v)}` });
  }
  const nameKind = liveNameKind(ctx);
  if (live && nameKind) {
    const names = nameKind === 'table' ? live.tables : live.databases;
    for (const n of names) {
      if (out.some((c) => c.label === n)) continue;
      out.push({ label: n, kind: nameKind, insertText: yamlScalar(n), detail: nameKind === 'table' ? 'source table' : 'source database',
        sortText: `2${n}` });
    }
  }
  if (out.length === 0) {
    for (const ex of examplesOf(schemas)) {
      if (typeof ex === 'string' || typeof ex === 'number' || typeof ex === 'boolean') {
        out.push({ label: String(ex), kind: 'value', insertText: yamlScalar(ex), detail: 'example', sortText: `3${String(ex)}` });
      }
    }
  }
  return out;
}

/** Hover text for the key at `path`: its description, type and default. */
export function hoverText(schema: Schema, path: string[]): string | undefined {
  const schemas = schemasAt(schema, path);
  if (schemas.length === 0) return undefined;
  const desc = descriptionOf(schemas);
  const lines: string[] = [`**${path.join('.')}**${typeLabel(schemas) ? ` · \`${typeLabel(schemas)}\`` : ''}`];
  if (desc) lines.push('', desc);
  const def = defaultOf(schemas);
  if (def !== undefined) lines.push('', `Default: \`${JSON.stringify(def)}\``);
  const ex = examplesOf(schemas)[0];
  if (ex !== undefined) lines.push('', `Example: \`${typeof ex === 'string' ? ex : JSON.stringify(ex)}\``);
  return lines.join('\n');
}
