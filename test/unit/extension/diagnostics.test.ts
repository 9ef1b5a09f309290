import assert from 'node:assert/strict';
import {
  mapConfigDiagnostic, mapPreviewWarning, plainPasswordRange, plainPasswordValue, rangeOfPath, sharedSlotDiagnostic,
} from '../../../src/extension/editor/diagnostics';
import { readPreview } from '../../../src/extension/model/previewData';
import { readTaskFileInfo } from '../../../src/extension/model/taskFile';
import { diagnoseTaskText } from '../../../src/engine/config';
import { parseDocument } from 'yaml';

const text = `name: shop
source:
  type: mysql
  port: abc
  password: hunter2   # oops
tables:
  - shop.orders
  - shop.nope_*
`;

describe('diagnostics mapping', () => {
  it('maps a 1-based config error to the token at that position', () => {
    const d = mapConfigDiagnostic(text, { message: 'source.port must be a number, got "abc"', line: 4, column: 9 });
    assert.deepEqual([d.startLine, d.startCol, d.endLine, d.endCol, d.severity], [3, 8, 3, 11, 'error']);
  });
  it('takes the position from a file:line:col message and keeps the rest as the message', () => {
    const d = mapConfigDiagnostic(text, { message: 'shop.sync.yaml:4:9 source.port must be a number, got "abc"' });
    assert.deepEqual([d.startLine, d.startCol, d.endCol], [3, 8, 11]);
    assert.equal(d.message, 'source.port must be a number, got "abc"');
  });
  it('marks the whole line content when the column points at nothing (e.g. a missing key)', () => {
    const d = mapConfigDiagnostic(text, { message: 'source must have required property host', line: 2, column: 8 });
    assert.deepEqual([d.startLine, d.startCol, d.endCol], [1, 0, 7]);
  });
  it('uses a YAML path when there is no position', () => {
    const d = mapConfigDiagnostic(text, { message: 'x', path: 'tables.1' });
    assert.deepEqual([d.startLine, d.startCol, d.endCol], [7, 4, 15]);
    assert.deepEqual(rangeOfPath(text, ['source', 'port']), { startLine: 3, startCol: 2, endLine: 3, endCol: 6 });
  });
  it('places preview warnings by table name, and unplaceable ones at source', () => {
    const w = mapPreviewWarning(text, { message: 'pattern shop.nope_* matches no table', table: 'shop.nope_*', severity: 'warning' });
    assert.deepEqual([w.startLine, w.startCol, w.endCol, w.code], [7, 4, 15, 'preview']);
    const q = mapPreviewWarning(text, { message: 'tables entry "shop.nope_*" matches no source table; did you mean shop.notes?', severity: 'warning' });
    assert.deepEqual([q.startLine, q.startCol, q.endCol], [7, 4, 15], 'placed at the quoted pattern');
    const v = mapPreviewWarning('virtualTables:\n  all: [x]\n', { message: 'virtualTables.all pattern "y" matches no source table', severity: 'warning' });
    assert.deepEqual([v.startLine, v.startCol], [1, 2], 'placed at the key the sentence starts with');
    const g = mapPreviewWarning(text, { message: 'something', severity: 'info' });
    assert.deepEqual([g.startLine, g.startCol], [1, 0]);
  });
  it("maps the config loader's own diagnostics exactly, and gives its plain-password warning the quick-fix code", () => {
    const mapped = diagnoseTaskText(text, '/w/shop.sync.yaml').map((d) => mapConfigDiagnostic(text, d));
    const port = mapped.find((d) => /source.port/.test(d.message))!;
    assert.deepEqual([port.startLine, port.startCol, port.endLine, port.endCol, port.severity, port.code], [3, 8, 3, 11, 'error', 'config']);
    const pw = mapped.find((d) => d.code === 'plain-password')!;
    assert.deepEqual([pw.startLine, pw.startCol, pw.endCol, pw.severity], [4, 12, 19, 'warning']);
    const empty = mapConfigDiagnostic('', diagnoseTaskText('', '/w/e.sync.yaml')[0]);
    assert.deepEqual([empty.startLine, empty.startCol, empty.endCol], [0, 0, 1], 'an empty range still shows');
  });
  it('finds the plain password value to move (quotes and comments handled), never a reference', () => {
    assert.deepEqual(plainPasswordRange(text), { startLine: 4, startCol: 12, endLine: 4, endCol: 19 });
    assert.equal(plainPasswordValue(text), 'hunter2');
    assert.equal(plainPasswordValue('source:\n  password: "a#b \\"c" # x\n'), 'a#b "c');
    assert.equal(plainPasswordValue("source:\n  password: 'it''s'\n"), "it's");
    assert.equal(plainPasswordRange('source:\n  password: ${secret:shop-db}\n'), undefined);
    assert.equal(plainPasswordRange('source:\n  password: "${env:PW}"\n'), undefined);
    assert.equal(plainPasswordRange('target:\n  password: x\n'), undefined, 'only the source password');
  });
  it('two tasks on one server sharing a slot (or a MySQL server id) are flagged at the slot', () => {
    const a = 'source:\n  type: postgres\n  host: db\n  port: 5432\n  database: app\n  slot: s1\n';
    const ia = readTaskFileInfo('/w/a.sync.yaml', a);
    const ib = readTaskFileInfo('/w/b.sync.yaml', a);
    const ic = readTaskFileInfo('/w/c.sync.yaml', a.replace('s1', 's2'));
    const d = sharedSlotDiagnostic(a, ia, [ia, ib, ic])!;
    assert.deepEqual([d.startLine, d.startCol, d.code], [5, 2, 'shared-slot']);
    assert.match(d.message, /also used by task b/);
    assert.equal(sharedSlotDiagnostic(a, ic, [ia, ib, ic]), undefined);
    const m = 'source:\n  type: mysql\n  host: db\n  serverId: 7\n';
    const m1 = readTaskFileInfo('/w/m1.sync.yaml', m), m2 = readTaskFileInfo('/w/m2.sync.yaml', m);
    assert.equal(sharedSlotDiagnostic(m, m1, [m1, m2])!.code, 'shared-server-id');
    const other = readTaskFileInfo('/w/m3.sync.yaml', m.replace('host: db', 'host: db2'));
    assert.equal(sharedSlotDiagnostic(m, m1, [m1, other]), undefined, 'different servers do not collide');
  });
});

describe('reading lakesync preview --json', () => {
  it('takes tables, source names and warnings from the preview, in more than one shape', () => {
    const p = readPreview({
      tables: [
        { source: { database: 'shop', table: 'orders' }, target: { namespace: 'ods', table: 'orders' },
          columns: [], warnings: [{ message: 'DECIMAL(65,2) is stored as VARCHAR', severity: 'warning' }] },
        { source: 'shop.customers', target: 'ods.customers', warnings: ['no primary key'] },
        { sources: ['s1.o_1', 's2.o_2'], target: 'ods.orders_all' },
      ],
      warnings: [{ message: 'pattern shop.nope_* matches no table', path: 'tables.1' }],
      sourceTables: ['shop.orders', 'shop.customers', 'shop.audit'],
    });
    assert.deepEqual(p.tables, [
      { source: 'shop.orders', target: 'ods.orders' }, { source: 'shop.customers', target: 'ods.customers' },
      { source: 's1.o_1', target: 'ods.orders_all' }, { source: 's2.o_2', target: 'ods.orders_all' }]);
    assert.deepEqual(p.sourceTables, ['shop.audit', 'shop.customers', 'shop.orders']);
    assert.deepEqual(p.databases, ['shop']);
    assert.deepEqual(p.warnings.map((w) => [w.message, w.table, w.path]), [
      ['DECIMAL(65,2) is stored as VARCHAR', 'shop.orders', undefined],
      ['no primary key', 'shop.customers', undefined],
      ['pattern shop.nope_* matches no table', undefined, ['tables', 1]]]);
  });
});

describe('catalog task for completion', () => {
  it('keeps the source (and its secret references) and asks for every table', async () => {
    const { catalogTaskText } = await import('../../../src/extension/model/catalogTask');
    const out = catalogTaskText('name: s\nsource:\n  type: mysql\n  password: ${secret:s-db}\nmode: multi-table-merge\nvirtualTables:\n  a: [x]\nexclude: [y]\n')!;
    const v = parseDocument(out).toJS();
    assert.deepEqual(v, { name: 's', source: { type: 'mysql', password: '${secret:s-db}' }, mode: 'multi-table-mirror', tables: ['*.*'] });
    assert.equal(catalogTaskText('source: [broken'), undefined);
  });
});
