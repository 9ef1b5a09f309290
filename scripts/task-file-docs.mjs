// Writes docs/task-file.md from schemas/sync-task.schema.json, so the reference never drifts
// from what the engine and the editor check. `--check` exits 1 when the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schema = JSON.parse(readFileSync(join(root, 'schemas/sync-task.schema.json'), 'utf8'));
const out = join(root, 'docs/task-file.md');

const MYSQL = `# shop.sync.yaml
source:
  type: mysql
  host: 127.0.0.1
  port: 3306
  user: lakesync
  password: \${env:SHOP_DB_PASSWORD}
mode: multi-table-mirror
tables: [shop.orders, shop.customers, "shop.order_*"]
exclude: ["shop.tmp_*"]
rules:
  dropColumn: keep
  events: [insert, update, delete]     # keep rows that were truncated at the source
snapshot:
  concurrency: 4
  chunkSize: 50000
`;

const MYSQL_MERGE = `# shards.sync.yaml: every orders_N table of every shard_N database into one table
source:
  type: mysql
  host: shards.internal
  user: lakesync
  password: \${secret:shards-db}
  serverId: 5401
mode: multi-table-merge
virtualTables:
  orders_all: ['shard_\\d+\\.orders_\\d+']
  customers_all: ['shard_\\d+\\.customers']
target:
  path: .lakehouse/shards.duckdb
  namespace: ods
`;

const POSTGRES = `# billing.sync.yaml
source:
  type: postgres
  host: db.internal
  port: 5432
  user: lakesync
  password: \${secret:billing-db}
  database: billing
  slot: lakesync_billing          # the default; created when missing
mode: database-mirror
databases: [public, invoicing]    # schemas of the billing database, new tables included
exclude: ["public.audit_*"]
rules:
  newTables: sync
  addColumn: apply
  dropColumn: keep
  dropTable: keep
parameters:
  flushIntervalMs: 1000
  memoryMb: 1024
`;

const md = (node) => (node.markdownDescription ?? node.description ?? '').trim();
const code = (v) => '`' + (typeof v === 'string' && v !== '' ? v : JSON.stringify(v)) + '`';
const yamlValue = (v) => stringify(v, { collectionStyle: 'flow', lineWidth: 0 }).trim();

function typeOf(node) {
  if (node.enum) return node.enum.map(code).join(' \\| ');
  if (node.type === 'array') return `list of ${node.items?.enum ? node.items.enum.map(code).join(' \\| ') : (node.items?.format === 'regex' ? 'regular expressions' : (node.items?.type ?? 'values'))}`;
  if (node.type === 'object' && typeof node.additionalProperties === 'object') return 'mapping: name → list of regular expressions';
  if (node.type === 'object') return 'mapping';
  return node.type === 'integer' ? 'integer' : node.type;
}

function limits(node) {
  const parts = [];
  if (node.minimum !== undefined && node.maximum !== undefined) parts.push(`${node.minimum} to ${node.maximum}`);
  else if (node.minimum !== undefined) parts.push(`at least ${node.minimum}`);
  if (node.maxLength !== undefined) parts.push(`at most ${node.maxLength} characters`);
  if (node.patternErrorMessage) parts.push(node.patternErrorMessage);
  if (node.minItems) parts.push(`at least ${node.minItems} entr${node.minItems === 1 ? 'y' : 'ies'}`);
  return parts.join('; ');
}

function requiredIn(parent, key) {
  return (parent.required ?? []).includes(key);
}

function conditional(path) {
  const notes = [];
  const scan = (node, at) => {
    for (const rule of node.allOf ?? []) {
      const cond = Object.entries(rule.if?.properties ?? {}).map(([k, v]) => `\`${at ? at + '.' : ''}${k}: ${v.const}\``).join(', ');
      for (const r of rule.then?.required ?? []) if ((at ? `${at}.${r}` : r) === path) notes.push(`required when ${cond}`);
    }
  };
  scan(schema, '');
  scan(schema.properties.source, 'source');
  return notes;
}

function section(path, node, parent, level) {
  const lines = [];
  const title = `${'#'.repeat(level)} \`${path}\``;
  lines.push(title, '');
  const facts = [`**Type:** ${typeOf(node)}`];
  const req = requiredIn(parent, path.split('.').pop()) ? ['yes'] : conditional(path);
  if (req.length) facts.push(`**Required:** ${req.join('; ')}`);
  if (node.default !== undefined) facts.push(`**Default:** ${code(node.default)}`);
  const lim = limits(node);
  if (lim) facts.push(`**Limits:** ${lim}`);
  lines.push(facts.join(' · '), '', md(node), '');
  if (node.enum && node.enumDescriptions) {
    lines.push('| Value | Meaning |', '|---|---|');
    node.enum.forEach((v, i) => lines.push(`| ${code(v)} | ${node.enumDescriptions[i]} |`));
    lines.push('');
  }
  if (node.examples?.length && node.type !== 'object') {
    const key = path.split('.').pop();
    const [first, ...more] = node.examples;
    lines.push('```yaml', `${key}: ${yamlValue(first)}`, ...more.slice(0, 2).map((e) => `# or: ${key}: ${yamlValue(e)}`), '```', '');
  }
  for (const [k, child] of Object.entries(node.properties ?? {})) lines.push(...section(`${path}.${k}`, child, node, level + 1));
  return lines;
}

const reference = [];
for (const [k, node] of Object.entries(schema.properties)) reference.push(...section(k, node, schema, 3));

const modes = schema.allOf.map((r) => `| \`${r.if.properties.mode.const}\` | \`${r.then.required.join('`, `')}\` | ${r.then.description} |`);

const doc = `<!-- Generated by scripts/task-file-docs.mjs from schemas/sync-task.schema.json: edit those, then run \`node scripts/task-file-docs.mjs\`. -->
# Task file reference

A LakeSync task is one YAML file named \`<name>.sync.yaml\`. It says which database to read, which
tables to copy, where the lakehouse file lives and how to follow schema changes. The engine checks
it against [\`schemas/sync-task.schema.json\`](../schemas/sync-task.schema.json) (JSON Schema draft-07);
the VS Code extension uses the same schema for completion, hover and live diagnostics, and so can any
YAML editor:

\`\`\`yaml
# yaml-language-server: $schema=../schemas/sync-task.schema.json
\`\`\`

\`lakesync check FILE\` reports every mistake at once, each as \`file:line:column\` plus the fix:

\`\`\`text
shop.sync.yaml:5:9 source.port must be a number, got "abc" (e.g. port: 3306)
shop.sync.yaml:9:3 unknown key 'chunksize' in snapshot: did you mean 'chunkSize'?
\`\`\`

## Examples

MySQL / MariaDB, selected tables:

\`\`\`yaml
${MYSQL}\`\`\`

MySQL, shards merged into one table per entity (the source database and table become part of
the key, so equal ids in two shards never collide):

\`\`\`yaml
${MYSQL_MERGE}\`\`\`

PostgreSQL, whole schemas of one database:

\`\`\`yaml
${POSTGRES}\`\`\`

## Modes

\`source\` and \`mode\` are always required. Each mode needs one more key:

| Mode | Needs | Why |
|---|---|---|
${modes.join('\n')}

A PostgreSQL source also needs \`source.database\`; its \`tables\` and \`databases\` entries then name
schemas inside that database (\`schema.table\`). Keys that the chosen mode or source does not use
(\`tables\` in \`database-mirror\`, \`slot\` for MySQL, ...) give a warning and are ignored.

\`tables\`, \`exclude\` and \`databases\` take globs (\`*\`, \`?\`, \`[abc]\`, \`{a,b}\`) matched against
\`db.table\`; \`virtualTables\` takes JavaScript regular expressions matched against the whole \`db.table\`.

## Secrets and environment variables

Any text value may contain references, resolved when the task starts (never written back):

| Reference | Resolved from |
|---|---|
| \`\${env:NAME}\` | the environment variable \`NAME\` of the engine process; a missing variable is an error naming it |
| \`\${secret:NAME}\` | VS Code's secret storage, through the LakeSync extension; on the command line the variable \`LAKESYNC_SECRET_<NAME>\`, upper-cased, other characters as \`_\` (\`shop-db\` → \`LAKESYNC_SECRET_SHOP_DB\`) |
| \`$\${\` | a literal \`\${\` |

A password written in plain text works but gives a warning: task files end up in git.

## Derived defaults

- \`name\`: the file name without \`.sync.yaml\`.
- \`target.path\`: \`.lakehouse/<name>.duckdb\`, relative to the folder of the task file.
- \`source.port\`: 3306 for MySQL, 5432 for PostgreSQL.
- \`source.serverId\` (MySQL): a stable hash of the task name in 5400 … 4294967295.
- \`source.slot\` and \`source.publication\` (PostgreSQL): \`lakesync_<name>\`, lower-cased, other characters as \`_\`, at most 63 characters.

## Limits

A task file is UTF-8 text of at most 256 KB, one YAML document, nested at most 32 levels, with at most
20,000 values after YAML aliases are expanded. Duplicate keys, tabs as indentation and unknown keys
are errors. Top-level keys starting with \`x-\` are ignored: they can hold YAML anchors that other keys
reuse (\`x-common: &tables [shop.orders, shop.customers]\`, then \`tables: *tables\`); merge keys (\`<<\`)
are not supported.

## Reference

${reference.join('\n').trimEnd()}
`;

if (process.argv.includes('--check')) {
  let current = '';
  try { current = readFileSync(out, 'utf8'); } catch { /* missing counts as stale */ }
  if (current !== doc) { console.error('docs/task-file.md is out of date: run node scripts/task-file-docs.mjs'); process.exit(1); }
} else {
  writeFileSync(out, doc);
  console.log(`wrote ${out}`);
}
