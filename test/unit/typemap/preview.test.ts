// What `lakesync preview` prints, from mappings (no server): the JSON document and the text.
import assert from 'node:assert/strict';
import type { TaskPlan } from '../../../src/engine/config/plan';
import type { SourceColumn, SourceTable } from '../../../src/engine/source/types';
import { planMappings } from '../../../src/engine/source/discover';
import { previewDocument, previewText } from '../../../src/engine/commands/preview';

const col = (name: string, dataType: string, fullType: string, extra: Partial<SourceColumn> = {}): SourceColumn =>
  ({ name, ordinal: 1, dataType, fullType, nullable: true, ...extra });

const plan = (p: Partial<TaskPlan>): TaskPlan => ({
  name: 'shop', file: '/x/shop.sync.yaml', mode: 'multi-table-merge', databases: [], tables: [], exclude: [], virtualTables: {},
  source: { type: 'postgres', host: 'db.local', port: 5432, user: 'u', password: 'secret', database: 'shop', serverId: 1, slot: 's', publication: 'p', connectTimeoutMs: 1 },
  target: { type: 'duckdb', path: '/x/shop.duckdb', namespace: 'ods' },
  ...p,
} as TaskPlan);

const tables: SourceTable[] = [
  { id: { db: 's1', table: 'orders' }, primaryKey: ['id'], columns: [col('id', 'int4', 'integer', { nullable: false }), col('p', 'numeric', 'numeric(10,2)', { precision: 10, scale: 2, domain: 'price' })] },
  { id: { db: 's2', table: 'orders' }, primaryKey: ['id'], columns: [col('id', 'int8', 'bigint', { nullable: false }), col('x', 'mystery', 'mystery')] },
];

describe('preview output', () => {
  const p = plan({ virtualTables: { orders_all: ['s\\d\\.orders'], ghost: ['none\\..*'] } });
  const { mappings, warnings } = planMappings(p, tables);
  const doc = previewDocument(p, mappings, warnings);

  it('the JSON document: target, sources, key, typed columns, notes, warnings; never the password', () => {
    assert.equal(doc.task, 'shop');
    assert.equal(doc.source, 'postgres db.local:5432/shop');
    assert.equal(doc.mode, 'multi-table-merge');
    assert.equal(doc.tables.length, 1);
    const t = doc.tables[0];
    assert.equal(t.target, 'ods.orders_all');
    assert.deepEqual(t.sources, ['s1.orders', 's2.orders']);
    assert.deepEqual(t.key, ['_lakesync_source_db', '_lakesync_source_table', 'id']);
    assert.deepEqual(t.columns[0], { name: 'id', sourceType: 'integer | bigint', targetType: 'BIGINT', nullable: false, key: true });
    assert.equal(t.columns[1].sourceType, 'price (numeric(10,2))');
    assert.equal(t.columns[1].targetType, 'DECIMAL(10,2)');
    assert.match(t.columns[2].warning ?? '', /not known/);
    assert.deepEqual(doc.warnings, ['virtualTables.ghost pattern "none\\..*" matches no source table']);
    assert.doesNotMatch(JSON.stringify(doc), /secret/);
  });

  it('the text lists sources, key, every column source type -> target type, and warnings', () => {
    const text = previewText(doc, p);
    assert.match(text, /^task shop: postgres db\.local:5432\/shop, multi-table-merge -> \/x\/shop\.duckdb \(tables as ods\.<virtual table>\)/);
    assert.match(text, /ods\.orders_all\n {2}sources \(2\): s1\.orders, s2\.orders\n {2}key: _lakesync_source_db, _lakesync_source_table, id/);
    assert.match(text, /id +integer \| bigint +-> BIGINT +key, not null/);
    assert.match(text, /x +mystery +-> VARCHAR +WARNING: type mystery is not known/);
    assert.match(text, /warnings:\n {2}virtualTables\.ghost pattern/);
  });
});
