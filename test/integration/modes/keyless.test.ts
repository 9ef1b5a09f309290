// rules.keylessTables through `lakesync run`, on PostgreSQL and MariaDB, with pgbench's keyless
// `pgbench_history` shape: sync (default) syncs keyless tables where the source sends whole rows
// and, on PostgreSQL without REPLICA IDENTITY FULL, stops that table alone with the statement that
// fixes it (the others go on, the application's UPDATE still works); append applies inserts only
// (PostgreSQL: through the insert-only publication); skip leaves them out; fail refuses the task.
import assert from 'node:assert/strict';
import { runCli } from '../../harness';
import { insertRows, KINDS, Source, type Task } from './helpers';

const HISTORY = (s: string) => `CREATE TABLE ${s}.history (tid int, bid int, aid int, delta int, note varchar(20))`;

for (const kind of KINDS) {
  describe(`rules.keylessTables on ${kind} (lakesync run)`, function () {
    this.timeout(150_000);
    let src: Source;
    let task: Task | undefined;
    beforeEach(async () => { src = await Source.create(kind); });
    afterEach(async () => { task?.kill(); task = undefined; await src.cleanup(); });

    const setup = async (): Promise<string> => {
      const s = await src.space('kl');
      await src.sql(`CREATE TABLE ${s}.accounts (aid int PRIMARY KEY, abalance int)`);
      await src.sql(insertRows(`${s}.accounts`, 1, 20, (i) => `${i}, ${i * 10}`));
      await src.sql(HISTORY(s));
      await src.sql(insertRows(`${s}.history`, 1, 12, (i) => `${i % 3}, 1, ${i}, ${i * 5}, 'h${i}'`));
      return s;
    };
    const cols = ['aid', 'tid', 'bid', 'delta', 'note']; // aid first: waitSame orders by the first column
    const order = 'aid, delta';

    it('sync (default): the keyless table is an exact copy where the source sends whole rows; otherwise it alone stops with the fix', async () => {
      const s = await setup();
      task = src.task({ mode: 'database-mirror', databases: [s] });
      await task.start();
      await task.waitSame(`${s}.accounts`, 'accounts', ['aid', 'abalance']);
      if (kind === 'postgres') {
        // REPLICA IDENTITY DEFAULT without a key: PostgreSQL sends no old row; never published
        await task.waitPhase(`${s}.history`, 'failed');
        const t = await task.table(`${s}.history`);
        assert.match(t.errors[0]?.message ?? '', new RegExp(`ALTER TABLE "${s}"\\."history" REPLICA IDENTITY FULL; then resync the table`));
        assert.match(t.errors[0]?.message ?? '', /rules\.keylessTables: sync/);
        await src.sql(`UPDATE ${s}.history SET delta = 0 WHERE aid = 1`); // the application is not broken
        await src.sql(`UPDATE ${s}.accounts SET abalance = -1 WHERE aid = 2`);
        await task.waitSame(`${s}.accounts`, 'accounts', ['aid', 'abalance']);
        await task.stop();
        // the statement it names fixes it: REPLICA IDENTITY FULL, a resync, and the table is exact
        await src.sql(`ALTER TABLE ${s}.history REPLICA IDENTITY FULL`);
        await task.cli('resync', ['--table', `${s}.history`]);
        await task.start();
      }
      await task.waitSame(`${s}.history`, 'history', cols, 60_000);
      await src.sql(`UPDATE ${s}.history SET note = 'upd' WHERE aid IN (2, 3)`);
      await src.sql(`DELETE FROM ${s}.history WHERE aid = 4`);
      await src.sql(insertRows(`${s}.history`, 100, 3, (i) => `${i}, 2, ${i}, 1, 'late'`));
      await task.waitSame(`${s}.history`, 'history', cols);
      assert.deepEqual(await task.targetRows('history', cols, order), await task.sourceRows(`${s}.history`, cols, order));
      await task.stop();
    });

    it('append: inserts arrive, updates and deletes are not applied (PostgreSQL: no replica identity needed)', async () => {
      const s = await setup();
      task = src.task({ mode: 'database-mirror', databases: [s], rules: { keylessTables: 'append' } });
      await task.start();
      await task.waitSame(`${s}.history`, 'history', cols);
      const before = await task.sourceRows(`${s}.history`, cols, order);
      await src.sql(`UPDATE ${s}.history SET note = 'upd' WHERE aid = 2`);
      await src.sql(`DELETE FROM ${s}.history WHERE aid = 3`);
      await src.sql(insertRows(`${s}.history`, 200, 2, (i) => `${i}, 9, ${i}, 7, 'new'`));
      await src.sql(`UPDATE ${s}.accounts SET abalance = 5 WHERE aid = 1`); // keyed tables: everything as usual
      await task.waitSame(`${s}.accounts`, 'accounts', ['aid', 'abalance']);
      await task.waitFor('the inserted rows', async () => (await task!.count('history', "note = 'new'")) === 2);
      const expected = [...before, ['200', '200', '9', '7', 'new'], ['201', '201', '9', '7', 'new']];
      assert.deepEqual(await task.targetRows('history', cols, order), expected);
      if (kind === 'postgres') {
        const pubs = await src.sql(`SELECT pubname, pubupdate, pubdelete FROM pg_publication WHERE pubname LIKE '%_append'`);
        assert.equal(pubs.length, 1);
        assert.deepEqual([pubs[0].pubupdate, pubs[0].pubdelete], [false, false]);
      }
      await task.stop();
    });

    it('skip leaves keyless tables out with a warning; fail refuses the task naming them', async () => {
      const s = await setup();
      task = src.task({ mode: 'database-mirror', databases: [s], rules: { keylessTables: 'skip' } });
      await task.runUntilCaughtUp();
      const status = await task.status();
      assert.deepEqual(status.tables.map((t) => t.source), [`${s}.accounts`]);
      assert.match(await task.cli('check'), new RegExp(`! tables without a primary key \\(rules\\.keylessTables: skip\\): left out: ${s}\\.history`));

      const failing = src.task({ mode: 'database-mirror', databases: [s], rules: { keylessTables: 'fail' } });
      const r = await runCli(['run', failing.file, '--until-caught-up'], { timeoutMs: 60_000 });
      assert.notEqual(r.code, 0);
      assert.match(r.stdout + r.stderr, new RegExp(`table ${s}\\.history has no primary key and rules\\.keylessTables is fail`));
    });

    it('an Iceberg target: lakesync check fails naming the keyless table and the fix; at start that table alone stops, the keyed one syncs', async () => {
      const s = await setup();
      task = src.task({ mode: 'database-mirror', databases: [s], target: { type: 'iceberg', warehouse: 'lake', namespace: 'ods' } });
      const check = await task.cli('check', [], true);
      assert.match(check, new RegExp(`tables without a primary key \\(rules\\.keylessTables: sync\\): without primary key, so they would stop: ${s}\\.history`));
      assert.match(check, /an Iceberg target needs a primary key .*set rules\.keylessTables: skip/);
      await task.start();
      await task.waitSame(`${s}.accounts`, 'accounts', ['aid', 'abalance']);
      await task.waitPhase(`${s}.history`, 'failed');
      const t = await task.table(`${s}.history`);
      assert.match(t.errors[0]?.message ?? '', new RegExp(`${s}\\.history has no primary key and rules\\.keylessTables is sync, but an Iceberg target needs a primary key`));
      await src.sql(`UPDATE ${s}.accounts SET abalance = -1 WHERE aid = 2`);
      await task.waitSame(`${s}.accounts`, 'accounts', ['aid', 'abalance']);
      await task.stop();
    });
  });
}
