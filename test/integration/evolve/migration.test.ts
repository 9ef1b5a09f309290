// A migration script while the task streams and a writer keeps writing: several ALTER TABLEs back
// to back, UPDATEs between them, on MariaDB with each binlog_row_metadata (NO_LOG is MariaDB's
// default) and on PostgreSQL. After catch-up the target's rows AND column types equal the source's,
// with no restart: each change was read and applied with the table's shape at its place in the stream.
import assert from 'node:assert/strict';
import { runCli, sharedPostgres, sleep, startMariadb, type ServerHandle } from '../../harness';
import { Source, insertRows, type Kind, type Task } from '../modes/helpers';
import { FINAL_TYPES, ROWS, forward, settled, writer } from './migration-script';

/** The same changes in reverse order (each still followed by its updates). */
function reverse(kind: Kind, t: string): string[] {
  const my = kind === 'mariadb';
  return [
    `ALTER TABLE ${t} DROP COLUMN legacy`,
    `DELETE FROM ${t} WHERE id % 3 = 1 AND id <= 300`,
    my ? `ALTER TABLE ${t} CHANGE note remark text` : `ALTER TABLE ${t} RENAME COLUMN note TO remark`,
    `UPDATE ${t} SET remark = ${my ? "concat('r', id)" : "'r' || id"} WHERE id % 4 = 0`,
    my ? `ALTER TABLE ${t} MODIFY name varchar(200)` : `ALTER TABLE ${t} ALTER COLUMN name TYPE varchar(200)`,
    `UPDATE ${t} SET name = repeat('n', 150) WHERE id % 11 = 0`,
    my ? `ALTER TABLE ${t} MODIFY price decimal(12,4)` : `ALTER TABLE ${t} ALTER COLUMN price TYPE numeric(12,4)`,
    `UPDATE ${t} SET price = 12345678.1234 WHERE id % 7 = 0`,
    my ? `ALTER TABLE ${t} MODIFY qty int` : `ALTER TABLE ${t} ALTER COLUMN qty TYPE int`,
    `UPDATE ${t} SET qty = 100000 + id WHERE id % 5 = 0`,
    my ? `ALTER TABLE ${t} ADD COLUMN tag varchar(20) FIRST` : `ALTER TABLE ${t} ADD COLUMN tag varchar(20)`,
    `UPDATE ${t} SET tag = ${my ? "concat('t', id)" : "'t' || id"} WHERE id % 3 = 0`,
    my ? `ALTER TABLE ${t} MODIFY code int` : `ALTER TABLE ${t} ALTER COLUMN code TYPE int USING code::int`,
    `UPDATE ${t} SET code = code + 1000 WHERE id % 9 = 0`,
    `ALTER TABLE ${t} ADD COLUMN status varchar(10) NOT NULL DEFAULT 'new'${my ? ' FIRST' : ''}`,
    `UPDATE ${t} SET status = 'done' WHERE id % 6 = 0`,
  ];
}

async function targetTypes(task: Task, table: string): Promise<string[]> {
  return (await task.query(`SELECT column_name, data_type FROM information_schema.columns
    WHERE table_schema = 'ods' AND table_name = '${table}' AND column_name NOT LIKE '\\_lakesync\\_%' ESCAPE '\\' ORDER BY column_name`))
    .map((r) => `${r[0]} ${r[1]}`);
}

function migrationTests(kind: Kind, label: string, server: () => Promise<ServerHandle>, rowMetadata?: string): void {
  describe(`migration scripts under a concurrent writer: ${label}`, function () {
    this.timeout(240_000);
    let src: Source;
    let task: Task | undefined;
    before(async () => { src = await Source.on(kind, await server()); });
    afterEach(() => { task?.kill(); task = undefined; });
    after(async () => { await src?.cleanup(); });

    if (rowMetadata && rowMetadata !== 'FULL') {
      it(`lakesync check warns (and does not fail) on binlog_row_metadata=${rowMetadata}, which run handles`, async () => {
        const a = await src.space('chk');
        await src.sql(`CREATE TABLE ${a}.t (id int PRIMARY KEY)`);
        const r = await runCli(['check', src.task({ mode: 'multi-table-mirror', tables: [`${a}.t`] }).file]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, new RegExp(`^! binlog_row_metadata = FULL \\(recommended\\): binlog_row_metadata is ${rowMetadata}: .*schema history`, 'm'));
        assert.doesNotMatch(r.stdout, /^✘/m);
      });
    }

    for (const [name, script] of [['the sequence', forward], ['its reverse', reverse]] as const) {
      it(`${name}: rows and column types equal the source's after catch-up`, async () => {
        const a = await src.space('mig');
        const t = `${a}.items`;
        await src.sql(`CREATE TABLE ${t} (id int PRIMARY KEY, qty smallint, price decimal(8,2), name varchar(50), note varchar(100), legacy int, code varchar(10))`);
        await src.sql(insertRows(t, 1, ROWS, (i) => `${i}, ${i % 50}, ${i}.25, 'name${i}', 'note${i}', ${i}, '${i % 97}'`));
        task = src.task({ mode: 'multi-table-mirror', tables: [t], rules: { dropColumn: 'drop', renameColumn: 'apply', changeType: 'apply', addColumn: 'apply' } });
        await task.start();
        await task.waitPhase(t, 'incremental');

        const w = writer(src, t, 10_000);
        for (const statement of script(kind, t)) {
          await src.sql(statement);
          await sleep(30);
        }
        const written = await w.stop(6);
        assert.ok(written > 5, `the writer wrote while the migration ran (${written})`);

        await settled(task, t);
        assert.deepEqual(await targetTypes(task, 'items'), [...FINAL_TYPES].sort());
        const st = await task.table(t);
        assert.equal(st.phase, 'incremental', `the table streams on: ${JSON.stringify(st.errors)}`);
        await task.stop();
      });
    }
  });
}

for (const metadata of ['NO_LOG', 'MINIMAL', 'FULL'] as const) {
  let server: ServerHandle | undefined;
  migrationTests('mariadb', `MariaDB, binlog_row_metadata=${metadata}`, async () => (server ??= await startMariadb({ binlogRowMetadata: metadata })), metadata);
  after(async () => { await server?.stop(); });
}
migrationTests('postgres', 'PostgreSQL', () => sharedPostgres());

/** kill -9 of the engine; returns once the process is gone (its file lock with it). */
async function crash(task: Task): Promise<void> {
  const run = task.run!;
  task.run = undefined;
  run.kill('SIGKILL');
  await run.exited;
}

/**
 * kill -9 of the engine in the middle of a migration, at seeded points (after statement k), then a
 * restart: the resumed task replays the changes after its checkpoint with the shapes they were
 * written with, and ends equal, types included.
 */
function killTests(kind: Kind, label: string, server: () => Promise<ServerHandle>): void {
  describe(`kill -9 in the middle of a migration: ${label}`, function () {
    this.timeout(300_000);
    let src: Source;
    let task: Task | undefined;
    before(async () => { src = await Source.on(kind, await server()); });
    afterEach(() => { task?.kill(); task = undefined; });
    after(async () => { await src?.cleanup(); });

    it('the whole migration while the engine is down after a kill -9: the restart replays it with the shapes at its checkpoint', async () => {
      const a = await src.space('down');
      const t = `${a}.items`;
      await src.sql(`CREATE TABLE ${t} (id int PRIMARY KEY, qty smallint, price decimal(8,2), name varchar(50), note varchar(100), legacy int, code varchar(10))`);
      await src.sql(insertRows(t, 1, ROWS, (i) => `${i}, ${i % 50}, ${i}.25, 'name${i}', 'note${i}', ${i}, '${i % 97}'`));
      task = src.task({ mode: 'multi-table-mirror', tables: [t], rules: { dropColumn: 'drop', renameColumn: 'apply', changeType: 'apply', addColumn: 'apply' } });
      await task.start();
      await task.waitPhase(t, 'incremental');
      await crash(task);
      // rows change in every shape: before the first statement, between them, after the last
      await src.sql(`UPDATE ${t} SET note = ${kind === 'mariadb' ? "concat('before', id)" : "'before' || id"}, legacy = -id WHERE id % 2 = 0`);
      // the rename and the drop in one burst (no row in between: PostgreSQL sends one Relation message for both)
      const script = forward(kind, t);
      const rename = script.findIndex((x) => /RENAME COLUMN|CHANGE note/.test(x));
      script.splice(rename + 1, 0, ...script.splice(rename + 2, 1));
      for (const [i, statement] of script.entries()) {
        await src.sql(statement);
        if (i !== rename) await src.sql(`INSERT INTO ${t} (id, qty) VALUES (${50_000 + i}, 1)`);
      }
      await task.start();
      await settled(task, t);
      assert.deepEqual(await targetTypes(task, 'items'), [...FINAL_TYPES].sort());
      const st = await task.table(t);
      assert.equal(st.phase, 'incremental', `the table streams on: ${JSON.stringify(st.errors)}`);
      await task.stop();
    });

    it('kill -9 the moment the engine follows each schema change (its DDL and the position past it commit together): equal after each restart', async () => {
      const a = await src.space('ddlkill');
      const t = `${a}.items`;
      await src.sql(`CREATE TABLE ${t} (id int PRIMARY KEY, qty smallint, price decimal(8,2), name varchar(50), note varchar(100), legacy int, code varchar(10))`);
      await src.sql(insertRows(t, 1, ROWS, (i) => `${i}, ${i % 50}, ${i}.25, 'name${i}', 'note${i}', ${i}, '${i % 97}'`));
      task = src.task({ mode: 'multi-table-mirror', tables: [t], rules: { dropColumn: 'drop', renameColumn: 'apply', changeType: 'apply', addColumn: 'apply' } });
      await task.start();
      await task.waitPhase(t, 'incremental');
      // the engine's log line for each change the target follows (written before its commit)
      const followed: [RegExp, RegExp][] = [
        [/ADD COLUMN tag/, /column tag added/], [/qty (TYPE )?int$/, /column qty is now INTEGER/],
        [/price (TYPE )?(decimal|numeric)\(12,4\)/, /column price is now DECIMAL\(12,4\)/],
        [/note (TO )?remark/, /column note renamed to remark/], [/DROP COLUMN legacy/, /column legacy dropped/],
        [/ADD COLUMN status/, /column code is now INTEGER/],
      ];
      const w = writer(src, t, 30_000);
      let kills = 0;
      for (const statement of forward(kind, t)) {
        await src.sql(statement);
        const line = followed.find(([s]) => s.test(statement))?.[1];
        if (!line) continue;
        await task.run!.waitFor(line, 60_000);
        await crash(task);
        kills++;
        await task.start();
      }
      await w.stop();
      assert.equal(kills, followed.length);
      await settled(task, t);
      assert.deepEqual(await targetTypes(task, 'items'), [...FINAL_TYPES].sort());
      const st = await task.table(t);
      assert.equal(st.phase, 'incremental', `the table streams on: ${JSON.stringify(st.errors)}`);
      await task.stop();
    });

    const seed = Number(process.env.LAKESYNC_TEST_SEED ?? Date.now() % 1000);
    it(`kills at two seeded points of the script (seed ${seed}), restarts, and ends equal`, async () => {
      const a = await src.space('kill');
      const t = `${a}.items`;
      await src.sql(`CREATE TABLE ${t} (id int PRIMARY KEY, qty smallint, price decimal(8,2), name varchar(50), note varchar(100), legacy int, code varchar(10))`);
      await src.sql(insertRows(t, 1, ROWS, (i) => `${i}, ${i % 50}, ${i}.25, 'name${i}', 'note${i}', ${i}, '${i % 97}'`));
      task = src.task({ mode: 'multi-table-mirror', tables: [t], rules: { dropColumn: 'drop', renameColumn: 'apply', changeType: 'apply', addColumn: 'apply' } });
      await task.start();
      await task.waitPhase(t, 'incremental');
      const script = forward(kind, t);
      const kills = new Set([1 + (seed % 5), 6 + (seed % 5)]);
      const w = writer(src, t, 20_000);
      for (let k = 0; k < script.length; k++) {
        await src.sql(script[k]);
        if (kills.has(k)) {
          await sleep(seed % 200);
          await crash(task);
          await task.start();
        }
      }
      await w.stop();
      await settled(task, t);
      assert.deepEqual(await targetTypes(task, 'items'), [...FINAL_TYPES].sort());
      const st = await task.table(t);
      assert.equal(st.phase, 'incremental', `the table streams on: ${JSON.stringify(st.errors)}`);
      await task.stop();
    });
  });
}

let killServer: ServerHandle | undefined;
killTests('mariadb', 'MariaDB, binlog_row_metadata=NO_LOG', async () => (killServer ??= await startMariadb({ binlogRowMetadata: 'NO_LOG' })));
after(async () => { await killServer?.stop(); });
killTests('postgres', 'PostgreSQL', () => sharedPostgres());
