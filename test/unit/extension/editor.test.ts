import assert from 'node:assert/strict';
import { parseDocument } from 'yaml';
import { cursorContext, keyAt } from '../../../src/extension/editor/yamlPath';
import { completionCandidates, hoverText, yamlScalar } from '../../../src/extension/editor/completion';
import { schemasAt } from '../../../src/extension/editor/schemaNav';

// A schema shaped like the task-file schema (refs, conditionals, enums), kept here so these tests
// do not change meaning when the real schema grows.
const schema = {
  $defs: {
    ident: { type: 'string', description: 'A `db.table` name; globs allowed.' },
    source: {
      type: 'object', required: ['type', 'host'],
      properties: {
        type: { enum: ['mysql', 'postgres'], description: 'Source database kind.' },
        host: { type: 'string', description: 'Host name.', examples: ['127.0.0.1'] },
        port: { type: 'integer', description: 'TCP port.' },
        database: { type: 'string' },
        password: { type: 'string' },
      },
      if: { properties: { type: { const: 'postgres' } } },
      then: { properties: { slot: { type: 'string', description: 'Replication slot.' } } },
    },
  },
  type: 'object', required: ['source'],
  properties: {
    name: { type: 'string', description: 'Task name.' },
    source: { $ref: '#/$defs/source' },
    mode: { enum: ['database-mirror', 'multi-table-mirror', 'multi-table-merge'], default: 'multi-table-mirror' },
    tables: { type: 'array', items: { $ref: '#/$defs/ident' } },
    exclude: { type: 'array', items: { $ref: '#/$defs/ident' } },
    databases: { type: 'array', items: { type: 'string' } },
    virtualTables: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string', description: 'Regex on db.table.' } } },
    rules: { type: 'object', properties: {
      events: { type: 'array', items: { enum: ['insert', 'update', 'delete', 'truncate'] } },
      addColumn: { enum: ['apply', 'ignore', 'fail'], default: 'apply' },
    } },
    snapshot: { type: 'object', properties: { enabled: { type: 'boolean', default: true } } },
  },
};

const doc = `name: shop
source:
  type: postgres
  host: db
  
mode: multi
tables:
  - shop.or
exclude: [shop.tmp, sh
rules:
  events:
  - upd
virtualTables:
  all:
    - 'shard'
snapshot:
  enabled: 
`;

function at(line: number, col?: number) {
  const c = cursorContext(doc, line, col ?? doc.split('\n')[line].length);
  assert.ok(c, `no context at ${line}`);
  return c;
}
const live = { tables: ['shop.customers', 'shop.orders', 'sales.x'], databases: ['sales', 'shop'] };

describe('YAML path at the cursor', () => {
  it('finds the mapping and the key being typed, on incomplete text', () => {
    assert.deepEqual(at(4), { kind: 'key', path: ['source'], prefix: '', prefixStart: 2, column: 2, siblings: ['host', 'type'] });
    assert.deepEqual(at(5), { kind: 'value', path: [], key: 'mode', prefix: 'multi', prefixStart: 6, column: 0, siblings: [] });
    assert.equal(at(16).kind, 'value');
    assert.deepEqual(at(16).path, ['snapshot']);
  });
  it('finds sequence items in block and flow style, also with the dash at the key indent', () => {
    assert.deepEqual([at(7).kind, at(7).path, at(7).prefix], ['item', ['tables'], 'shop.or']);
    assert.deepEqual([at(8).kind, at(8).path, at(8).prefix], ['item', ['exclude'], 'sh']);
    assert.deepEqual([at(11).kind, at(11).path, at(11).prefix], ['item', ['rules', 'events'], 'upd']);
    assert.deepEqual([at(14, 12).kind, at(14, 12).path], ['item', ['virtualTables', 'all']]);
  });
  it('keys inside a sequence of mappings get a * segment', () => {
    const t = 'items:\n  - name: a\n    ho';
    assert.deepEqual(cursorContext(t, 2, 6), { kind: 'key', path: ['items', '*'], prefix: 'ho', prefixStart: 4, column: 4, siblings: ['name'] });
  });
  it('says nothing inside a comment', () => {
    assert.equal(cursorContext('source: # the ty', 0, 15), undefined);
  });
  it('the key under the cursor has its full path (for hover)', () => {
    assert.deepEqual(keyAt(doc, 3, 3), { path: ['source', 'host'], start: 2, end: 6 });
    assert.equal(keyAt(doc, 3, 9), undefined, 'not on the value');
  });
  it('agrees with the YAML parser on every key of a complete file', () => {
    const full = 'name: a\nsource:\n  type: mysql\n  host: h\n  port: 1\ntables:\n- a.b\nrules:\n  addColumn: apply\n  events: [insert]\nvirtualTables:\n  x:\n    - y\n';
    const parsed = parseDocument(full).toJS();
    full.split('\n').forEach((line, i) => {
      const k = keyAt(full, i, line.search(/\S/));
      if (!k) return;
      let v: any = parsed;
      for (const seg of k.path) { assert.ok(v && seg in v, `${k.path.join('.')} not in the parsed file`); v = v[seg]; }
    });
  });
});

describe('completion from the schema and the live source', () => {
  it('offers the missing keys of a mapping, conditional ones included, required first', () => {
    const c = completionCandidates(schema, at(4));
    const labels = c.map((x) => x.label).sort();
    assert.deepEqual(labels, ['database', 'password', 'port', 'slot']);
    assert.equal(c.find((x) => x.label === 'port')!.insertText, 'port: ');
    assert.equal(c.find((x) => x.label === 'slot')!.documentation, 'Replication slot.');
  });
  it('inserts a block for object and array keys', () => {
    const c = completionCandidates(schema, cursorContext('ru', 0, 2)!);
    assert.equal(c.find((x) => x.label === 'rules')!.insertText, 'rules:\n  ');
    assert.equal(c.find((x) => x.label === 'tables')!.insertText, 'tables:\n  - ');
    assert.ok(c.find((x) => x.label === 'source')!.sortText < c.find((x) => x.label === 'name')!.sortText);
  });
  it('offers enum values, the default first', () => {
    const c = completionCandidates(schema, at(5));
    assert.deepEqual(c.map((x) => x.label), ['database-mirror', 'multi-table-mirror', 'multi-table-merge']);
    assert.equal(c.find((x) => x.label === 'multi-table-mirror')!.detail, 'default');
    assert.deepEqual(completionCandidates(schema, at(11)).map((x) => x.label), ['insert', 'update', 'delete', 'truncate']);
    assert.deepEqual(completionCandidates(schema, at(16)).map((x) => x.label), ['true', 'false']);
  });
  it('offers real table names for tables/exclude and database names for databases', () => {
    assert.deepEqual(completionCandidates(schema, at(7), live).map((x) => x.label), live.tables);
    assert.deepEqual(completionCandidates(schema, at(8), live).map((x) => x.kind), ['table', 'table', 'table']);
    const dbs = completionCandidates(schema, cursorContext('databases:\n  - ', 1, 4)!, live);
    assert.deepEqual(dbs.map((x) => x.label), live.databases);
    assert.deepEqual(completionCandidates(schema, at(14, 12), live), [], 'no table names in regex lists');
  });
  it('falls back to examples when there is nothing else', () => {
    assert.deepEqual(completionCandidates(schema, cursorContext('source:\n  host: ', 1, 8)!).map((x) => x.insertText), ['127.0.0.1']);
  });
  it('quotes values YAML would misread', () => {
    assert.equal(yamlScalar('shop.orders'), 'shop.orders');
    assert.equal(yamlScalar('*.orders'), '"*.orders"');
    assert.equal(yamlScalar('no'), '"no"');
    assert.equal(yamlScalar('007'), '"007"');
  });
  it('hover shows the description, type and default of the key', () => {
    assert.equal(hoverText(schema, ['source', 'type']), '**source.type** · `mysql | postgres`\n\nSource database kind.');
    assert.match(hoverText(schema, ['rules', 'addColumn'])!, /Default: `"apply"`/);
    assert.equal(hoverText(schema, ['nope']), undefined);
    assert.equal(schemasAt(schema, ['tables', '*'])[1].description, 'A `db.table` name; globs allowed.');
  });
});

describe('completion against the real task schema', () => {
  // Only the stable core names of DESIGN.md are asserted here.
  it('offers the source keys and the three modes', async () => {
    const { taskSchema } = await import('../../../src/engine/config');
    const keys = completionCandidates(taskSchema, cursorContext('source:\n  ', 1, 2)!).map((c) => c.label);
    for (const k of ['type', 'host', 'port', 'user', 'password', 'database', 'serverId', 'slot', 'publication']) assert.ok(keys.includes(k), k);
    const modes = completionCandidates(taskSchema, cursorContext('mode: ', 0, 6)!).map((c) => c.label);
    assert.deepEqual([...modes].sort(), ['database-mirror', 'multi-table-merge', 'multi-table-mirror']);
    const types = completionCandidates(taskSchema, cursorContext('source:\n  type: ', 1, 8)!).map((c) => c.label);
    assert.deepEqual([...types].sort(), ['mysql', 'postgres']);
    assert.ok(hoverText(taskSchema, ['source', 'host'])!.includes('Host name'));
  });
});

describe('completion and hover for source.tls and source.ssh (the real schema)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const real = require('../../../schemas/sync-task.schema.json');
  const doc = 'source:\n  type: postgres\n  tls:\n    mode: \n  ssh:\n    host: b\n    \n';
  it('offers the five TLS modes, prefer (the default) marked', () => {
    const c = completionCandidates(real, cursorContext(doc, 3, 10)!);
    assert.deepEqual(c.map((x) => x.label).sort(), ['disable', 'prefer', 'require', 'verify-ca', 'verify-full']);
    assert.equal(c.find((x) => x.label === 'prefer')!.detail, 'default');
  });
  it('offers the missing ssh keys, user (required) among them', () => {
    const labels = completionCandidates(real, cursorContext(doc, 6, 4)!).map((x) => x.label);
    for (const k of ['user', 'port', 'privateKey', 'privateKeyPassphrase', 'password', 'knownHosts', 'hostKey', 'trustUnknownHostKey', 'keepaliveSeconds']) {
      assert.ok(labels.includes(k), `${k} in ${labels}`);
    }
    assert.ok(!labels.includes('host'), 'host is already there');
  });
  it('hovers with the description of a nested key', () => {
    assert.match(hoverText(real, ['source', 'ssh', 'hostKey'])!, /fingerprint/);
    assert.match(hoverText(real, ['source', 'tls', 'mode'])!, /verify-full/);
  });
});
