// Every value of the task's `rules` end to end through `lakesync run`, on PostgreSQL and MariaDB:
// source DDL while the task streams, then the target's columns and rows. One task per group of
// values (apply / ignore-keep / fail); a `fail` stops only its table, with the exception in
// `lakesync status` and `lakesync exceptions`, while the other tables go on.
import assert from 'node:assert/strict';
import { KINDS, Source, insertRows, type Task } from './helpers';

for (const kind of KINDS) {
  describe(`rules on ${kind} (lakesync run)`, function () {
    this.timeout(150_000);
    let src: Source;
    let task: Task | undefined;
    beforeEach(async () => { src = await Source.create(kind); });
    afterEach(async () => { task?.kill(); task = undefined; await src.cleanup(); });

    const columns = async (t: Task, table: string) => (await t.query(`SELECT column_name, data_type FROM information_schema.columns
      WHERE table_schema = 'ods' AND table_name = '${table}' AND column_name NOT LIKE '\\_lakesync\\_%' ESCAPE '\\' ORDER BY ordinal_position`))
      .map((r) => `${r[0]} ${r[1]}`);

    /** Tables of every rule test: 6 rows each. */
    async function tables(a: string): Promise<void> {
      await src.sql(`CREATE TABLE ${a}.add_t (id int PRIMARY KEY, v varchar(20))`);
      await src.sql(`CREATE TABLE ${a}.drop_t (id int PRIMARY KEY, v varchar(20), gone varchar(20))`);
      await src.sql(`CREATE TABLE ${a}.ren_t (id int PRIMARY KEY, old_name varchar(20))`);
      await src.sql(`CREATE TABLE ${a}.type_t (id int PRIMARY KEY, n int, code int, fits decimal(12,2), lossy decimal(10,4))`);
      await src.sql(`CREATE TABLE ${a}.ok_t (id int PRIMARY KEY, v varchar(20))`);
      await src.sql(insertRows(`${a}.add_t`, 1, 6, (i) => `${i}, 'a${i}'`));
      await src.sql(insertRows(`${a}.drop_t`, 1, 6, (i) => `${i}, 'd${i}', 'g${i}'`));
      await src.sql(insertRows(`${a}.ren_t`, 1, 6, (i) => `${i}, 'r${i}'`));
      await src.sql(insertRows(`${a}.type_t`, 1, 6, (i) => `${i}, ${i}, ${i * 10}, ${i}.25, ${i}.1234`));
      await src.sql(insertRows(`${a}.ok_t`, 1, 6, (i) => `${i}, 'o${i}'`));
    }

    async function start(a: string, rules: Record<string, unknown>): Promise<Task> {
      task = src.task({ mode: 'database-mirror', databases: [a], rules });
      await task.start();
      for (const t of ['add_t', 'ren_t', 'ok_t']) await task.waitPhase(`${a}.${t}`, 'incremental');
      await task.waitSame(`${a}.drop_t`, 'drop_t', ['id', 'v', 'gone']);
      await task.waitSame(`${a}.type_t`, 'type_t', ['id', 'n', 'code']);
      return task;
    }

    it('apply values: addColumn apply, dropColumn drop, renameColumn apply, changeType apply (exact new type; a narrowing only when every value fits)', async () => {
      const a = await src.space();
      await tables(a);
      const t = await start(a, { addColumn: 'apply', dropColumn: 'drop', renameColumn: 'apply', changeType: 'apply' });

      await src.sql(`ALTER TABLE ${a}.add_t ADD COLUMN extra int`);
      await src.sql(`INSERT INTO ${a}.add_t VALUES (7, 'a7', 70)`);
      await src.sql(`UPDATE ${a}.add_t SET extra = 10 WHERE id = 1`);
      await t.waitSame(`${a}.add_t`, 'add_t', ['id', 'v', 'extra']);
      assert.deepEqual(await columns(t, 'add_t'), ['id INTEGER', 'v VARCHAR', 'extra INTEGER']);

      await src.sql(`ALTER TABLE ${a}.drop_t DROP COLUMN gone`);
      await src.sql(`INSERT INTO ${a}.drop_t VALUES (7, 'd7')`);
      await t.waitSame(`${a}.drop_t`, 'drop_t', ['id', 'v']);
      assert.deepEqual(await columns(t, 'drop_t'), ['id INTEGER', 'v VARCHAR']);

      await src.sql(`ALTER TABLE ${a}.ren_t RENAME COLUMN old_name TO new_name`);
      await src.sql(`INSERT INTO ${a}.ren_t VALUES (7, 'r7')`);
      await t.waitSame(`${a}.ren_t`, 'ren_t', ['id', 'new_name']);
      assert.deepEqual(await columns(t, 'ren_t'), ['id INTEGER', 'new_name VARCHAR']);

      // exactly the new type: int -> bigint, int -> varchar(20) (text, no union type)
      await src.sql(src.retype(`${a}.type_t`, 'n', 'bigint'));
      await src.sql(src.retype(`${a}.type_t`, 'code', 'varchar(20)'));
      await src.sql(`INSERT INTO ${a}.type_t VALUES (7, 9000000000, 'A-7', 7.5, 7.5)`);
      await t.waitSame(`${a}.type_t`, 'type_t', ['id', 'n', 'code']);
      // narrowings: decimal(12,2) -> decimal(10,2) fits every value; decimal(10,4) -> decimal(10,2)
      // rounds at the source (a table rewrite, no row events): the target's values do not fit, so
      // it keeps DECIMAL(10,4) with a warning on the table, and the table is resynced, so it holds
      // the rounded values the source has
      await src.sql(src.retype(`${a}.type_t`, 'fits', 'decimal(10,2)'));
      await src.sql(src.retype(`${a}.type_t`, 'lossy', 'decimal(10,2)'));
      await src.sql(`INSERT INTO ${a}.type_t VALUES (8, 8, 'A-8', 8.75, 8.5)`);
      await t.waitSame(`${a}.type_t`, 'type_t', ['id', 'n', 'code', 'fits', 'CAST(lossy AS DECIMAL(10,2))']);
      await t.waitPhase(`${a}.type_t`, 'incremental');
      await t.waitSame(`${a}.type_t`, 'type_t', ['id', 'n', 'code', 'fits', 'CAST(lossy AS DECIMAL(10,2))']);
      // lossy: DECIMAL(10,4) kept with a warning when the target's values were still the unrounded
      // ones at its DDL; DECIMAL(10,2), the exact mapping, when a resync running for an earlier
      // change had already copied the rounded values (the stream was behind the source's DDL)
      const types = await columns(t, 'type_t');
      assert.deepEqual(types.slice(0, 4), ['id INTEGER', 'n BIGINT', 'code VARCHAR', 'fits DECIMAL(10,2)']);
      assert.ok(['lossy DECIMAL(10,4)', 'lossy DECIMAL(10,2)'].includes(types[4]), types[4]);
      const wide = types[4] === 'lossy DECIMAL(10,4)';
      assert.deepEqual((await t.targetRows('type_t', ['id', 'lossy'], 'id', 'id in (1, 8)')), wide ? [['1', '1.1200'], ['8', '8.5000']] : [['1', '1.12'], ['8', '8.50']]);
      const typeStatus = await t.table(`${a}.type_t`);
      assert.equal(typeStatus.phase, 'incremental');
      if (wide) {
        assert.ok(typeStatus.errors.some((e) => /lossy/.test(e.message) && /DECIMAL\(10,4\)/.test(e.message) && /do not fit/.test(e.message)),
          `a warning that lossy stays DECIMAL(10,4) in status: ${JSON.stringify(typeStatus.errors)}`);
      }
      assert.ok(typeStatus.errors.some((e) => /^resync: /.test(e.message)), `the table was resynced: ${JSON.stringify(typeStatus.errors)}`);
      // (info lines say why the table was resynced: PostgreSQL resyncs every type change without the DDL trigger)
      assert.ok(!typeStatus.errors.some((e) => (e as { level?: string }).level !== 'info' && /\bcode\b|\bfits\b/.test(e.message)), `no warning for exact changes: ${JSON.stringify(typeStatus.errors)}`);

      await src.sql(`INSERT INTO ${a}.ok_t VALUES (7, 'o7')`);
      await t.waitSame(`${a}.ok_t`, 'ok_t', ['id', 'v']);
      // every event applies by default, truncate too
      await src.sql(`TRUNCATE TABLE ${a}.ok_t`);
      await t.waitFor('ok_t to be emptied', async () => (await t.count('ok_t')) === 0);
      await t.stop();
    });

    it('ignore values: addColumn ignore, dropColumn keep, renameColumn ignore, changeType ignore, newTables ignore, events [insert, update]', async () => {
      const a = await src.space();
      await tables(a);
      const t = await start(a, { addColumn: 'ignore', dropColumn: 'keep', renameColumn: 'ignore', changeType: 'ignore', newTables: 'ignore', events: ['insert', 'update'] });

      await src.sql(`ALTER TABLE ${a}.add_t ADD COLUMN extra int`);
      await src.sql(`INSERT INTO ${a}.add_t VALUES (7, 'a7', 70)`);
      await t.waitSame(`${a}.add_t`, 'add_t', ['id', 'v']);
      assert.deepEqual(await columns(t, 'add_t'), ['id INTEGER', 'v VARCHAR']);

      await src.sql(`ALTER TABLE ${a}.drop_t DROP COLUMN gone`);
      await src.sql(`INSERT INTO ${a}.drop_t VALUES (7, 'd7')`);
      await src.sql(`UPDATE ${a}.drop_t SET v = 'changed' WHERE id = 2`);
      await t.waitSame(`${a}.drop_t`, 'drop_t', ['id', 'v']);
      assert.deepEqual(await columns(t, 'drop_t'), ['id INTEGER', 'v VARCHAR', 'gone VARCHAR']);
      // kept: untouched rows keep their value, rows written from then on have NULL
      assert.deepEqual(await t.targetRows('drop_t', ['id', 'gone'], 'id', 'id IN (1, 2, 7)'), [['1', 'g1'], ['2', null], ['7', null]]);

      await src.sql(`ALTER TABLE ${a}.ren_t RENAME COLUMN old_name TO new_name`);
      await src.sql(`INSERT INTO ${a}.ren_t VALUES (7, 'r7')`);
      await t.waitFor('row 7 of ren_t', async () => (await t.count('ren_t', 'id = 7')) === 1);
      assert.deepEqual(await columns(t, 'ren_t'), ['id INTEGER', 'old_name VARCHAR']);
      assert.deepEqual(await t.targetRows('ren_t', ['id', 'old_name'], 'id', 'id IN (1, 7)'), [['1', 'r1'], ['7', null]]);

      await src.sql(src.retype(`${a}.type_t`, 'n', 'bigint'));
      await src.sql(`INSERT INTO ${a}.type_t VALUES (7, 77, 70, 7.25, 7.1234)`);
      await t.waitSame(`${a}.type_t`, 'type_t', ['id', 'n', 'code']);
      assert.deepEqual(await columns(t, 'type_t'), ['id INTEGER', 'n INTEGER', 'code INTEGER', 'fits DECIMAL(12,2)', 'lossy DECIMAL(10,4)']);

      // events [insert, update]: a deleted row stays in the lakehouse
      await src.sql(`DELETE FROM ${a}.ok_t WHERE id IN (1, 2)`);
      await src.sql(`UPDATE ${a}.ok_t SET v = 'u3' WHERE id = 3`);
      await src.sql(`INSERT INTO ${a}.ok_t VALUES (7, 'o7')`);
      // newTables: ignore
      await src.sql(`CREATE TABLE ${a}.late (id int PRIMARY KEY)`);
      await src.sql(`INSERT INTO ${a}.late VALUES (1)`);
      await src.sql(`INSERT INTO ${a}.ok_t VALUES (8, 'o8')`);
      // ... and so does a truncated one (truncate is not in events either)
      await src.sql(`TRUNCATE TABLE ${a}.add_t`);
      await t.waitFor('row 8 of ok_t', async () => (await t.count('ok_t', 'id = 8')) === 1);
      assert.equal(await t.count('add_t'), 7, 'add_t keeps its rows after TRUNCATE at the source');
      assert.deepEqual(await t.targetRows('ok_t', ['id', 'v']),
        [['1', 'o1'], ['2', 'o2'], ['3', 'u3'], ['4', 'o4'], ['5', 'o5'], ['6', 'o6'], ['7', 'o7'], ['8', 'o8']]);
      assert.equal((await t.status()).tables.some((x) => x.source === `${a}.late`), false, 'late is not a table of the task');
      assert.deepEqual(await t.query(`SELECT table_name FROM duckdb_tables() WHERE schema_name = 'ods' AND table_name = 'late'`), []);
      await t.stop();
    });

    it('fail values: each failing table stops with its exception, the other tables go on', async () => {
      const a = await src.space();
      await tables(a);
      const t = await start(a, { addColumn: 'fail', dropColumn: 'fail', renameColumn: 'fail', changeType: 'fail' });

      await src.sql(`ALTER TABLE ${a}.add_t ADD COLUMN extra int`);
      await src.sql(`INSERT INTO ${a}.add_t VALUES (7, 'a7', 70)`);
      await src.sql(`ALTER TABLE ${a}.drop_t DROP COLUMN gone`);
      await src.sql(`INSERT INTO ${a}.drop_t VALUES (7, 'd7')`);
      await src.sql(`ALTER TABLE ${a}.ren_t RENAME COLUMN old_name TO new_name`);
      await src.sql(`INSERT INTO ${a}.ren_t VALUES (7, 'r7')`);
      await src.sql(src.retype(`${a}.type_t`, 'n', 'bigint'));
      await src.sql(`INSERT INTO ${a}.type_t VALUES (7, 77, 70, 7.25, 7.1234)`);
      const expected: [string, RegExp][] = [
        ['add_t', /extra.*added.*addColumn: fail/], ['drop_t', /gone.*dropped.*dropColumn: fail/],
        ['ren_t', /old_name.*renamed.*renameColumn: fail/], ['type_t', /\bn\b.*type.*changeType: fail/]];
      for (const [table] of expected) await t.waitPhase(`${a}.${table}`, 'failed');

      // the other table goes on
      await src.sql(`UPDATE ${a}.ok_t SET v = 'still' WHERE id = 1`);
      await src.sql(`INSERT INTO ${a}.ok_t VALUES (7, 'o7')`);
      await t.waitSame(`${a}.ok_t`, 'ok_t', ['id', 'v']);
      const status = await t.status();
      assert.equal(status.running, true);
      assert.equal(status.phase, 'incremental');
      assert.equal(status.tables.find((x) => x.source === `${a}.ok_t`)?.phase, 'incremental');
      for (const [table, re] of expected) {
        const st = status.tables.find((x) => x.source === `${a}.${table}`)!;
        assert.ok(st.errors.some((e) => re.test(e.message)), `${table} in status: ${JSON.stringify(st.errors)}`);
        const live = await t.json<{ message: string }[]>('exceptions', ['--table', `${a}.${table}`]);
        assert.ok(live.some((e) => re.test(e.message)), `lakesync exceptions ${table}: ${JSON.stringify(live)}`);
        // the failed table took no change after its DDL
        assert.equal(await t.count(table, 'id = 7'), 0, `${table} stopped before row 7`);
      }
      assert.deepEqual(await t.json('exceptions', ['--table', `${a}.ok_t`]), []);
      await t.stop();

      // not running: the exceptions and the failed phases are still there
      const after = await t.status();
      assert.equal(after.running, false);
      assert.equal(after.tables.find((x) => x.source === `${a}.add_t`)?.phase, 'failed');
      const offline = await t.json<{ message: string }[]>('exceptions', ['--table', `${a}.add_t`]);
      assert.ok(offline.some((e) => expected[0][1].test(e.message)), `offline exceptions: ${JSON.stringify(offline)}`);
    });
  });
}
