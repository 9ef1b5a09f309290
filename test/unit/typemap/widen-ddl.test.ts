// Widening (merge and schema evolution), merged mappings and the target DDL, checked in DuckDB.
import assert from 'node:assert/strict';
import type { SourceColumn, SourceTable } from '../../../src/engine/source/types';
import { fromTextFor, widen } from '../../../src/engine/typemap/duckdb';
import { mapTable, mergeMappings, metadataColumns, quoteIdent, tableDdl } from '../../../src/engine/typemap';
import { duck, roundTrip } from './duck';

const column = (name: string, dataType: string, extra: Partial<SourceColumn> = {}, ordinal = 1): SourceColumn =>
  ({ name, ordinal, dataType, fullType: dataType, nullable: true, ...extra });

describe('widen: a type that holds every value of both', () => {
  const cases: [string, string, string][] = [
    ['INTEGER', 'BIGINT', 'BIGINT'], ['SMALLINT', 'TINYINT', 'SMALLINT'], ['UTINYINT', 'UINTEGER', 'UINTEGER'],
    ['UTINYINT', 'TINYINT', 'SMALLINT'], ['UINTEGER', 'INTEGER', 'BIGINT'], ['UBIGINT', 'BIGINT', 'HUGEINT'],
    ['DECIMAL(10,2)', 'DECIMAL(12,4)', 'DECIMAL(14,4)'], ['INTEGER', 'DECIMAL(10,2)', 'DECIMAL(12,2)'],
    ['BIGINT', 'DECIMAL(5,5)', 'DECIMAL(24,5)'], ['DECIMAL(38,0)', 'DECIMAL(38,38)', 'VARCHAR'],
    ['FLOAT', 'DOUBLE', 'DOUBLE'], ['INTEGER', 'DOUBLE', 'DOUBLE'], ['DATE', 'TIMESTAMP', 'TIMESTAMP'],
    ['TIME', 'INTERVAL', 'INTERVAL'], ['JSON', 'VARCHAR', 'VARCHAR'], ['INTEGER[]', 'BIGINT[]', 'BIGINT[]'],
  ];
  for (const [a, b, want] of cases) {
    it(`${a} + ${b} -> ${want}`, () => {
      assert.equal(widen(a, b).targetType, want);
      assert.equal(widen(b, a).targetType, want, 'symmetric');
      assert.equal(widen(a, b).warning, undefined);
    });
  }
  for (const [a, b] of [['INTEGER', 'VARCHAR'], ['BLOB', 'INTEGER'], ['BIGINT', 'DOUBLE'], ['UUID', 'DATE'], ['INTEGER[]', 'INTEGER']]) {
    it(`${a} + ${b} -> VARCHAR with a warning`, () => {
      const w = widen(a, b);
      assert.equal(w.targetType, 'VARCHAR');
      assert.match(w.warning ?? '', /no common type/);
    });
  }
  it('the widened column reads the canonical text of both sides exactly', async () => {
    const dec = await roundTrip({ targetType: 'DECIMAL(14,4)', fromText: fromTextFor('DECIMAL(14,4)') },
      ['-99999999.99', '99999999.9999', 'NaN']);
    assert.deepEqual(dec.map((r) => r.text), ['-99999999.9900', '99999999.9999', null]);
    const big = await roundTrip({ targetType: 'HUGEINT', fromText: fromTextFor('HUGEINT') }, ['18446744073709551615', '-9223372036854775808']);
    assert.deepEqual(big.map((r) => r.text), ['18446744073709551615', '-9223372036854775808']);
    const ts = await roundTrip({ targetType: 'TIMESTAMP', fromText: fromTextFor('TIMESTAMP') }, ['2024-02-29', '2024-02-29 01:02:03.000004', '0000-00-00 00:00:00']);
    assert.deepEqual(ts.map((r) => r.text), ['2024-02-29 00:00:00', '2024-02-29 01:02:03.000004', null]);
    const list = await roundTrip({ targetType: 'BIGINT[]', fromText: fromTextFor('BIGINT[]') }, ['["1",null,"-9223372036854775808"]']);
    assert.equal(list[0].text, '[1, NULL, -9223372036854775808]');
  });
});

describe('mapped tables', () => {
  const hostile = ['Mixed Case', 'with"quote', 'dot.ted', 'ünï 日本', 'select', 'x'.repeat(63), "it's"];
  const table: SourceTable = {
    id: { db: 'my"db', table: 'T a.b' },
    columns: hostile.map((n, i) => column(n, i === 0 ? 'int4' : 'text', {}, i + 1)),
    primaryKey: ['Mixed Case', 'with"quote'],
  };

  it('tableDdl creates the table in DuckDB with every hostile name intact, keys, metadata columns', async () => {
    const m = mapTable('postgres', table, 'o"d s', 'T a.b');
    const c = await duck();
    await c.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent('o"d s')}`);
    await c.run(tableDdl(m));
    await c.run(tableDdl(m)); // idempotent
    const cols = (await c.runAndReadAll(`SELECT column_name, data_type FROM information_schema.columns
      WHERE table_schema = 'o"d s' AND table_name = 'T a.b' ORDER BY ordinal_position`)).getRows();
    assert.deepEqual(cols.map((r) => r[0]), [...hostile, ...metadataColumns(false).map((x) => x.name)]);
    assert.equal(cols[0][1], 'INTEGER');
    const pk = (await c.runAndReadAll(`SELECT constraint_column_names FROM duckdb_constraints()
      WHERE schema_name = 'o"d s' AND table_name = 'T a.b' AND constraint_type = 'PRIMARY KEY'`)).getRowsJS();
    assert.deepEqual(pk[0][0], ['Mixed Case', 'with"quote']);
  });

  it('merge: union of columns by name, widened types, source identity in the key', async () => {
    const a = mapTable('mysql', { id: { db: 'shard_1', table: 'orders_1' }, primaryKey: ['id'],
      columns: [column('id', 'int'), column('amount', 'decimal', { precision: 10, scale: 2 }), column('note', 'varchar')] }, 'ods', 'x');
    const b = mapTable('mysql', { id: { db: 'shard_2', table: 'orders_7' }, primaryKey: ['id'],
      columns: [column('id', 'bigint'), column('amount', 'decimal', { precision: 12, scale: 4 }), column('extra', 'json'), column('note', 'int')] }, 'ods', 'x');
    const m = mergeMappings([a, b], 'ods', 'orders_all');
    assert.deepEqual(m.sources, [{ db: 'shard_1', table: 'orders_1' }, { db: 'shard_2', table: 'orders_7' }]);
    assert.deepEqual(m.columns.map((c) => [c.name, c.targetType]),
      [['id', 'BIGINT'], ['amount', 'DECIMAL(14,4)'], ['note', 'VARCHAR'], ['extra', 'JSON']]);
    assert.deepEqual(m.key, ['_lakesync_source_db', '_lakesync_source_table', 'id']);
    assert.deepEqual(m.columns[0].mergedFrom?.map((f) => [f.table.db, f.column.dataType]), [['shard_1', 'int'], ['shard_2', 'bigint']]);
    assert.deepEqual(a.columns[0].mergedFrom, undefined, 'the per-source mappings are left as they were');
    assert.equal(m.warnings.length, 1);
    assert.match(m.warnings[0], /^note: types VARCHAR and INTEGER/);
    const c = await duck();
    await c.run('CREATE SCHEMA IF NOT EXISTS ods');
    await c.run(tableDdl(m));
    // equal primary keys from two shards do not collide
    await c.run(`INSERT INTO ods.orders_all (id, _lakesync_source_db, _lakesync_source_table) VALUES (1, 'shard_1', 'orders_1'), (1, 'shard_2', 'orders_7')`);
    await assert.rejects(c.run(`INSERT INTO ods.orders_all (id, _lakesync_source_db, _lakesync_source_table) VALUES (1, 'shard_1', 'orders_1')`));
  });

  it('a table without a primary key is mapped without key and with a warning', () => {
    const m = mapTable('mysql', { id: { db: 'd', table: 'log' }, primaryKey: [], columns: [column('a', 'int')] }, 'ods', 'log');
    assert.deepEqual(m.key, []);
    assert.match(m.warnings.join('\n'), /no primary key/);
    assert.doesNotMatch(tableDdl(m), /PRIMARY KEY/);
  });
});
