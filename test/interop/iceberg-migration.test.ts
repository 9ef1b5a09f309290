// The migration script of test/integration/evolve (ADD COLUMN, smallint -> int, a decimal SCALE
// change Iceberg cannot promote, a longer varchar, a rename, a DROP, and an added NOT NULL column
// with a DEFAULT plus varchar -> int in one statement) under a concurrent writer, streamed into an
// Iceberg warehouse from MariaDB (binlog_row_metadata NO_LOG) and PostgreSQL, with a kill -9 the
// moment the engine rewrites the table for the scale change and another at a seeded statement.
// After catch-up pyiceberg, DuckDB's iceberg extension and Iceberg Java each return exactly the
// source's rows (the existing rows hold the DEFAULT, the converted values) AND its column types.
// And a kill -9 at the one moment a schema change is in the Iceberg table but not yet in the
// state store: the resumed task must not read the table as older than it is.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { sharedPostgres, sleep, startMariadb, tempDir, type ServerHandle } from '../harness';
import { compareTable, formatDiff } from '../support/compare';
import { IcebergTable } from '../../src/engine/sink/iceberg/table';
import { Source, insertRows, type Kind, type Task } from '../integration/modes/helpers';
import { FINAL_TYPES, ROWS, forward, settled, writer } from '../integration/evolve/migration-script';
import { assertReadersInstalled, READERS, readWith } from './readers';

/** Column names and DuckDB types of a reader's output file (the types the reader returned). */
async function outputTypes(file: string): Promise<string[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const r = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file.replace(/'/g, "''")}')`);
    return (r.getRowObjectsJS() as { column_name: string; column_type: string }[])
      .filter((c) => !c.column_name.startsWith('_lakesync_'))
      .map((c) => `${c.column_name} ${c.column_type}`).sort();
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

async function crash(task: Task): Promise<void> {
  const run = task.run!;
  task.run = undefined;
  run.kill('SIGKILL');
  await run.exited;
}

function migrationOnIceberg(kind: Kind, label: string, server: () => Promise<ServerHandle>): void {
  describe(`Iceberg target under a migration script: ${label}`, function () {
    this.timeout(420_000);
    let src: Source;
    let task: Task | undefined;
    before(assertReadersInstalled);
    before(async () => { src = await Source.on(kind, await server()); });
    afterEach(() => { task?.kill(); task = undefined; });
    after(async () => { await src?.cleanup(); });

    const seed = Number(process.env.LAKESYNC_TEST_SEED ?? Date.now() % 1000);
    it(`every reader returns the source's rows and column types after catch-up, with kill -9 during the rewrite and at a seeded statement (seed ${seed})`, async () => {
      const a = await src.space('icemig');
      const t = `${a}.items`;
      await src.sql(`CREATE TABLE ${t} (id int PRIMARY KEY, qty smallint, price decimal(8,2), name varchar(50), note varchar(100), legacy int, code varchar(10))`);
      await src.sql(insertRows(t, 1, ROWS, (i) => `${i}, ${i % 50}, ${i}.25, 'name${i}', 'note${i}', ${i}, '${i % 97}'`));
      task = src.task({
        mode: 'multi-table-mirror', tables: [t],
        target: { type: 'iceberg', warehouse: 'lake', namespace: 'ods' },
        rules: { dropColumn: 'drop', renameColumn: 'apply', changeType: 'apply', addColumn: 'apply' },
        parameters: { flushIntervalMs: 300 },
      });
      await task.start();
      await task.waitPhase(t, 'incremental');

      const script = forward(kind, t);
      const price = script.findIndex((x) => /price (TYPE )?(decimal|numeric)\(12,4\)/.test(x));
      // a second kill at one of the statements after it (the rename, the drop, the default + type change...)
      const later = price + 2 + (seed % (script.length - price - 2));
      const w = writer(src, t, 10_000);
      for (const [k, statement] of script.entries()) {
        await src.sql(statement);
        if (k === price) {
          // logged just before the rewrite commits: the kill lands in it or right after it
          await task.run!.waitFor(/column price is now DECIMAL\(12,4\)/, 60_000);
          await crash(task);
          await task.start();
        } else if (k === later) {
          await sleep(seed % 300);
          await crash(task);
          await task.start();
        } else {
          await sleep(30);
        }
      }
      const written = await w.stop();
      assert.ok(written > 5, `the writer wrote while the migration ran (${written})`);

      await settled(task, t);
      const st = await task.table(t);
      assert.equal(st.phase, 'incremental', `the table streams on: ${JSON.stringify(st.errors)}`);
      await task.stop();

      const dir = join(task.file, '..', 'lake', 'ods', 'items');
      const table = await IcebergTable.open(dir);
      assert.ok(table, `no Iceberg table at ${dir}`);
      const expectedTypes = [...FINAL_TYPES].sort();
      const problems: string[] = [];
      for (const reader of READERS) {
        const out = await readWith(reader, dir);
        const types = await outputTypes(out.file);
        if (JSON.stringify(types) !== JSON.stringify(expectedTypes)) problems.push(`${reader} column types: ${types.join(', ')} (expected ${expectedTypes.join(', ')})`);
        const d = await compareTable({
          server: src.server, database: kind === 'postgres' ? src.pgDb! : a, table: { db: a, table: 'items' },
          targetFrom: `read_parquet('${out.file.replace(/'/g, "''")}')`,
        });
        if (!d.equal) problems.push(`${reader}: ${formatDiff(d)}`);
      }
      assert.deepEqual(problems, []);
      // the rows before the ADD COLUMN ... DEFAULT hold the default, as at the source
      const defaults = await task.query("SELECT count(*) FROM ods.items WHERE status = 'new'");
      assert.ok(Number(defaults[0][0]) > 100, `existing rows read the DEFAULT: ${defaults[0][0]}`);
    });

    it('kill -9 after a rename is in the Iceberg table but not yet in the state store: the resumed task neither adds the old name back nor loses a row', async () => {
      const a = await src.space('icerename');
      const t = `${a}.items`;
      const my = kind === 'mariadb';
      await src.sql(`CREATE TABLE ${t} (id int PRIMARY KEY, qty int, note varchar(100), legacy int)`);
      await src.sql(insertRows(t, 1, ROWS, (i) => `${i}, ${i % 50}, 'note${i}', ${i}`));
      // the engine stops once between the two commits of a schema change (src/engine/testhooks.ts)
      const pause = tempDir('pause');
      task = src.task({
        mode: 'multi-table-mirror', tables: [t],
        target: { type: 'iceberg', warehouse: 'lake', namespace: 'ods' },
        rules: { dropColumn: 'drop', renameColumn: 'apply', addColumn: 'apply' },
        parameters: { flushIntervalMs: 300 },
      });
      await task.start([], { LAKESYNC_TEST_PAUSE: pause });
      await task.waitPhase(t, 'incremental');
      writeFileSync(join(pause, 'schema-in-target.armed'), '');
      await src.sql(my ? `ALTER TABLE ${t} CHANGE note remark varchar(100)` : `ALTER TABLE ${t} RENAME COLUMN note TO remark`);
      // PostgreSQL sends the new shape with the table's next change
      await src.sql(`UPDATE ${t} SET qty = qty + 1 WHERE id = 1`);
      await task.waitFor('the rename to be committed in the table', async () => existsSync(join(pause, 'schema-in-target.reached')), 60_000);
      await crash(task);
      // more changes while it is down: rows in the new shape, another schema change, deletes
      await src.sql(`UPDATE ${t} SET remark = ${my ? "concat('r', id)" : "'r' || id"} WHERE id % 4 = 0`);
      await src.sql(`ALTER TABLE ${t} DROP COLUMN legacy`);
      await src.sql(`INSERT INTO ${t} (id, qty, remark) VALUES (9001, 1, 'x'), (9002, 2, 'y')`);
      await src.sql(`DELETE FROM ${t} WHERE id % 5 = 0`);
      await task.start();
      await task.waitSame(t, 'items', ['id', 'qty', 'remark'], 120_000);
      const st = await task.table(t);
      assert.equal(st.phase, 'incremental', `the table streams on: ${JSON.stringify(st.errors)}`);
      await task.stop();
      const table = await IcebergTable.open(join(task.file, '..', 'lake', 'ods', 'items'));
      assert.deepEqual(table?.schema.fields.map((f) => f.name).filter((n) => !n.startsWith('_lakesync_')), ['id', 'qty', 'remark'], 'the table\'s columns are the source\'s');
      const out = await readWith('pyiceberg', join(task.file, '..', 'lake', 'ods', 'items'));
      const d = await compareTable({
        server: src.server, database: kind === 'postgres' ? src.pgDb! : a, table: { db: a, table: 'items' },
        targetFrom: `read_parquet('${out.file.replace(/'/g, "''")}')`,
      });
      assert.ok(d.equal, `pyiceberg: ${formatDiff(d)}`);
    });
  });
}

let mariadb: ServerHandle | undefined;
migrationOnIceberg('mariadb', 'MariaDB, binlog_row_metadata=NO_LOG', async () => (mariadb ??= await startMariadb({ binlogRowMetadata: 'NO_LOG' })));
after(async () => { await mariadb?.stop(); });
migrationOnIceberg('postgres', 'PostgreSQL', () => sharedPostgres());
