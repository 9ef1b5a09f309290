// Schema changes whose effect on the rows already in a table the row stream does not carry: a
// column added with a volatile or expression default (every existing row gets its own value, or
// one the statement does not tell), an AUTO_INCREMENT column added to a table with rows, and
// PostgreSQL's ALTER ... TYPE ... USING <expression>. No row change is logged for those rows, so
// LakeSync resyncs the table at that point of the stream (an info line in the table's events says
// why), and after catch-up every row equals the source's, while a writer keeps writing.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedPostgres, sleep, startMariadb, tempDir, type ServerHandle } from '../../harness';
import { Source, insertRows, type Cell, type Kind, type Task } from '../modes/helpers';
import { writer as migrationWriter } from './migration-script';

/** The migration tests' writer, over this file's rows. */
const writer = (src: Source, t: string, from: number) => migrationWriter(src, t, from, ROWS);

const ROWS = 200;

/** A column as each side reads it as text: `src` in the source's SQL, `dst` in DuckDB's. */
interface Col { src: string; dst: string }
const plain = (c: string): Col => ({ src: c, dst: c });

/** Waits until source and target rows are equal, column by column (each side with its own expression). */
async function waitEqual(task: Task, table: string, target: string, cols: Col[], timeoutMs = 90_000): Promise<void> {
  let s: Cell[][] = [];
  let d: Cell[][] = [];
  try {
    await task.waitFor(`ods.${target} to equal ${table}`, async () => {
      s = await task.sourceRows(table, cols.map((c) => c.src), 'c0');
      d = await task.targetRows(target, cols.map((c) => c.dst), '1');
      return JSON.stringify(s) === JSON.stringify(d);
    }, timeoutMs);
  } catch (err) {
    assert.deepEqual(d, s, (err as Error).message);
    throw err;
  }
}

async function events(task: Task, t: string): Promise<string> {
  return JSON.stringify((await task.table(t)).errors.map((e) => e.message));
}

function rewriteTests(kind: Kind, label: string, server: () => Promise<ServerHandle>): void {
  const pg = kind === 'postgres';
  describe(`changes the row stream does not carry: ${label}`, function () {
    this.timeout(180_000);
    let src: Source;
    let task: Task | undefined;
    before(async () => { src = await Source.on(kind, await server()); });
    afterEach(function () {
      if (this.currentTest?.state === 'failed' && task) console.log(task.runLog());
      task?.kill(); task = undefined;
    });
    after(async () => { await src?.cleanup(); });

    it('columns added with volatile / expression defaults and an AUTO_INCREMENT / sequence column: the table is resynced there and ends equal', async () => {
      const a = await src.space('vol');
      const t = `${a}.items`;
      await src.sql(`CREATE TABLE ${t} (id int PRIMARY KEY, qty int, name varchar(40))`);
      await src.sql(insertRows(t, 1, ROWS, (i) => `${i}, ${i % 50}, 'Name${i}'`));
      if (pg) await src.sql(`CREATE SEQUENCE ${a}.s START 1000`);
      task = src.task({ mode: 'multi-table-mirror', tables: [t] });
      await task.start();
      await task.waitPhase(t, 'incremental');
      const w = writer(src, t, 10_000);
      const script = pg ? [
        `ALTER TABLE ${t} ADD COLUMN created timestamptz DEFAULT clock_timestamp()`,
        `UPDATE ${t} SET name = upper(name) WHERE id % 5 = 0`,
        `ALTER TABLE ${t} ADD COLUMN uid uuid DEFAULT gen_random_uuid()`,
        `UPDATE ${t} SET name = lower(name) WHERE id % 7 = 0`,
        `ALTER TABLE ${t} ADD COLUMN seq bigint DEFAULT nextval('${a}.s')`,
        // a constant default stays a fill, in the same burst as a volatile one
        `ALTER TABLE ${t} ADD COLUMN status text NOT NULL DEFAULT 'new', ADD COLUMN ser serial`,
        `UPDATE ${t} SET status = 'done' WHERE id % 3 = 0`,
      ] : [
        `ALTER TABLE ${t} ADD COLUMN created timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)`,
        `UPDATE ${t} SET name = upper(name) WHERE id % 5 = 0`,
        `ALTER TABLE ${t} ADD COLUMN uid char(36) DEFAULT (uuid())`,
        `UPDATE ${t} SET name = lower(name) WHERE id % 7 = 0`,
        `ALTER TABLE ${t} ADD COLUMN seq int NOT NULL AUTO_INCREMENT, ADD UNIQUE KEY (seq)`,
        `ALTER TABLE ${t} ADD COLUMN status varchar(10) NOT NULL DEFAULT 'new'`,
        `UPDATE ${t} SET status = 'done' WHERE id % 3 = 0`,
      ];
      for (const statement of script) { await src.sql(statement); await sleep(50); }
      assert.ok(await w.stop(6) > 5);
      const created: Col = pg ? { src: `(extract(epoch from created) * 1000000)::bigint`, dst: 'epoch_us(created)' }
        : { src: `CAST(unix_timestamp(created) * 1000000 AS SIGNED)`, dst: 'epoch_us(created)' };
      const cols = [plain('id'), plain('qty'), plain('name'), created, plain('uid'), plain('seq'), plain('status'), ...(pg ? [plain('ser')] : [])];
      await waitEqual(task, t, 'items', cols);
      await task.waitPhase(t, 'incremental');
      await waitEqual(task, t, 'items', cols);
      const st = await task.table(t);
      assert.equal(st.phase, 'incremental', JSON.stringify(st.errors) + task.runLog());
      assert.match(await events(task, t), /resync.*created/);
      await task.stop();
    });

    it('DDL run between the resync\'s shape check and its copy: the copy waits until the stream has read it, then equal', async () => {
      const a = await src.space('race');
      const t = `${a}.items`;
      await src.sql(`CREATE TABLE ${t} (id int PRIMARY KEY, qty int, name varchar(40))`);
      await src.sql(insertRows(t, 1, ROWS, (i) => `${i}, ${i % 50}, 'Name${i}'`));
      // the engine stops once where the resync's copy is about to read the source's shape (testhooks.ts)
      const pause = tempDir('pause');
      task = src.task({ mode: 'multi-table-mirror', tables: [t] });
      await task.start([], { LAKESYNC_TEST_PAUSE: pause });
      await task.waitPhase(t, 'incremental');
      writeFileSync(join(pause, 'resync-copy.armed'), '');
      await src.sql(pg ? `ALTER TABLE ${t} ADD COLUMN created timestamptz DEFAULT clock_timestamp()`
        : `ALTER TABLE ${t} ADD COLUMN created timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)`);
      await src.sql(`UPDATE ${t} SET qty = qty + 1 WHERE id % 4 = 0`);
      await task.waitFor('the resync to reach its copy', async () => existsSync(join(pause, 'resync-copy.reached')));
      // after the stream's checkpoint: rows in the shape the stream has, then DDL it has not read
      // (an AUTO_INCREMENT / volatile default: a resync again), then rows in the new shape
      await src.sql(`UPDATE ${t} SET name = upper(name) WHERE id % 5 = 0`);
      await src.sql(`INSERT INTO ${t} (id, qty, name) VALUES (5001, 1, 'a'), (5002, 2, 'b'), (5003, 3, 'c')`);
      await src.sql(`DELETE FROM ${t} WHERE id % 9 = 0`);
      await src.sql(pg ? `ALTER TABLE ${t} ADD COLUMN uid uuid DEFAULT gen_random_uuid()`
        : `ALTER TABLE ${t} ADD COLUMN seq int NOT NULL AUTO_INCREMENT, ADD UNIQUE KEY (seq)`);
      await src.sql(`UPDATE ${t} SET name = lower(name) WHERE id % 7 = 0`);
      await src.sql(`INSERT INTO ${t} (id, qty, name) VALUES (5004, 4, 'd')`);
      await src.sql(`ALTER TABLE ${t} ADD COLUMN status varchar(10) NOT NULL DEFAULT 'new'`);
      await src.sql(`UPDATE ${t} SET status = 'done' WHERE id % 3 = 0`);
      writeFileSync(join(pause, 'resync-copy.go'), '');
      const created: Col = pg ? { src: `(extract(epoch from created) * 1000000)::bigint`, dst: 'epoch_us(created)' }
        : { src: `CAST(unix_timestamp(created) * 1000000 AS SIGNED)`, dst: 'epoch_us(created)' };
      const cols = [plain('id'), plain('qty'), plain('name'), created, plain(pg ? 'uid' : 'seq'), plain('status')];
      await waitEqual(task, t, 'items', cols);
      await task.waitPhase(t, 'incremental');
      await waitEqual(task, t, 'items', cols);
      const st = await task.table(t);
      assert.equal(st.phase, 'incremental', JSON.stringify(st.errors) + task.runLog());
      assert.match(task.runLog(), /resync waits: the source changed the table's shape again/);
      const ev = await events(task, t);
      assert.match(ev, /resync: column created was added/);
      assert.match(ev, pg ? /resync: column uid was added/ : /resync: column seq was added with AUTO_INCREMENT/);
      await task.stop();
    });

    it('a constant default alone fills the target without a resync', async () => {
      const a = await src.space('const');
      const t = `${a}.items`;
      await src.sql(`CREATE TABLE ${t} (id int PRIMARY KEY, qty int)`);
      await src.sql(insertRows(t, 1, ROWS, (i) => `${i}, ${i}`));
      task = src.task({ mode: 'multi-table-mirror', tables: [t] });
      await task.start();
      await task.waitPhase(t, 'incremental');
      await src.sql(`ALTER TABLE ${t} ADD COLUMN status varchar(10) NOT NULL DEFAULT 'new'`);
      await src.sql(`UPDATE ${t} SET status = 'x' WHERE id = 1`);
      await waitEqual(task, t, 'items', [plain('id'), plain('qty'), plain('status')]);
      assert.doesNotMatch(await events(task, t), /resync/);
      await task.stop();
    });

    if (pg) {
      it('with the DDL event trigger that lakesync check prints: plain widening casts follow in place, USING rewrites resync, equal', async () => {
        const a = await src.space('trig');
        const t = `${a}.items`;
        await src.sql(`CREATE TABLE ${t} (id int PRIMARY KEY, qty int, name varchar(40), price numeric(8,2), code int)`);
        await src.sql(insertRows(t, 1, ROWS, (i) => `${i}, ${i % 50}, 'Name${i}', ${i}.25, ${i}`));
        task = src.task({ mode: 'multi-table-mirror', tables: [t] });
        const check = JSON.parse(await task.cli('check', ['--json'])) as { checks: { id: string; status: string; fix?: string }[] };
        const offer = check.checks.find((c) => c.id === 'ddl_trigger');
        assert.equal(offer?.status, 'warn');
        await src.sql(offer!.fix!);
        const again = JSON.parse(await task.cli('check', ['--json'])) as { checks: { id: string; status: string }[] };
        assert.equal(again.checks.find((c) => c.id === 'ddl_trigger')?.status, 'ok');
        await task.start();
        await task.waitPhase(t, 'incremental');
        const w = writer(src, t, 10_000);
        const plainCasts = [
          `ALTER TABLE ${t} ALTER COLUMN qty TYPE bigint`,
          `UPDATE ${t} SET name = name || '!' WHERE id % 5 = 0`,
          `ALTER TABLE ${t} ALTER COLUMN price SET DATA TYPE numeric(12,4), ALTER COLUMN name TYPE varchar(60)`,
          `UPDATE ${t} SET price = price + 1 WHERE id % 7 = 0`,
        ];
        for (const statement of plainCasts) { await src.sql(statement); await sleep(50); }
        assert.ok(await w.stop(6) > 5);
        await waitEqual(task, t, 'items', ['id', 'qty', 'name', 'price', 'code'].map(plain));
        assert.doesNotMatch(await events(task, t), /resync/, 'plain widening casts follow in place');
        // a burst: a plain cast and a USING rewrite with no row in between (one Relation message)
        const w2 = writer(src, t, 20_000);
        await src.sql(`ALTER TABLE ${t} ALTER COLUMN code TYPE bigint`);
        await src.sql(`ALTER TABLE ${t} ALTER COLUMN name TYPE text USING lower(name)`);
        await src.sql(`UPDATE ${t} SET qty = qty + 1 WHERE id % 9 = 0`);
        await sleep(300);
        assert.ok(await w2.stop(1) > 0);
        await waitEqual(task, t, 'items', ['id', 'qty', 'name', 'price', 'code'].map(plain));
        await task.waitPhase(t, 'incremental');
        await waitEqual(task, t, 'items', ['id', 'qty', 'name', 'price', 'code'].map(plain));
        const ev = await events(task, t);
        assert.match(ev, /resync: column name changed type from character varying\(60\) to text: PostgreSQL rewrote its values with USING lower\(name\)/);
        assert.doesNotMatch(ev, /column (qty|price|code) changed/);
        await task.stop();
      });

      it('ALTER COLUMN ... TYPE ... USING an expression (not a plain cast): resynced, equal', async () => {
        const a = await src.space('using');
        const t = `${a}.items`;
        await src.sql(`CREATE TABLE ${t} (id int PRIMARY KEY, qty int, name varchar(40), price numeric(8,2))`);
        await src.sql(insertRows(t, 1, ROWS, (i) => `${i}, ${i % 50}, 'Name${i}', ${i}.25`));
        task = src.task({ mode: 'multi-table-mirror', tables: [t] });
        await task.start();
        await task.waitPhase(t, 'incremental');
        const w = writer(src, t, 10_000);
        for (const statement of [
          `ALTER TABLE ${t} ALTER COLUMN qty TYPE bigint USING qty * 2`,
          `UPDATE ${t} SET name = name || '!' WHERE id % 5 = 0`,
          `ALTER TABLE ${t} ALTER COLUMN name TYPE varchar(60) USING lower(name)`,
          `UPDATE ${t} SET price = price + 1 WHERE id % 7 = 0`,
          `ALTER TABLE ${t} ALTER COLUMN price TYPE numeric(12,4) USING price / 3`,
        ]) { await src.sql(statement); await sleep(50); }
        assert.ok(await w.stop(6) > 5);
        await waitEqual(task, t, 'items', ['id', 'qty', 'name', 'price'].map(plain));
        await task.waitPhase(t, 'incremental');
        await waitEqual(task, t, 'items', ['id', 'qty', 'name', 'price'].map(plain));
        const types = await task.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'ods' AND table_name = 'items'
          AND column_name IN ('qty', 'name', 'price') ORDER BY 1`);
        assert.deepEqual(types.map((r) => r.join(' ')), ['name VARCHAR', 'price DECIMAL(12,4)', 'qty BIGINT']);
        assert.match(await events(task, t), /resync: column qty changed type from integer to bigint/);
        await task.stop();
      });
    }
  });
}

let maria: ServerHandle | undefined;
rewriteTests('mariadb', 'MariaDB (binlog_row_metadata=NO_LOG)', async () => (maria ??= await startMariadb({ binlogRowMetadata: 'NO_LOG' })));
after(async () => { await maria?.stop(); });
rewriteTests('postgres', 'PostgreSQL', () => sharedPostgres());
