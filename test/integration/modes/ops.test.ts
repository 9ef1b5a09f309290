// Every per-table operation end to end, on PostgreSQL and MariaDB: through the running engine's
// control socket (`lakesync <op> FILE --table T` while `lakesync run` runs), then queued while the
// task is stopped and carried out at its next start; then `lakesync reset` (and --drop-slot).
import assert from 'node:assert/strict';
import { runCli, sleep } from '../../harness';
import { KINDS, Source, insertRows, type Task } from './helpers';

interface Details { status: { phase: string }; chunksDone: number; chunksTotal: number; rows: number; rate: number; snapshotStartedAt?: string; snapshotEndedAt?: string }

const BIG = 1200;

for (const kind of KINDS) {
  describe(`per-table operations on ${kind} (lakesync <op> FILE --table T)`, function () {
    // 1200 one-row chunks, copied twice (full sync, resync): minutes on a quiet machine; at load 20
    // a commit took ~0.4 s and the copy outlasted 120 s, the test 300 s
    this.timeout(1_800_000);
    let src: Source;
    let task: Task | undefined;
    before(async () => { src = await Source.create(kind); });
    after(async () => { task?.kill(); task = undefined; await src.cleanup(); });

    /** An operation through the control socket; the engine may still be starting for a moment. */
    async function live<T>(t: Task, op: string, table: string, extra: string[] = []): Promise<T> {
      for (let i = 0; ; i++) {
        const r = await runCli([op, t.file, '--table', table, ...extra, '--json'], { timeoutMs: 60_000 });
        if (r.code === 0) {
          const out = JSON.parse(r.stdout) as T & { queued?: boolean; op?: string };
          assert.ok(!(out.queued === true && out.op === op), `${op} was queued instead of sent to the running engine`);
          return out;
        }
        if (!/still starting/.test(r.stderr) || i > 50) assert.fail(`lakesync ${op} --table ${table} exited ${r.code}: ${r.stderr}`);
        await sleep(200);
      }
    }

    it('details, prioritize, cancel, force-stop, backfill --where, resync, exceptions while running; queued while stopped; reset', async () => {
      const s = await src.space();
      const cols = ['id', 'v', 'n'];
      for (const [t, rows] of [['a', BIG], ['b', BIG], ['c', 20], ['d', 10], ['e', 5]] as [string, number][]) {
        await src.sql(`CREATE TABLE ${s}.${t} (id int PRIMARY KEY, v varchar(20), n int)`);
        await src.sql(insertRows(`${s}.${t}`, 1, rows, (i) => `${i}, '${t}${i}', ${i}`));
      }
      // one chunk per row, one reader: the full sync takes long enough to act on it
      const t = task = src.task({ mode: 'multi-table-mirror', tables: [`${s}.*`], snapshot: { concurrency: 1, chunkSize: 1 } });
      const T = (name: string) => `${s}.${name}`;
      await t.start();

      // details of the table being copied
      let det: Details | undefined;
      await t.waitFor('details of a running full sync', async () => {
        det = await live<Details>(t, 'details', T('a'));
        return det.chunksTotal > 0;
      });
      assert.equal(det!.status.phase, 'full-sync');
      assert.equal(det!.chunksTotal, BIG);
      assert.ok(det!.chunksDone < BIG, `a is still being copied: ${JSON.stringify(det)}`);
      assert.ok(det!.snapshotStartedAt, 'details has the start time');

      // c (queued behind a and b) goes first; b is cancelled before it starts
      assert.deepEqual(await live(t, 'prioritize', T('c')), { prioritized: true });
      assert.deepEqual(await live(t, 'cancel', T('b')), { cancelled: true });
      for (const x of ['a', 'c', 'd', 'e']) await t.waitPhase(T(x), 'incremental', 900_000);
      const st = await t.status();
      const at = (x: string) => st.tables.find((y) => y.source === T(x))!;
      assert.ok(at('c').snapshotEndedAt! < at('a').snapshotEndedAt!, `prioritized c ended ${at('c').snapshotEndedAt}, a ${at('a').snapshotEndedAt}`);
      assert.equal(at('b').phase, 'cancelled');
      assert.ok(await t.count('b') < BIG, 'b was not copied');
      for (const x of ['a', 'c', 'd', 'e']) await t.waitSame(T(x), x, cols);
      const done = await live<Details>(t, 'details', T('a'));
      assert.equal(done.chunksDone, BIG);
      assert.ok(done.snapshotEndedAt && done.rows === BIG && done.rate > 0, JSON.stringify(done));

      // force-stop d: its changes are no longer applied, the other tables go on
      assert.deepEqual(await live(t, 'force-stop', T('d')), { stopped: true });
      await src.sql(`UPDATE ${s}.d SET v = 'new'`);
      await src.sql(`DELETE FROM ${s}.d WHERE id = 3`);
      await src.sql(`INSERT INTO ${s}.d VALUES (100, 'd100', 100)`);
      await src.sql(`INSERT INTO ${s}.a VALUES (10001, 'late', 1)`);
      await t.waitSame(T('a'), 'a', cols);
      assert.equal((await t.table(T('d'))).phase, 'stopped');
      assert.deepEqual(await t.targetRows('d', ['id', 'v'], 'id', "v = 'new' OR id = 100"), []);

      // backfill d where id <= 5: only those rows are read again and merged; nothing is removed
      assert.deepEqual(await live(t, 'backfill', T('d'), ['--where', 'id <= 5']), { queued: true });
      await t.waitFor('the backfill of d', async () => (await t.count('d', "v = 'new'")) === 4);
      assert.deepEqual(await t.targetRows('d', ['id', 'v']), [
        ['1', 'new'], ['2', 'new'], ['3', 'd3'], ['4', 'new'], ['5', 'new'],
        ['6', 'd6'], ['7', 'd7'], ['8', 'd8'], ['9', 'd9'], ['10', 'd10']]);
      await t.waitPhase(T('d'), 'incremental');
      await src.sql(`INSERT INTO ${s}.d VALUES (101, 'd101', 101)`);
      await t.waitFor('d to stream again', async () => (await t.count('d', 'id = 101')) === 1);

      // resync a while changes keep flowing: every row rewritten, the table not re-created
      const [[oid, before]] = await t.query(`SELECT table_oid, (SELECT max(_lakesync_synced_at) FROM ods.a) FROM duckdb_tables() WHERE schema_name = 'ods' AND table_name = 'a'`);
      let writing = true;
      let writes = 0;
      const writer = (async () => {
        while (writing) {
          writes++;
          await src.sql(`UPDATE ${s}.a SET n = n + 1000 WHERE id = ${1 + (writes * 7) % BIG}`);
          await src.sql(`INSERT INTO ${s}.a VALUES (${20000 + writes}, 'w', ${writes})`);
          if (writes % 3 === 0) await src.sql(`DELETE FROM ${s}.a WHERE id = ${1 + (writes * 13) % BIG}`);
          await sleep(50);
        }
      })();
      try {
        const started = done.snapshotStartedAt!;
        assert.deepEqual(await live(t, 'resync', T('a')), { queued: true });
        await t.waitFor('the resync of a', async () => {
          const x = await live<Details>(t, 'details', T('a'));
          return x.status.phase === 'incremental' && x.snapshotStartedAt !== started && x.chunksTotal > 0 && x.chunksDone === x.chunksTotal;
        }, 900_000);
        await sleep(500);
      } finally {
        writing = false;
        await writer;
      }
      assert.ok(writes > 5, `only ${writes} writes during the resync`);
      await t.waitSame(T('a'), 'a', cols);
      const [[oidAfter, oldest]] = await t.query(`SELECT table_oid, (SELECT min(_lakesync_synced_at) FROM ods.a) FROM duckdb_tables() WHERE schema_name = 'ods' AND table_name = 'a'`);
      assert.equal(oidAfter, oid, 'the target table was not re-created');
      assert.ok(oldest! > before!, `every row rewritten: oldest ${oldest}, newest before the resync ${before}`);

      assert.deepEqual(await live(t, 'exceptions', T('a')), []);
      // force-stop c while running: the changes below are dropped until the queued backfill
      assert.deepEqual(await live(t, 'force-stop', T('c')), { stopped: true });
      await src.sql(`UPDATE ${s}.c SET v = 'off'`);
      await src.sql(`INSERT INTO ${s}.a VALUES (10002, 'last', 2)`);
      await t.waitSame(T('a'), 'a', cols);
      await t.stop();

      // ---- not running: details and exceptions from the file, the other operations queued
      const off = await t.json<{ status: string; phase: string }>('details', ['--table', T('a')]);
      assert.equal(off.status, 'not running');
      assert.equal(off.phase, 'incremental');
      assert.deepEqual(await t.json('exceptions', ['--table', T('a')]), []);
      const queue = async (op: string, table: string, extra: string[] = []) =>
        assert.deepEqual(await t.json(op, ['--table', T(table), ...extra]), { queued: true, op, table: T(table), ...(extra.length ? { where: extra[1] } : {}) });
      await queue('resync', 'b');
      await queue('resync', 'd');
      await queue('prioritize', 'd');
      await queue('resync', 'a');
      await queue('cancel', 'a');
      await queue('force-stop', 'e');
      await queue('backfill', 'c', ['--where', 'id <= 5']);
      assert.match(await t.cli('resync', ['--table', T('b')]), /is not running: resync .* is queued for its next start/);
      await src.sql(`INSERT INTO ${s}.e VALUES (50, 'e50', 50)`);
      const aStarted = (await t.table(T('a'))).snapshotStartedAt;
      await t.runUntilCaughtUp();

      const after = await t.status();
      const a2 = (x: string) => after.tables.find((y) => y.source === T(x))!;
      assert.equal(a2('b').phase, 'incremental');
      await t.waitSame(T('b'), 'b', cols);
      assert.ok(a2('d').snapshotEndedAt! < a2('b').snapshotEndedAt!, `prioritized d ended ${a2('d').snapshotEndedAt}, b ${a2('b').snapshotEndedAt}`);
      await t.waitSame(T('d'), 'd', cols);
      assert.equal(a2('a').phase, 'cancelled');
      assert.equal(a2('a').snapshotStartedAt, aStarted, 'a was cancelled before its resync started');
      assert.equal(a2('e').phase, 'stopped');
      assert.equal(await t.count('e', 'id = 50'), 0, 'force-stopped e took no change');
      assert.deepEqual(await t.targetRows('c', ['v'], 'id'), [
        ...Array.from({ length: 5 }, () => ['off']), ...Array.from({ length: 15 }, (_, i) => [`c${i + 6}`])]);

      // ---- reset: checkpoint and state forgotten, the data stays; the next run is a full sync
      const rows = await t.count('a');
      const slot = `ls_${(t.file.match(/(modes_\w+)\.sync\.yaml$/) ?? [])[1]}`;
      const slotQuery = `SELECT slot_name FROM pg_replication_slots WHERE slot_name = '${slot}'`;
      const pubQuery = `SELECT pubname FROM pg_publication WHERE pubname = '${slot}'`;
      if (kind === 'postgres') {
        assert.equal((await src.sql(slotQuery)).length, 1, `slot ${slot} exists before the reset`);
        assert.equal((await src.sql(pubQuery)).length, 1, `publication ${slot} exists before the reset`);
      }
      assert.match(await t.cli('reset', kind === 'postgres' ? ['--drop-slot'] : []), /forgotten/);
      const cleared = await t.status();
      assert.deepEqual(cleared.tables, []);
      assert.equal(cleared.position, undefined);
      assert.equal(await t.count('a'), rows, 'reset keeps the target data');
      if (kind === 'postgres') {
        assert.deepEqual(await src.sql(slotQuery), [], 'reset --drop-slot drops the slot');
        assert.deepEqual(await src.sql(pubQuery), [], 'reset --drop-slot drops the publication');
      }
      await t.runUntilCaughtUp();
      for (const x of ['a', 'b', 'c', 'd', 'e']) {
        assert.deepEqual(await t.targetRows(x, cols), await t.sourceRows(T(x), cols), `${x} after reset and a new full sync`);
        assert.equal((await t.table(T(x))).phase, 'incremental');
      }
    });
  });
}
