// The one task-file schema (schemas/sync-task.schema.json), compiled once with ajv, plus small
// lookups into it (defaults, property names, descriptions) so nothing is written twice.
import Ajv, { type ValidateFunction } from 'ajv';
import schemaJson from '../../../schemas/sync-task.schema.json';

export interface SchemaNode {
  type?: string | string[];
  description?: string;
  markdownDescription?: string;
  patternErrorMessage?: string;
  enum?: unknown[];
  enumDescriptions?: string[];
  default?: unknown;
  examples?: unknown[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  required?: string[];
  [keyword: string]: unknown;
}

/** The parsed JSON schema of a task file (for completion, hover and docs). */
export const taskSchema: SchemaNode = schemaJson as unknown as SchemaNode;

let compiled: ValidateFunction | undefined;

/** The ajv validator of the task schema (compiled on first use, about 50 ms). */
export function taskValidator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, strictRequired: false });
  // Editor-only keywords understood by VS Code's JSON/YAML language services.
  ajv.addVocabulary(['markdownDescription', 'enumDescriptions', 'markdownEnumDescriptions', 'patternErrorMessage', 'defaultSnippets']);
  ajv.addFormat('regex', { type: 'string', validate: (s: string) => regexError(s) === undefined });
  compiled = ajv.compile(taskSchema);
  return compiled;
}

/** Why `source` is not a valid JavaScript regular expression, or undefined when it is. */
export function regexError(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
  }
}

/** The schema of the value at a data path (object keys and list indexes). */
export function schemaAt(segments: (string | number)[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = taskSchema;
  for (const seg of segments) {
    if (!node) return undefined;
    if (typeof seg === 'number' || /^\d+$/.test(seg)) {
      if (node.items) { node = node.items; continue; }
    }
    const next: SchemaNode | boolean | undefined = node.properties?.[String(seg)] ?? node.additionalProperties;
    node = typeof next === 'object' ? next : undefined;
  }
  return node;
}

/** The schema node an ajv schemaPath ("#/properties/source/allOf/0/then") points at. */
export function schemaByPointer(pointer: string): SchemaNode | undefined {
  let node: unknown = taskSchema;
  for (const raw of pointer.replace(/^#\/?/, '').split('/')) {
    if (raw === '') continue;
    const seg = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node !== null && typeof node === 'object' ? node as SchemaNode : undefined;
}

/** The schema default at a dotted path such as "snapshot.chunkSize". */
export function schemaDefault<T>(path: string): T {
  const node = schemaAt(path.split('.'));
  if (node?.default === undefined) throw new Error(`schema has no default for ${path}`);
  return structuredClone(node.default) as T;
}

/** Every object in the schema with its data path and property names (for "did you mean"). */
export function schemaObjects(): { segments: string[]; keys: string[] }[] {
  const out: { segments: string[]; keys: string[] }[] = [];
  const walk = (node: SchemaNode, segments: string[]) => {
    if (!node.properties) return;
    out.push({ segments, keys: Object.keys(node.properties) });
    for (const [k, child] of Object.entries(node.properties)) walk(child, [...segments, k]);
  };
  walk(taskSchema, []);
  return out;
}
