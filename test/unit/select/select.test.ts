// The task's mode expanded into the concrete table set, and the warnings the user sees.
import assert from 'node:assert/strict';
import type { TaskPlan } from '../../../src/engine/config/plan';
import type { TableId } from '../../../src/engine/source/types';
import { parseNamePattern, selectTables, targetOf } from '../../../src/engine/source/select';

const t = (k: string): TableId => { const i = k.indexOf('.'); return { db: k.slice(0, i), table: k.slice(i + 1) }; };
const available = ['shop.orders', 'shop.order_items', 'shop.order_2024', 'shop.customers', 'shop.tmp_x', 'shop.Orders',
  'crm.orders', 'crm.contacts', 'shard_1.orders_1', 'shard_1.orders_2', 'shard_2.orders_1', 'shard_2.audit',
  'odd.order.items', 'my db.x"y', 'uni.ünï 日本'].map(t);

function plan(p: Partial<TaskPlan>): TaskPlan {
  return { mode: 'multi-table-mirror', databases: [], tables: [], exclude: [], virtualTables: {}, ...p } as TaskPlan;
}
const names = (s: ReturnType<typeof selectTables>) => s.groups.map((g) => [g.target, g.sources.map((x) => `${x.db}.${x.table}`)]);

describe('table selection', () => {
  it('database-mirror takes every table of the listed databases; one database keeps table names', () => {
    const s = selectTables(plan({ mode: 'database-mirror', databases: ['crm'] }), available);
    assert.deepEqual(names(s), [['contacts', ['crm.contacts']], ['orders', ['crm.orders']]]);
    assert.deepEqual(s.warnings, []);
  });

  it('database-mirror of several databases prefixes the database so names cannot meet', () => {
    const s = selectTables(plan({ mode: 'database-mirror', databases: ['crm', 'shop', 'nope'], exclude: ['shop.*'] }), available);
    assert.deepEqual(names(s), [['crm_contacts', ['crm.contacts']], ['crm_orders', ['crm.orders']]]);
    assert.deepEqual(s.warnings, ['database "nope" has no tables (or does not exist)']);
  });

  it('multi-table-mirror: literal names, globs, excludes; case-sensitive with a hint', () => {
    const s = selectTables(plan({ tables: ['shop.orders', 'shop.order_*', 'shop.CUSTOMERS', 'shop.missing'], exclude: ['shop.*_2024'] }), available);
    assert.deepEqual(names(s), [['order_items', ['shop.order_items']], ['orders', ['shop.orders']]]);
    assert.deepEqual(s.warnings, [
      'tables "shop.CUSTOMERS" matches no source table (names are case-sensitive: a table differs only in case)',
      'tables "shop.missing" matches no source table',
    ]);
  });

  it('globs on the database part, and the usual glob forms', () => {
    const s = selectTables(plan({ tables: ['*.orders', 'shard_?.orders_{1,2}'] }), available);
    assert.deepEqual(names(s).map((n) => n[0]), ['crm_orders', 'shard_1_orders_1', 'shard_1_orders_2', 'shard_2_orders_1', 'shop_orders']);
  });

  it('quoted parts are literal names: dots, quotes, spaces, unicode', () => {
    const s = selectTables(plan({ tables: ['odd."order.items"', '"my db"."x""y"', 'uni.ünï 日本', 'shop."tmp_*"'] }), available);
    assert.deepEqual(names(s).map((n) => n[1][0]), ['my db.x"y', 'odd.order.items', 'uni.ünï 日本']);
    assert.deepEqual(s.warnings, ['tables "shop."tmp_*"" matches no source table']);
    // unquoted: the table part is everything after the first dot
    assert.deepEqual(parseNamePattern('odd.order.items').table.literal, 'order.items');
    assert.throws(() => parseNamePattern('nodot'), /db\.table/);
    assert.throws(() => parseNamePattern('"open.x'), /quote/);
  });

  it('multi-table-merge: each virtual table gets every source whose db.table fully matches a regex', () => {
    const s = selectTables(plan({ mode: 'multi-table-merge',
      virtualTables: { orders_all: ['shard_\\d+\\.orders_\\d+'], audit: ['shard_\\d+\\.audit', 'nothing\\..*'], bad: ['('] } }), available);
    assert.deepEqual(names(s), [
      ['orders_all', ['shard_1.orders_1', 'shard_1.orders_2', 'shard_2.orders_1']],
      ['audit', ['shard_2.audit']],
      ['bad', []],
    ]);
    assert.equal(s.groups[0].merged, true);
    assert.equal(s.warnings.length, 2);
    assert.match(s.warnings[0], /virtualTables.audit pattern "nothing\\\.\.\*" matches no source table/);
    assert.match(s.warnings[1], /virtualTables.bad: "\(" is not a valid regular expression/);
  });

  it('merge regexes are anchored: a partial match is not a match', () => {
    const s = selectTables(plan({ mode: 'multi-table-merge', virtualTables: { o: ['shard_1\\.orders'] } }), available);
    assert.deepEqual(s.groups[0].sources, []);
  });

  it('a table matched by two virtual tables feeds the first only, with a warning', () => {
    const s = selectTables(plan({ mode: 'multi-table-merge', virtualTables: { a: ['crm\\..*'], b: ['crm\\.orders'] } }), available);
    assert.deepEqual(names(s), [['a', ['crm.contacts', 'crm.orders']], ['b', []]]);
    assert.match(s.warnings.join('\n'), /crm\.orders matches virtual tables a and b/);
  });

  it('targetOf places a table that appears later, or refuses it', () => {
    const mirror = plan({ mode: 'database-mirror', databases: ['shop'], exclude: ['shop.tmp_*'] });
    assert.deepEqual(targetOf(mirror, t('shop.new_table')), { namespace: 'ods', target: 'new_table', merged: false });
    assert.equal(targetOf(mirror, t('shop.tmp_9')), undefined);
    assert.equal(targetOf(mirror, t('crm.x')), undefined);
    const merge = plan({ mode: 'multi-table-merge', virtualTables: { orders_all: ['shard_\\d+\\.orders_\\d+'] } });
    assert.deepEqual(targetOf(merge, t('shard_9.orders_12')), { namespace: 'ods', target: 'orders_all', merged: true });
  });
});
