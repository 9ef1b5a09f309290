// The Iceberg sink's schema changes that Iceberg v2 cannot express as metadata: an added column
// whose existing rows take the source's DEFAULT, and a type change that is no promotion (a
// decimal scale, varchar -> int). Each rewrites every row into the new shape in ONE commit (one
// new metadata file: the new schema and an overwrite snapshot carrying the source position), the
// replaced column under a new field id; the key index follows, so later updates and deletes by
// key still find their rows.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IcebergSink } from '../../../src/engine/sink/iceberg/sink';
import { DEFAULT_MAINTENANCE } from '../../../src/engine/sink/iceberg/maintenance';
import { IcebergTable } from '../../../src/engine/sink/iceberg/table';
import { BatchReducer } from '../../../src/engine/pipeline/batch';
import { formatPosition, lsn } from '../../../src/engine/positions';
import { makeRoute } from '../../../src/engine/pipeline/route';
import type { TableMapping } from '../../../src/engine/typemap/types';
import { route, table, tempDir } from './helpers';

const src = table('shop', 'items', [['id', 'INTEGER'], ['price', 'DECIMAL(8,2)'], ['code', 'VARCHAR']]);
const r = route(src, ['INTEGER', 'DECIMAL(8,2)', 'VARCHAR']);

describe('Iceberg sink: schema changes that rewrite the rows', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  it('an added column with a DEFAULT and two non-promotable type changes: one commit, new field ids, rows converted, the key index right', async () => {
    const warehouse = join(tmp.dir, 'lake');
    const sink = await IcebergSink.open({ warehouse, statePath: join(warehouse, '.lakesync', 'state.duckdb'), maintenance: { ...DEFAULT_MAINTENANCE, enabled: false } });
    const dir = join(warehouse, 'ods', 'items');
    try {
      await sink.ensureTable(r.mapping);
      // rows in two commits, one of them updated (a data file and a position delete file)
      const a = new BatchReducer(() => r);
      for (let i = 1; i <= 50; i++) a.add({ kind: 'insert', table: src.id, after: [String(i), `${i}.25`, String(i % 7)] }, Date.now());
      await sink.applyBatch([...a.tables.values()], lsn(10n));
      const b = new BatchReducer(() => r);
      b.add({ kind: 'update', table: src.id, before: ['3', '3.25', '3'], after: ['3', '999999.99', '42'] }, Date.now());
      b.add({ kind: 'delete', table: src.id, before: ['4', '4.25', '4'] }, Date.now());
      await sink.applyBatch([...b.tables.values()], lsn(20n));
      const before = await IcebergTable.open(dir);
      const fieldsBefore = before!.schema.fields;

      const shape = table('shop', 'items', [['id', 'INTEGER'], ['price', 'DECIMAL(12,4)'], ['code', 'INTEGER'], ['status', 'VARCHAR']]);
      await sink.applySchema(r.mapping, [
        { kind: 'change-type', column: 'price', type: 'DECIMAL(12,4)' },
        { kind: 'add-column', column: 'status', type: 'VARCHAR', fill: { text: 'new', fromText: 'CAST($ AS VARCHAR)' } },
        { kind: 'change-type', column: 'code', type: 'INTEGER' },
      ], lsn(30n), shape);

      const after = await IcebergTable.open(dir);
      // one commit: one new metadata file with the new schema and its snapshot
      assert.equal(after!.version, before!.version + 1);
      const snap = after!.snapshot!;
      assert.equal(snap.summary.operation, 'overwrite');
      assert.equal(snap['schema-id'], after!.schema['schema-id']);
      assert.equal(snap.summary['lakesync.position:shop.items'], formatPosition(lsn(30n)));
      assert.equal(snap.summary['total-delete-files'], '0');
      assert.equal(snap.summary['total-data-files'], '1');
      const f = (name: string) => after!.schema.fields.find((x) => x.name === name)!;
      const was = (name: string) => fieldsBefore.find((x) => x.name === name)!;
      assert.equal(f('id').id, was('id').id, 'the key keeps its field id');
      assert.notEqual(f('price').id, was('price').id, 'a scale change is a new column under the same name');
      assert.equal(f('price').type, 'decimal(12, 4)');
      assert.notEqual(f('code').id, was('code').id);
      assert.equal(f('code').type, 'int');
      assert.equal(f('status').type, 'string');
      // the metadata file on disk says the same (readers see this one)
      const meta = JSON.parse(readFileSync(join(dir, 'metadata', `v${after!.version}.metadata.json`), 'utf8')) as { 'current-schema-id': number };
      assert.equal(meta['current-schema-id'], after!.schema['schema-id']);

      const rows = async () => (await sink.query('SELECT id, price, code, status FROM ods.items ORDER BY id')).rows.map((x) => x.map((v) => (v === null ? null : String(v))));
      let got = await rows();
      assert.equal(got.length, 49);
      assert.deepEqual(got.slice(0, 4), [['1', '1.2500', '1', 'new'], ['2', '2.2500', '2', 'new'], ['3', '999999.9900', '42', 'new'], ['5', '5.2500', '5', 'new']]);

      // later changes by key find the rewritten rows (the key index follows the rewrite)
      const m: TableMapping = {
        ...r.mapping,
        columns: shape.columns.map((c, i) => ({ source: c, name: c.name, targetType: ['INTEGER', 'DECIMAL(12,4)', 'INTEGER', 'VARCHAR'][i], fromText: `CAST($ AS ${['INTEGER', 'DECIMAL(12,4)', 'INTEGER', 'VARCHAR'][i]})` })),
      };
      const r2 = makeRoute(shape, m);
      const c = new BatchReducer(() => r2);
      c.add({ kind: 'update', table: src.id, before: ['1', '1.2500', '1', 'new'], after: ['1', '12345678.1234', '1001', 'done'] }, Date.now());
      c.add({ kind: 'delete', table: src.id, before: ['2', '2.2500', '2', 'new'] }, Date.now());
      await sink.applyBatch([...c.tables.values()], lsn(40n));
      got = await rows();
      assert.equal(got.length, 48);
      assert.deepEqual(got.slice(0, 2), [['1', '12345678.1234', '1001', 'done'], ['3', '999999.9900', '42', 'new']]);

      // a replay of the change after a crash (the target already has it) changes nothing
      const version = (await IcebergTable.open(dir))!.version;
      await sink.alterTable(m, { kind: 'change-type', column: 'price', type: 'DECIMAL(12,4)' });
      await sink.alterTable(m, { kind: 'add-column', column: 'status', type: 'VARCHAR', fill: { text: 'new', fromText: 'CAST($ AS VARCHAR)' } });
      assert.equal((await IcebergTable.open(dir))!.version, version);
      assert.deepEqual((await rows()).slice(0, 1), [['1', '12345678.1234', '1001', 'done']], 'the replayed add kept the values');
    } finally { await sink.close(); }
  });

  it('a reopened sink after the rewrite rebuilds its key index from the table', async () => {
    const warehouse = join(tmp.dir, 'lake');
    const open = () => IcebergSink.open({ warehouse, statePath: join(warehouse, '.lakesync', 'state.duckdb'), maintenance: { ...DEFAULT_MAINTENANCE, enabled: false } });
    let sink = await open();
    const a = new BatchReducer(() => r);
    for (let i = 1; i <= 20; i++) a.add({ kind: 'insert', table: src.id, after: [String(i), `${i}.5`, String(i)] }, Date.now());
    await sink.ensureTable(r.mapping);
    await sink.applyBatch([...a.tables.values()], lsn(10n));
    await sink.alterTable(r.mapping, { kind: 'change-type', column: 'code', type: 'INTEGER' });
    await sink.close();
    sink = await open();
    try {
      const shape = table('shop', 'items', [['id', 'INTEGER'], ['price', 'DECIMAL(8,2)'], ['code', 'INTEGER']]);
      const r2 = makeRoute(shape, { ...r.mapping, columns: shape.columns.map((c, i) => ({ source: c, name: c.name, targetType: ['INTEGER', 'DECIMAL(8,2)', 'INTEGER'][i], fromText: `CAST($ AS ${['INTEGER', 'DECIMAL(8,2)', 'INTEGER'][i]})` })) });
      await sink.ensureTable(r2.mapping);
      const c = new BatchReducer(() => r2);
      c.add({ kind: 'update', table: src.id, before: ['7', '7.5', '7'], after: ['7', '7.5', '700'] }, Date.now());
      await sink.applyBatch([...c.tables.values()], lsn(20n));
      const rows = (await sink.query('SELECT id, code FROM ods.items WHERE id = 7')).rows.map((x) => x.map(String));
      assert.deepEqual(rows, [['7', '700']]);
      assert.equal((await sink.query('SELECT count(*) FROM ods.items')).rows[0][0]?.toString(), '20');
    } finally { await sink.close(); }
  });
});
