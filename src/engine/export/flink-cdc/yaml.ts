// A small writer for the pipeline file: ordered keys with comments above them. Values are
// written plain when YAML reads them back as the same string, double-quoted (JSON spelling,
// valid YAML) otherwise; placeholders for secrets are single-quoted so `envsubst` can fill them.

export type Scalar = string | number | boolean;

export interface Entry {
  key: string;
  value: Scalar | Scalar[];
  /** Comment lines written above the key. */
  comment?: string[];
  /** Written single-quoted as is (a `${VAR}` placeholder for envsubst). */
  placeholder?: boolean;
}

export interface Block { comment?: string[]; entries: Entry[] }

export interface PipelineDocument {
  header: string[];
  source: Block;
  sink: Block;
  route: Block[];
  transform: Block[];
  pipeline: Block;
}

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_\-./]*$/;
const YAML_WORDS = /^(true|false|yes|no|on|off|null|y|n|~)$/i;

export function scalar(v: Scalar): string {
  if (typeof v !== 'string') return String(v);
  return PLAIN.test(v) && !YAML_WORDS.test(v) ? v : JSON.stringify(v);
}

function comments(lines: string[] | undefined, indent: string): string[] {
  return (lines ?? []).map((l) => `${indent}#${l ? ' ' + l : ''}`);
}

function entryLines(e: Entry, commentIndent: string, prefix: string): string[] {
  const value = e.placeholder ? `'${String(e.value)}'`
    : Array.isArray(e.value) ? `[${e.value.map(scalar).join(', ')}]` : scalar(e.value);
  return [...comments(e.comment, commentIndent), `${prefix}${scalar(e.key)}: ${value}`];
}

function block(b: Block, indent: string): string[] {
  return b.entries.flatMap((e) => entryLines(e, indent, indent));
}

function listItem(b: Block): string[] {
  const out = comments(b.comment, '  ');
  b.entries.forEach((e, i) => out.push(...entryLines(e, i === 0 ? '  ' : '    ', i === 0 ? '  - ' : '    ')));
  return out;
}

export function renderPipeline(doc: PipelineDocument): string {
  const out: string[] = [...comments(doc.header, ''), ''];
  out.push(...comments(doc.source.comment, ''), 'source:', ...block(doc.source, '  '), '');
  out.push(...comments(doc.sink.comment, ''), 'sink:', ...block(doc.sink, '  '), '');
  if (doc.route.length) out.push('route:', ...doc.route.flatMap(listItem), '');
  if (doc.transform.length) out.push('transform:', ...doc.transform.flatMap(listItem), '');
  out.push(...comments(doc.pipeline.comment, ''), 'pipeline:', ...block(doc.pipeline, '  '));
  return out.join('\n') + '\n';
}
