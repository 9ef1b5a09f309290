// `tablesFrom: lists/tables.txt` through `lakesync run`, on PostgreSQL and MariaDB: exactly the
// tables the list names (a literal, a glob, a comment, an indented line) are synced, equal to the
// source; a bad line refuses the run at list-file:line:column.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runCli } from '../../harness';
import { insertRows, KINDS, Source, type Task } from './helpers';

for (const kind of KINDS) {
  describe(`tablesFrom on ${kind} (lakesync run)`, function () {
    this.timeout(150_000);
    let src: Source;
    let task: Task | undefined;
    beforeEach(async () => { src = await Source.create(kind); });
    afterEach(async () => { task?.kill(); task = undefined; await src.cleanup(); });

    it('syncs the tables a list file names, relative to the task file; a bad line stops the run with its position', async () => {
      const a = await src.space('tl');
      for (const t of ['orders', 'order_items', 'customers', 'audit']) {
        await src.sql(`CREATE TABLE ${a}.${t} (id int PRIMARY KEY, v varchar(20))`);
        await src.sql(insertRows(`${a}.${t}`, 1, 15, (i) => `${i}, '${t}${i}'`));
      }
      task = src.task({ mode: 'multi-table-mirror', tablesFrom: 'lists/tables.txt' });
      const list = join(dirname(task.file), 'lists', 'tables.txt');
      mkdirSync(dirname(list));
      writeFileSync(list, `# what the shop team asked for\n${a}.order*   # orders and their items\n\n   ${a}.customers\n`);
      await task.runUntilCaughtUp();
      const tables = (await task.query(`SELECT table_name FROM duckdb_tables() WHERE schema_name = 'ods' ORDER BY 1`)).map((r) => r[0]);
      assert.deepEqual(tables, ['customers', 'order_items', 'orders']);
      for (const t of tables) assert.deepEqual(await task.targetRows(t!, ['id', 'v']), await task.sourceRows(`${a}.${t}`, ['id', 'v']));

      writeFileSync(list, `${a}.orders\n${a}.audit log\n`);
      const r = await runCli(['run', task.file, '--until-caught-up'], { timeoutMs: 60_000 });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr + r.stdout, new RegExp(`${list.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2:1 "${a}\\.audit log" holds several names`));
    });
  });
}
