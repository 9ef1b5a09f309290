// Target naming rules through `lakesync run`, on PostgreSQL and MariaDB: namespace {from: source}
// with a tableName template and lower-casing lands every table where preview and status say,
// snapshot and streamed changes alike, and a table created while running follows the same rule;
// two source tables that would share one target table are refused by check, preview and run,
// with both named.
import assert from 'node:assert/strict';
import { runCli } from '../../harness';
import { insertRows, KINDS, Source, type Task } from './helpers';

for (const kind of KINDS) {
  describe(`target naming on ${kind} (lakesync run)`, function () {
    this.timeout(150_000);
    let src: Source;
    let task: Task | undefined;
    beforeEach(async () => { src = await Source.create(kind); });
    afterEach(async () => { task?.kill(); task = undefined; await src.cleanup(); });
    const q = (name: string) => (kind === 'postgres' ? `"${name}"` : `\`${name}\``);

    it('namespace {from: source} + tableName "raw_{table}" + lowerCase: preview, status and the lakehouse agree', async () => {
      const a = await src.space('na');
      const b = await src.space('nb');
      await src.sql(`CREATE TABLE ${a}.orders (id int PRIMARY KEY, v varchar(20))`);
      await src.sql(insertRows(`${a}.orders`, 1, 30, (i) => `${i}, 'a${i}'`));
      await src.sql(`CREATE TABLE ${b}.orders (id int PRIMARY KEY, v varchar(20))`);
      await src.sql(insertRows(`${b}.orders`, 1, 20, (i) => `${i}, 'b${i}'`));
      await src.sql(`CREATE TABLE ${a}.${q('LineItems')} (id int PRIMARY KEY, v varchar(20))`);
      await src.sql(insertRows(`${a}.${q('LineItems')}`, 1, 12, (i) => `${i}, 'l${i}'`));
      task = src.task({ mode: 'database-mirror', databases: [a, b],
        target: { path: 'lake.duckdb', namespace: { from: 'source' }, tableName: 'raw_{table}', lowerCase: true } });

      const expected = { [`${a}.LineItems`]: `${a}.raw_lineitems`, [`${a}.orders`]: `${a}.raw_orders`, [`${b}.orders`]: `${b}.raw_orders` };
      const preview = await task.json<{ tables: { target: string; sources: string[] }[] }>('preview');
      assert.deepEqual(Object.fromEntries(preview.tables.map((t) => [t.sources[0], t.target])), expected);

      await task.start();
      await task.waitSame(`${a}.orders`, `${a}.raw_orders`, ['id', 'v']);
      await task.waitSame(`${b}.orders`, `${b}.raw_orders`, ['id', 'v']);
      await task.waitSame(`${a}.${q('LineItems')}`, `${a}.raw_lineitems`, ['id', 'v']);
      const status = await task.status();
      assert.deepEqual(Object.fromEntries(status.tables.map((t) => [t.source, t.target])), expected);

      await src.sql(`UPDATE ${b}.orders SET v = 'changed' WHERE id < 5`);
      await src.sql(`DELETE FROM ${a}.orders WHERE id > 25`);
      await task.waitSame(`${a}.orders`, `${a}.raw_orders`, ['id', 'v']);
      await task.waitSame(`${b}.orders`, `${b}.raw_orders`, ['id', 'v']);

      // created while running: named by the same rule
      await src.sql(`CREATE TABLE ${b}.${q('NewOne')} (id int PRIMARY KEY, v varchar(20))`);
      await src.sql(insertRows(`${b}.${q('NewOne')}`, 1, 5, (i) => `${i}, 'n${i}'`));
      await task.waitSame(`${b}.${q('NewOne')}`, `${b}.raw_newone`, ['id', 'v']);
      assert.equal((await task.table(`${b}.NewOne`)).target, `${b}.raw_newone`);
      const tables = (await task.query(`SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE schema_name <> '_lakesync' ORDER BY 1`)).map((r) => r[0]);
      assert.deepEqual(tables, [`${a}.raw_lineitems`, `${a}.raw_orders`, `${b}.raw_newone`, `${b}.raw_orders`]);
      await task.stop();
    });

    it('two tables with one target name: check, preview and run refuse the task, naming both', async () => {
      const a = await src.space('ca');
      const b = await src.space('cb');
      for (const s of [a, b]) {
        await src.sql(`CREATE TABLE ${s}.orders (id int PRIMARY KEY)`);
        await src.sql(`INSERT INTO ${s}.orders VALUES (1)`);
      }
      task = src.task({ mode: 'multi-table-mirror', tables: [`${a}.*`, `${b}.*`], target: { path: 'lake.duckdb', tableName: '{table}' } });
      const both = new RegExp(`${a}\\.orders and ${b}\\.orders would both be target table ods\\.orders`);
      const check = await task.cli('check', [], true);
      assert.match(check, both);
      assert.match(check, /✘ every source table has its own target table/);
      assert.match(await task.cli('preview', [], true), both);
      const run = await runCli(['run', task.file, '--until-caught-up'], { timeoutMs: 90_000 });
      assert.notEqual(run.code, 0);
      assert.match(run.stdout + run.stderr, both);
      assert.doesNotMatch(run.stdout + run.stderr, /at \w+ \(/, 'no stack trace');
    });
  });
}
