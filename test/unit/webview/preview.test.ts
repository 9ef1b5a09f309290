import { strict as assert } from 'node:assert';
import { filterPreviewTables, isMerge, summarize } from '../../../webview/preview/model';
import type { PreviewJson, PreviewTable } from '../../../src/protocol/webview';

const col = (name: string, sourceType: string, targetType: string, extra = {}) =>
  ({ name, sourceType, targetType, nullable: true, key: false, ...extra });

const orders: PreviewTable = {
  target: 'ods.orders', sources: ['shop.orders'], key: ['id'], warnings: [],
  columns: [col('id', 'bigint unsigned', 'UBIGINT', { key: true, nullable: false }), col('total', 'decimal(12,2)', 'DECIMAL(12,2)')],
};
const customers: PreviewTable = {
  target: 'ods.customers', sources: ['shop.customers'], key: ['id'], warnings: [],
  columns: [col('id', 'int', 'INTEGER', { key: true }), col('geo', 'geometry', 'BLOB', { warning: 'stored as WKB bytes' }),
    col('created', 'datetime', 'TIMESTAMP', { note: 'no time zone' })],
};
const merged: PreviewTable = {
  target: 'ods.orders_all', sources: ['shard_1.orders_1', 'shard_2.orders_7'], key: ['_lakesync_source_db', '_lakesync_source_table', 'id'],
  warnings: ['shard_2.orders_7.note is TEXT, shard_1.orders_1.note is VARCHAR(20): widened'], columns: [col('id', 'int', 'INTEGER')],
};
const preview: PreviewJson = { task: 'shop', source: 'mysql 127.0.0.1:3306', mode: 'multi-table-mirror', tables: [orders, customers], warnings: ['no primary key on shop.log: skipped'] };

const targets = (ts: PreviewTable[]) => ts.map((t) => t.target);

describe('mapping preview model', () => {
  it('filters by target, source and column names; all terms must match', () => {
    assert.deepEqual(targets(filterPreviewTables([orders, customers, merged], { text: 'orders', warningsOnly: false })), ['ods.orders', 'ods.orders_all']);
    assert.deepEqual(targets(filterPreviewTables([orders, customers, merged], { text: 'shard_2', warningsOnly: false })), ['ods.orders_all']);
    assert.deepEqual(targets(filterPreviewTables([orders, customers, merged], { text: 'GEO', warningsOnly: false })), ['ods.customers']);
    assert.deepEqual(targets(filterPreviewTables([orders, customers, merged], { text: 'orders total', warningsOnly: false })), ['ods.orders']);
  });

  it('type: matches source or target column types; warnings-only keeps tables with any warning', () => {
    assert.deepEqual(targets(filterPreviewTables([orders, customers, merged], { text: 'type:decimal', warningsOnly: false })), ['ods.orders']);
    assert.deepEqual(targets(filterPreviewTables([orders, customers, merged], { text: 'type:blob', warningsOnly: false })), ['ods.customers']);
    assert.deepEqual(targets(filterPreviewTables([orders, customers, merged], { text: '', warningsOnly: true })), ['ods.customers', 'ods.orders_all']);
  });

  it('summarizes tables, distinct sources, columns, warnings (task, table and column) and notes', () => {
    assert.deepEqual(summarize(preview), { tables: 2, sources: 2, columns: 5, warnings: 2, notes: 1 });
    assert.deepEqual(summarize({ ...preview, tables: [merged] }).sources, 2);
  });

  it('merge mode shows the sources of each virtual table', () => {
    assert.equal(isMerge(preview), false);
    assert.equal(isMerge({ ...preview, mode: 'multi-table-merge', tables: [orders] }), true);
    assert.equal(isMerge({ ...preview, tables: [merged] }), true);
  });
});
