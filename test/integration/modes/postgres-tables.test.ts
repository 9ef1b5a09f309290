// PostgreSQL carries no DDL in its change stream: tables appearing and disappearing while the task
// runs are found by rediscovery (a new shard of a merged table joins; a dropped table follows rules.dropTable).
import assert from 'node:assert/strict';
import { uniqueName } from '../../harness';
import { insertRows, Source, type Task } from './helpers';

describe('postgres: tables appearing and disappearing while running', function () {
  this.timeout(150_000);
  let src: Source;
  let task: Task | undefined;
  beforeEach(async () => { src = await Source.create('postgres'); });
  afterEach(async () => { task?.kill(); task = undefined; await src.cleanup(); });

  it('multi-table-merge: a new shard appearing while running joins', async () => {
    const base = uniqueName('shard');
    const s1 = await src.space('', `${base}_1`);
    await src.sql(`CREATE TABLE ${s1}.orders_1 (id int PRIMARY KEY, item varchar(20))`);
    await src.sql(insertRows(`${s1}.orders_1`, 1, 3, (i) => `${i}, 'one-${i}'`));
    task = src.task({ mode: 'multi-table-merge', virtualTables: { orders_all: [`${base}_\\d+\\.orders_\\d+`] } });
    await task.start();
    await task.waitFor('3 rows', async () => (await task!.count('orders_all')) === 3);
    const s3 = await src.space('', `${base}_3`);
    await src.sql(`CREATE TABLE ${s3}.orders_3 (id int PRIMARY KEY, item varchar(20))`);
    await src.sql(insertRows(`${s3}.orders_3`, 1, 5, (i) => `${i}, 'three-${i}'`));
    await task.waitFor('the new shard', async () => (await task!.count('orders_all')) === 8, 30_000);
    await task.stop();
  });

  it('database-mirror: a dropped table is dropped in the target (rules.dropTable: drop)', async () => {
    const a = await src.space();
    await src.sql(`CREATE TABLE ${a}.t1 (id int PRIMARY KEY, v varchar(20))`);
    await src.sql(`CREATE TABLE ${a}.t2 (id int PRIMARY KEY, v varchar(20))`);
    await src.sql(insertRows(`${a}.t2`, 1, 7, (i) => `${i}, 'b${i}'`));
    task = src.task({ mode: 'database-mirror', databases: [a], rules: { dropTable: 'drop' } });
    await task.start();
    await task.waitSame(`${a}.t2`, 't2', ['id', 'v']);
    await src.sql(`DROP TABLE ${a}.t2`);
    await src.sql(`INSERT INTO ${a}.t1 VALUES (200, 'after drop')`);
    await task.waitPhase(`${a}.t2`, 'stopped', 30_000);
    assert.deepEqual(await task.query(`SELECT table_name FROM duckdb_tables() WHERE schema_name = 'ods' ORDER BY 1`), [['t1']]);
    await task.stop();
  });
});
