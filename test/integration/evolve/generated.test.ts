// Generated columns in the snapshot and in the stream, created with the table and added by ALTER
// later, under a writer. MariaDB: VIRTUAL and STORED columns are synced, and the target equals the
// source in both phases (an added generated column resyncs the table: its values for the rows
// already there are in no row event). PostgreSQL 15: pgoutput never publishes generated columns,
// so they are left out of the target everywhere (docs/postgres.md), and the other columns equal.
import assert from 'node:assert/strict';
import { sharedPostgres, sleep, startMariadb, type ServerHandle } from '../../harness';
import { Source, type Kind, type Task } from '../modes/helpers';

const ROWS = 100; // rows before the task starts

async function targetColumns(task: Task): Promise<string[]> {
  return (await task.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'ods' AND table_name = 'items'
    AND column_name NOT LIKE '\\_lakesync\\_%' ESCAPE '\\' ORDER BY ordinal_position`)).map((r) => String(r[0]));
}

function generatedTests(kind: Kind, label: string, server: () => Promise<ServerHandle>): void {
  const pg = kind === 'postgres';
  describe(`generated columns, snapshot and stream: ${label}`, function () {
    this.timeout(180_000);
    let src: Source;
    let task: Task | undefined;
    before(async () => { src = await Source.on(kind, await server()); });
    afterEach(function () {
      if (this.currentTest?.state === 'failed' && task) console.log(task.runLog());
      task?.kill(); task = undefined;
    });
    after(async () => { await src?.cleanup(); });

    it('created with the table and added later: the target equals the source after the snapshot and after the stream', async () => {
      const a = await src.space('gen');
      const t = `${a}.items`;
      await src.sql(pg
        ? `CREATE TABLE ${t} (id int PRIMARY KEY, qty int, name text, twice int GENERATED ALWAYS AS (qty * 2) STORED)`
        : `CREATE TABLE ${t} (id int PRIMARY KEY, qty int, name varchar(40), twice int AS (qty * 2) VIRTUAL, up varchar(40) AS (upper(name)) STORED)`);
      await src.sql(`INSERT INTO ${t} (id, qty, name) VALUES ${Array.from({ length: ROWS }, (_, k) => `(${k + 1}, ${k % 30}, 'n${k + 1}')`).join(', ')}`);
      task = src.task({ mode: 'multi-table-mirror', tables: [t] });
      await task.start();
      await task.waitPhase(t, 'incremental');
      const synced = pg ? ['id', 'qty', 'name'] : ['id', 'qty', 'name', 'twice', 'up'];
      assert.deepEqual(await targetColumns(task), synced);
      await task.waitSame(t, 'items', synced);

      // the stream: inserts, updates of the columns the generated ones depend on, deletes
      await src.sql(`INSERT INTO ${t} (id, qty, name) VALUES (1001, 7, 'late'), (1002, 8, 'later')`);
      await src.sql(`UPDATE ${t} SET qty = qty + 100, name = concat(name, 'x') WHERE id % 3 = 0`);
      await src.sql(`DELETE FROM ${t} WHERE id % 10 = 0`);
      await task.waitSame(t, 'items', synced);

      // added later, then written
      await src.sql(pg
        ? `ALTER TABLE ${t} ADD COLUMN plus int GENERATED ALWAYS AS (qty + 1) STORED`
        : `ALTER TABLE ${t} ADD COLUMN plus int AS (qty + 1) VIRTUAL, ADD COLUMN low varchar(40) AS (lower(name)) PERSISTENT`);
      await sleep(100);
      await src.sql(`UPDATE ${t} SET qty = qty + 1 WHERE id % 4 = 0`);
      await src.sql(`INSERT INTO ${t} (id, qty, name) VALUES (2001, 1, 'Added')`);
      const after = pg ? synced : [...synced, 'plus', 'low'];
      await task.waitFor(`${t} to stream again`, async () => (await task!.table(t)).phase === 'incremental');
      await task.waitSame(t, 'items', after, 90_000);
      assert.deepEqual(await targetColumns(task), after);
      const st = await task.table(t);
      assert.equal(st.phase, 'incremental', JSON.stringify(st.errors));
      if (!pg) assert.match(JSON.stringify(st.errors), /resync: column plus was added as a generated column/);
      await task.stop();
    });
  });
}

let maria: ServerHandle | undefined;
generatedTests('mariadb', 'MariaDB (binlog_row_metadata=NO_LOG)', async () => (maria ??= await startMariadb({ binlogRowMetadata: 'NO_LOG' })));
after(async () => { await maria?.stop(); });
generatedTests('postgres', 'PostgreSQL', () => sharedPostgres());
