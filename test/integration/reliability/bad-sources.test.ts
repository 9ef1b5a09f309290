// Bad sources through the CLI, the cases test/integration/check/bad-sources.test.ts does not cover
// (that file: wrong password, wrong port, missing privileges, wal_level, binlog off, a slot held by
// another program): the same task started twice, a slot used by another task, a purged binlog, a
// table dropped during the full sync, a table missing for a moment at start. Each gives a precise message (and the fix where one exists),
// never a stack trace.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  runCli, sharedMariadb, sharedPostgres, sleep, spawnCli, startMariadb, tempDir, writeTask, type CliResult, type ServerHandle,
} from '../../harness';
import { assertTablesEqual } from '../../support/compare';
import { lastStatus, waitUntil } from '../../faults/scenario';
import { waitSlotActive } from '../postgres/helpers';

function assertNoCrash(r: Pick<CliResult, 'stdout' | 'stderr'>): void {
  const all = `${r.stdout}\n${r.stderr}`;
  assert.doesNotMatch(all, /^\s+at .+:\d+:\d+\)?$/m, `stack trace in the output:\n${all}`);
  assert.doesNotMatch(all, /unexpected error/i, all);
}

for (const kind of ['postgres', 'mariadb'] as const) {
  describe(`reliability: bad sources through lakesync run (${kind})`, function () {
    this.timeout(180_000);
    let server: ServerHandle;
    let db: string;
    let schema: string;
    let n = 0;
    before(async () => {
      server = kind === 'postgres' ? await sharedPostgres() : await sharedMariadb();
      db = await server.createDatabase();
      schema = kind === 'postgres' ? 'public' : db;
    });
    after(async () => {
      if (kind === 'postgres') {
        await server.sql('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active', [db]).catch(() => undefined);
      }
      await server?.dropDatabase(db).catch(() => undefined);
    });
    const sql = (q: string) => server.sql(q, [], { database: db });
    const task = (tables: string[], extra: Record<string, unknown> = {}, name = `bad${++n}`) => {
      const dir = tempDir('bad');
      const lake = join(dir, 'lake.duckdb');
      const slot = `lakesync_bad_${db}_${n}`.toLowerCase();
      const file = writeTask({ name, source: server.source(db, kind === 'postgres' ? { slot, publication: slot } : { serverId: 6960 + n }),
        mode: 'multi-table-mirror', tables: tables.map((t) => `${schema}.${t}`), target: { type: 'duckdb', path: lake, namespace: 'ods' },
        parameters: { flushIntervalMs: 200 }, ...extra }, dir);
      return { file, lake, slot };
    };

    it('the same task started twice: the second run is refused and names the running one; the first goes on', async () => {
      await sql('CREATE TABLE twice (id INT PRIMARY KEY)');
      const t = task(['twice']);
      const first = spawnCli(['run', t.file, '--json']);
      try {
        await first.waitFor(/"phase":"incremental"/, 60_000);
        const second = await runCli(['run', t.file, '--until-caught-up'], { timeoutMs: 30_000 });
        assert.equal(second.code, 1, second.stdout + second.stderr);
        assert.match(second.stderr, /already running/);
        assert.match(second.stderr, /lakesync status/);
        assertNoCrash(second);
        await sql('INSERT INTO twice VALUES (1)');
        await sleep(1500);
      } finally {
        first.kill('SIGTERM');
      }
      const r = await first.exited;
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await runCli(['run', t.file, '--until-caught-up'])).code, 0);
      await assertTablesEqual([{ server, database: db, table: { db: schema, table: 'twice' }, duckdbPath: t.lake }]);
    });

    if (kind === 'postgres') {
      it('another task with the same slot while the first streams: refused, naming the slot', async () => {
        await sql('CREATE TABLE shared_slot (id INT PRIMARY KEY)');
        const a = task(['shared_slot']);
        const b = task(['shared_slot'], { source: server.source(db, { slot: a.slot, publication: a.slot }) });
        const first = spawnCli(['run', a.file, '--json']);
        try {
          await first.waitFor(/"phase":"incremental"/, 60_000);
          await waitSlotActive(server, a.slot, first); // streaming: the walsender holds the slot
          const second = await runCli(['run', b.file, '--until-caught-up'], { timeoutMs: 30_000 });
          assert.equal(second.code, 1, second.stdout + second.stderr);
          assert.match(second.stderr, new RegExp(`${a.slot}.*(in use|active|used by)|(in use|active|used by).*${a.slot}`, 's'));
          assertNoCrash(second);
        } finally {
          first.kill('SIGTERM');
        }
        assert.equal((await first.exited).code, 0);
      });
    }

    it('a table dropped during its full sync: named in the log, the other tables keep syncing, no crash', async () => {
      await sql('CREATE TABLE keep_me (id INT PRIMARY KEY, v INT)');
      await sql('CREATE TABLE drop_me (id INT PRIMARY KEY, v VARCHAR(100))');
      await sql(kind === 'postgres'
        ? "INSERT INTO drop_me SELECT g, repeat('x', 90) FROM generate_series(1, 40000) g"
        : "INSERT INTO drop_me SELECT seq, REPEAT('x', 90) FROM seq_1_to_40000");
      const t = task(['keep_me', 'drop_me'], { snapshot: { enabled: true, concurrency: 1, chunkSize: 100 } });
      const p = spawnCli(['run', t.file, '--json']);
      try {
        await p.waitFor(/"phase":"full-sync"/, 60_000);
        await sql('DROP TABLE drop_me');
        await sql('INSERT INTO keep_me VALUES (1, 1)');
        // the change to the table that is still there arrives while the task runs
        // PostgreSQL carries no DDL: the drop is noticed when the engine next lists the tables
        const dropNamed = /drop_me.{0,30}(dropped|does not exist|no longer exists)/;
        await waitUntil('the insert into keep_me to be applied and the drop to be named', () => {
          const k = lastStatus(p)?.tables.find((x) => x.source.endsWith('.keep_me'));
          return ((k?.rowsWritten ?? 0) >= 1 && dropNamed.test(p.stdout())) || p.child.exitCode !== null;
        }, 30_000, p).catch((err: Error) => { p.kill('SIGKILL'); throw err; });
        assertNoCrash({ stdout: p.stdout(), stderr: p.stderr() });
        assert.equal(p.child.exitCode, null, `the task died:\n${p.stderr()}`);
        assert.match(p.stdout(), dropNamed);
      } finally {
        p.kill('SIGTERM');
      }
      await p.exited;
      const r = await runCli(['run', t.file, '--until-caught-up'], { timeoutMs: 60_000 });
      assertNoCrash(r);
      assert.equal(r.code, 0, r.stderr);
      await assertTablesEqual([{ server, database: db, table: { db: schema, table: 'keep_me' }, duckdbPath: t.lake }]);
    });

    it('a table missing for a moment when the task resumes (as MariaDB\'s information_schema hides a table an ALTER TABLE is copying): the engine looks again, finds it, and is equal', async () => {
      await sql('CREATE TABLE blink (id INT PRIMARY KEY, v INT)');
      await sql(kind === 'postgres' ? 'INSERT INTO blink SELECT g, g FROM generate_series(1, 50) g' : 'INSERT INTO blink SELECT seq, seq FROM seq_1_to_50');
      const t = task(['blink']);
      const first = await runCli(['run', t.file, '--until-caught-up'], { timeoutMs: 90_000 });
      assert.equal(first.code, 0, first.stderr);
      await sql('INSERT INTO blink VALUES (1001, 1), (1002, 2)');
      await sql('UPDATE blink SET v = v + 100 WHERE id <= 10');
      await sql(kind === 'postgres' ? 'ALTER TABLE blink RENAME TO blink_away' : 'RENAME TABLE blink TO blink_away');
      const p = spawnCli(['run', t.file, '--until-caught-up']);
      try {
        await p.waitFor(/blink not found at the source; looking again/, 60_000);
        await sql(kind === 'postgres' ? 'ALTER TABLE blink_away RENAME TO blink' : 'RENAME TABLE blink_away TO blink');
      } catch (err) {
        p.kill('SIGKILL');
        throw err;
      }
      const r = await p.exited;
      assertNoCrash(r);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      await assertTablesEqual([{ server, database: db, table: { db: schema, table: 'blink' }, duckdbPath: t.lake }]);
    });
  });
}

describe('reliability: a purged binlog through lakesync run and check (MariaDB)', function () {
  this.timeout(180_000);
  let server: ServerHandle;
  before(async function () { this.timeout(120_000); server = await startMariadb(); });
  after(async () => { await server?.stop(); });

  it('refuses to resume, names the oldest binlog and the commands that recover; never a silent restart', async () => {
    const db = await server.createDatabase('purged');
    await server.sql('CREATE TABLE t (id INT PRIMARY KEY)', [], { database: db });
    const dir = tempDir('purged');
    const file = writeTask({ name: 'purged', source: server.source(db), mode: 'multi-table-mirror', tables: [`${db}.t`],
      target: { type: 'duckdb', path: join(dir, 'lake.duckdb'), namespace: 'ods' } }, dir);
    assert.equal((await runCli(['run', file, '--until-caught-up'])).code, 0);
    await server.sql('INSERT INTO t VALUES (1)', [], { database: db });
    await server.sql('FLUSH BINARY LOGS');
    await server.sql('INSERT INTO t VALUES (2)', [], { database: db });
    await server.sql('FLUSH BINARY LOGS');
    const [{ File: current }] = await server.sql<{ File: string }>('SHOW MASTER STATUS');
    // MariaDB keeps a binlog until its crash-recovery checkpoint has moved on: retry the purge
    for (let i = 0; ; i++) {
      await server.sql(`PURGE BINARY LOGS TO '${current}'`);
      const logs = await server.sql<{ Log_name: string }>('SHOW BINARY LOGS');
      if (logs[0].Log_name === current) break;
      if (i > 40) assert.fail(`PURGE BINARY LOGS left ${JSON.stringify(logs)}`);
      await sleep(250);
    }
    const r = await runCli(['run', file, '--until-caught-up'], { timeoutMs: 60_000 });
    assertNoCrash(r);
    assert.equal(r.code, 1, `a purged position must stop the task:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, new RegExp(current.replace('.', '\\.')));
    assert.match(r.stderr, /lakesync (resync|reset)/);
    const c = await runCli(['check', file]);
    assertNoCrash(c);
  });
});
