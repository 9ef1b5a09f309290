// Target naming rules: target.namespace (fixed or {from: source}), target.tableName templates,
// target.lowerCase, and collisions as configuration errors naming both tables.
import assert from 'node:assert/strict';
import { describeNaming, targetNameOf, type NamingPlan } from '../../../src/engine/config/naming';
import { diagnoseTaskText, loadTask } from '../../../src/engine/config';
import type { TaskPlan } from '../../../src/engine/config/plan';
import { selectTables, targetOf } from '../../../src/engine/source/select';
import type { TableId } from '../../../src/engine/source/types';
import { TempDir, VALID_MYSQL } from './helpers';

const t = (k: string): TableId => { const i = k.indexOf('.'); return { db: k.slice(0, i), table: k.slice(i + 1) }; };
function plan(p: Partial<Omit<TaskPlan, 'target'>> & { target?: Partial<TaskPlan['target']> }): TaskPlan {
  return { mode: 'multi-table-mirror', databases: [], tables: [], exclude: [], virtualTables: {},
    source: { type: 'mysql' }, ...p, target: { namespace: 'ods', ...p.target } } as TaskPlan;
}
const name = (p: NamingPlan, k: string) => { const n = targetNameOf(p, t(k)); return `${n.namespace}.${n.table}`; };

describe('target naming', () => {
  it('defaults: the fixed namespace ods; {table} for one database, {schema}_{table} for several', () => {
    assert.equal(name(plan({ tables: ['shop.orders', 'shop.c*'] }), 'shop.orders'), 'ods.orders');
    assert.equal(name(plan({ tables: ['shop.orders', 'crm.c*'] }), 'shop.orders'), 'ods.shop_orders');
    assert.equal(name(plan({ tables: ['*.orders'] }), 'shop.orders'), 'ods.shop_orders');
    assert.equal(name(plan({ mode: 'database-mirror', databases: ['shop'] }), 'shop.Orders'), 'ods.Orders');
  });

  it('namespace {from: source} mirrors the source database (PostgreSQL: schema) and keeps table names', () => {
    const p = plan({ tables: ['shop.orders', 'crm.contacts'], target: { namespace: { from: 'source' } } });
    assert.equal(name(p, 'shop.orders'), 'shop.orders');
    assert.equal(name(p, 'crm.contacts'), 'crm.contacts');
    assert.equal(describeNaming(p), '{schema}.{table}');
  });

  it('tableName templates: prefix, suffix, {schema}, {database} (PostgreSQL: source.database), lower-casing', () => {
    assert.equal(name(plan({ tables: ['shop.x'], target: { tableName: 'raw_{table}' } }), 'shop.Orders'), 'ods.raw_Orders');
    assert.equal(name(plan({ tables: ['shop.x'], target: { tableName: '{table}_v1' } }), 'shop.orders'), 'ods.orders_v1');
    assert.equal(name(plan({ tables: ['shop.x'], target: { tableName: '{schema}_{table}' } }), 'shop.orders'), 'ods.shop_orders');
    const pg = plan({ source: { type: 'postgres', database: 'appdb' } as TaskPlan['source'], tables: ['public.x'], target: { tableName: '{database}_{schema}_{table}' } });
    assert.equal(name(pg, 'public.orders'), 'ods.appdb_public_orders');
    const my = plan({ tables: ['shop.x'], target: { tableName: '{database}__{table}' } });
    assert.equal(name(my, 'shop.orders'), 'ods.shop__orders');
    const lower = plan({ tables: ['Shop.x'], target: { namespace: { from: 'source' }, tableName: 'S_{table}', lowerCase: true } });
    assert.equal(name(lower, 'Shop.OrderItems'), 'shop.s_orderitems');
    assert.equal(describeNaming(lower), '{schema}.S_{table} (lower-cased)');
  });

  it('two source tables with one target name are an error naming both, and the second is left out', () => {
    const p = plan({ tables: ['a.*', 'b.*'], target: { tableName: '{table}' } });
    const s = selectTables(p, [t('a.orders'), t('b.orders'), t('b.items')]);
    assert.deepEqual(s.groups.map((g) => `${g.namespace}.${g.target}`), ['ods.orders', 'ods.items']);
    assert.equal(s.errors.length, 1);
    assert.match(s.errors[0], /^a\.orders and b\.orders would both be target table ods\.orders under target\.tableName "\{table\}"; set target\.tableName/);
  });

  it('names that differ only in case collide too (DuckDB and Iceberg catalogs ignore case), lower-cased or not', () => {
    const s = selectTables(plan({ tables: ['shop.*'] }), [t('shop.Orders'), t('shop.orders')]);
    assert.equal(s.errors.length, 1);
    assert.match(s.errors[0], /shop\.Orders and shop\.orders would both be target table ods\.Orders \(and ods\.orders: target names ignore case\)/);
    const lower = selectTables(plan({ tables: ['shop.*'], target: { lowerCase: true } }), [t('shop.Orders'), t('shop.orders')]);
    assert.match(lower.errors[0], /with target\.lowerCase/);
    // the default for several databases keeps them apart; {from: source} too
    assert.deepEqual(selectTables(plan({ tables: ['a.*', 'b.*'] }), [t('a.orders'), t('b.orders')]).errors, []);
    assert.deepEqual(selectTables(plan({ tables: ['a.*', 'b.*'], target: { namespace: { from: 'source' } } }), [t('a.orders'), t('b.orders')]).errors, []);
  });

  it('merge mode: many sources into one virtual table is the point, not a collision; the fixed namespace holds it', () => {
    const p = plan({ mode: 'multi-table-merge', virtualTables: { all_orders: ['s\\d\\.orders'] }, target: { namespace: 'lake', tableName: 'x_{table}' } });
    const s = selectTables(p, [t('s1.orders'), t('s2.orders')]);
    assert.deepEqual(s.errors, []);
    assert.deepEqual(s.groups.map((g) => [g.namespace, g.target, g.sources.length]), [['lake', 'all_orders', 2]]);
    assert.deepEqual(targetOf(p, t('s3.orders')), { namespace: 'lake', target: 'all_orders', merged: true });
  });

  it('a table that appears while running gets the same name as at the start', () => {
    const p = plan({ mode: 'database-mirror', databases: ['shop', 'crm'], target: { tableName: 'raw_{schema}_{table}', lowerCase: true } });
    assert.deepEqual(targetOf(p, t('crm.NewTable')), { namespace: 'ods', target: 'raw_crm_newtable', merged: false });
  });

  describe('in the task file', () => {
    let dir: TempDir;
    before(() => { dir = new TempDir(); });
    after(() => dir.remove());
    const withTarget = (lines: string) => VALID_MYSQL.replace('target:\n  path: .lakehouse/shop.duckdb\n', `target:\n  path: .lakehouse/shop.duckdb\n${lines}`);

    it('namespace {from: source}, tableName and lowerCase reach the plan', async () => {
      const file = dir.write('n.sync.yaml', withTarget('  namespace: {from: source}\n  tableName: "raw_{table}"\n  lowerCase: true\n'));
      const p = await loadTask(file, { env: { SHOP_DB_PASSWORD: 'x' } });
      assert.deepEqual(p.target.namespace, { from: 'source' });
      assert.equal(p.target.tableName, 'raw_{table}');
      assert.equal(name(p, 'Shop.Orders'), 'shop.raw_orders');
      const d = await loadTask(dir.write('d.sync.yaml', VALID_MYSQL), { env: { SHOP_DB_PASSWORD: 'x' } });
      assert.equal(name(d, 'shop.orders'), 'ods.orders');
    });

    it('positioned errors: an unknown placeholder, a template without any, {from: source} in merge mode', () => {
      const at = (text: string) => diagnoseTaskText(text, 'x.sync.yaml').filter((x) => x.severity === 'error').map((x) => `${x.line}:${x.column} ${x.message}`);
      const line = VALID_MYSQL.split('\n').indexOf('  path: .lakehouse/shop.duckdb') + 2;
      assert.deepEqual(at(withTarget('  tableName: "{table}_{tabel}"\n')), [`${line}:23 target.tableName: {tabel} is not a placeholder; use {schema}, {database} or {table}`]);
      assert.match(at(withTarget('  tableName: "fixed"\n'))[0], new RegExp(`^${line}:14 target.tableName "fixed" is not valid: use at least one of \\{schema\\}`));
      assert.match(at(withTarget('  namespace: {from: elsewhere}\n'))[0], /target\.namespace\.from must be one of source/);
      const merge = withTarget('  namespace: {from: source}\n').replace(/mode: .*\ntables: .*\n/, "mode: multi-table-merge\nvirtualTables: {all: ['s\\\\d\\\\.orders']}\n");
      assert.match(at(merge)[0], /target\.namespace \{from: source\} cannot name a merged table/);
    });
  });
});
