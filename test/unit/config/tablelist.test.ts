// `tablesFrom: tables.txt`: one db.table or glob per line, # comments, relative to the task file;
// a bad line is an error at list-file:line:column; the entries join `tables`.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagnoseTaskText, loadTask, TaskFileError } from '../../../src/engine/config';
import { parseTableList } from '../../../src/engine/config/tablelist';
import { listReference, withTablesFrom } from '../../../src/extension/commands/tableListImport';
import { TempDir, VALID_MYSQL } from './helpers';

const LIST = `# tables of the shop
shop.orders
  shop.order_*     # every order table

shop."order #2"
shop.customers
shop.orders
`;

const withList = (ref: string) => VALID_MYSQL.replace('tables: [shop.orders, shop.customers, "shop.order_*"]\n', `tablesFrom: ${ref}\n`);

describe('table lists (tablesFrom)', () => {
  let dir: TempDir;
  beforeEach(() => { dir = new TempDir(); });
  afterEach(() => dir.remove());

  it('reads entries in order: comments, blank lines, indentation, quoted names with #; a repeated line is a warning', () => {
    const l = parseTableList(LIST, '/x/tables.txt');
    assert.deepEqual(l.entries, ['shop.orders', 'shop.order_*', 'shop."order #2"', 'shop.customers']);
    assert.deepEqual(l.diagnostics.map((d) => `${d.line}:${d.column} ${d.severity} ${d.message}`),
      ['7:1 warning "shop.orders" is listed twice; the second is ignored']);
  });

  it('a bad line is an error at its line and column, with the fix', () => {
    const l = parseTableList('shop.orders\n  orders\nshop.[bad\nshop.a shop.b\n"open.x\nshop.\n', '/x/t.txt');
    assert.deepEqual(l.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}-${d.endColumn} ${d.message}`), [
      '/x/t.txt:2:3-9 "orders" is not of the form db.table; write db.table (PostgreSQL: schema.table), e.g. shop.orders or shop.order_*',
      '/x/t.txt:3:1-10 "shop.[bad" has a "[" without its "]"; close the character class or escape it as \\[',
      '/x/t.txt:4:1-14 "shop.a shop.b" holds several names; write one db.table per line (quote a name with spaces: shop."my table")',
      '/x/t.txt:5:1-8 ""open.x": unclosed double quote; write db.table (PostgreSQL: schema.table), e.g. shop.orders or shop.order_*',
      '/x/t.txt:6:1-6 "shop." has no table part; write db.table (PostgreSQL: schema.table), e.g. shop.orders or shop.order_*',
    ]);
    assert.deepEqual(l.entries, ['shop.orders']);
  });

  it('the list is found relative to the task file, and its entries join tables', async () => {
    dir.write('lists-tables.txt', LIST);
    const sub = join(dir.path, 'tasks');
    mkdirSync(sub);
    const file = join(sub, 'shop.sync.yaml');
    writeFileSync(file, withList('../lists-tables.txt').replace('mode: multi-table-mirror\n', 'mode: multi-table-mirror\ntables: [crm.contacts, shop.orders]\n'));
    const plan = await loadTask(file, { env: { SHOP_DB_PASSWORD: 'x' } });
    assert.deepEqual(plan.tables, ['crm.contacts', 'shop.orders', 'shop.order_*', 'shop."order #2"', 'shop.customers']);
  });

  it('a bad line refuses the task with list-file:line:column; a missing file is positioned at tablesFrom', async () => {
    const list = dir.write('tables.txt', 'shop.orders\nshop\n');
    const file = dir.write('shop.sync.yaml', withList('tables.txt'));
    const err = await loadTask(file, { env: { SHOP_DB_PASSWORD: 'x' } }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof TaskFileError);
    assert.equal(err.message, `${list}:2:1 "shop" is not of the form db.table; write db.table (PostgreSQL: schema.table), e.g. shop.orders or shop.order_*`);

    const missing = dir.write('m.sync.yaml', withList('nope/tables.txt'));
    const d = diagnoseTaskText(readFileSync(missing, 'utf8'), missing).filter((x) => x.severity === 'error');
    assert.equal(d.length, 1);
    assert.equal(d[0].file, missing);
    assert.equal(d[0].path, 'tablesFrom');
    assert.match(d[0].message, /^tablesFrom: .*nope\/tables\.txt does not exist; create it \(one db\.table per line\) or fix the path, which is relative to the task file$/);
    assert.equal(d[0].line, withList('x').split('\n').findIndex((l) => l.startsWith('tablesFrom')) + 1);

    const empty = dir.write('empty.txt', '# nothing yet\n\n');
    const e2 = dir.write('e.sync.yaml', withList(empty));
    assert.match(diagnoseTaskText(readFileSync(e2, 'utf8'), e2).map((x) => x.message).join('\n'), /lists no table; add one db\.table per line/);
  });

  it('multi-table-mirror needs tables or tablesFrom; tablesFrom in another mode is a warning', () => {
    const neither = VALID_MYSQL.replace('tables: [shop.orders, shop.customers, "shop.order_*"]\n', '');
    assert.match(diagnoseTaskText(neither, join(dir.path, 'x.sync.yaml')).map((d) => d.message).join('\n'), /tables is missing: mode multi-table-mirror copies the listed tables \(in tables, or in a file named by tablesFrom\)/);
    dir.write('t.txt', 'shop.orders\n');
    const ok = diagnoseTaskText(withList('t.txt'), join(dir.path, 'x.sync.yaml'));
    assert.deepEqual(ok.filter((d) => d.severity === 'error'), []);
    const other = withList('t.txt').replace('mode: multi-table-mirror', 'mode: database-mirror\ndatabases: [shop]');
    assert.match(diagnoseTaskText(other, join(dir.path, 'x.sync.yaml')).map((d) => `${d.severity} ${d.message}`).join('\n'), /warning tablesFrom is only used in mode multi-table-mirror/);
  });

  it('Import Table List edits the task: tablesFrom relative to it, comments kept, mode switched only when needed', () => {
    assert.equal(listReference('/w/tasks/shop.sync.yaml', '/w/tasks/lists/t.txt'), 'lists/t.txt');
    assert.equal(listReference('/w/tasks/shop.sync.yaml', '/other/t.txt'), '/other/t.txt');
    const text = '# my task\nsource: {type: mysql, host: h, user: u}\nmode: multi-table-mirror  # listed\ntables: [shop.a]\n';
    const e = withTablesFrom(text, 'lists/t.txt')!;
    assert.equal(e.modeChanged, undefined);
    assert.match(e.text, /^# my task\n/);
    assert.match(e.text, /mode: multi-table-mirror # listed\ntables: \[ shop\.a \]\ntablesFrom: lists\/t\.txt\n$/);
    const m = withTablesFrom('source: {type: mysql, host: h, user: u}\nmode: database-mirror\ndatabases: [shop]\n', 't.txt')!;
    assert.equal(m.modeChanged, 'database-mirror');
    assert.match(m.text, /mode: multi-table-mirror\n/);
    assert.equal(withTablesFrom('a: [', 't.txt'), undefined);
  });
});
