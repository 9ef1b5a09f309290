// A large transaction applied in parts (`#applied:N` checkpoints) against crashes and table
// operations, on MariaDB, PostgreSQL pgoutput and PostgreSQL decoderbufs (whose parts, like
// MariaDB's, carry the position of the previous transaction's end). Every table, keyed or not, must
// equal the source as a multiset afterwards: no row lost, none doubled.
//
// - kill -9 of the engine at seeded points among the parts of a 200,000-change transaction that
//   touches three tables (two keyed, one keyless), each run resuming from the last checkpoint;
// - a resync of the keyless table and of a keyed one requested while the parts are being applied;
// - PostgreSQL: a schema change inside the large transaction (BEGIN; ALTER ...; INSERT ...; COMMIT),
//   with kill -9 among its parts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, sharedMariadb, sharedPostgres, spawnCli, tempDir, uniqueName, writeTask, type CliProcess, type CliResult, type ServerHandle } from '../../harness';
import { targetRows } from '../postgres/e2e-helpers';
import { rng } from '../../faults/workload';

function ok(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what} failed:\nstdout:\n${r.stdout.slice(-3000)}\nstderr:\n${r.stderr.slice(-3000)}`);
}

// seeded kill points (the fault suite's generator): LAKESYNC_LARGE_TX_SEED replays a run's
const SEED = Number(process.env.LAKESYNC_LARGE_TX_SEED ?? Date.now() % 100_000);

/** The checkpoint a task's status file shows ('' while the file is being written). */
function statusPosition(lake: string): string {
  try { return String(JSON.parse(readFileSync(`${lake}.status.json`, 'utf8')).position ?? ''); } catch { return ''; }
}
const applied = (p: string): number => Number(/#applied:(\d+)$/.exec(p)?.[1] ?? 0);

/**
 * Lets `run` go until its checkpoint is inside the large transaction past `atLeast` changes, then
 * kills it (-9). Returns that checkpoint and the run's stderr; fails when the transaction ended first.
 * The status file shows the checkpoint at most once a second, and a quiet machine applied the
 * last 60,000 changes between two writes (a CI run): the engine runs only a quarter of the time
 * meanwhile (SIGSTOP/SIGCONT in 10 ms slices), so every kill point is seen before the end.
 */
async function killInside(run: CliProcess, lake: string, atLeast: number): Promise<{ seen: string; stderr: string }> {
  const deadline = Date.now() + 240_000;
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let seen = '';
  let inside = false;
  while (Date.now() < deadline && run.child.exitCode === null) {
    run.kill('SIGCONT');
    await pause(10);
    run.kill('SIGSTOP');
    await pause(30);
    const p = statusPosition(lake);
    if (applied(p) >= atLeast) { seen = p; break; }
    if (inside && p && applied(p) === 0) break; // the transaction ended before that point (p empty: the file is being written)
    inside ||= applied(p) > 0;
  }
  run.kill('SIGKILL');
  const r = await run.exited;
  assert.ok(seen, `no checkpoint inside the transaction past ${atLeast} changes before the kill (exit ${r.code}):\n${r.stderr.slice(-2000)}`);
  return { seen, stderr: r.stderr };
}

type Variant = 'mariadb' | 'pgoutput' | 'decoderbufs';

/** The large transaction, in the source's SQL: 200,000 row changes over a, b and k, interleaved. */
function largeTransaction(v: Variant, round: number): string[] {
  const base = 1_000_000 * round;
  if (v === 'mariadb') {
    return [
      `INSERT INTO a (id, v) SELECT ${base} + seq, concat('new-', seq) FROM seq_1_to_60000`,
      `UPDATE b SET v = concat('upd${round}-', id) WHERE id <= 20000`,
      `INSERT INTO k (x, y) SELECT 5 + seq % 3, concat('copy${round}-', seq % 7) FROM seq_1_to_50000`,
      `DELETE FROM k WHERE x = 6 LIMIT 3000`,
      `INSERT INTO b (id, v) SELECT ${base} + seq, concat('b-', seq) FROM seq_1_to_40000`,
      `UPDATE k SET y = 'changed${round}' WHERE x = 7 LIMIT 2000`,
      `DELETE FROM a WHERE id <= ${round * 5000} AND id > ${(round - 1) * 5000}`,
      `INSERT INTO k (x, y) SELECT 9, 'dup' FROM seq_1_to_20000`,
    ];
  }
  return [
    `INSERT INTO a (id, v) SELECT ${base} + g, 'new-' || g FROM generate_series(1, 60000) g`,
    `UPDATE b SET v = 'upd${round}-' || id WHERE id <= 20000`,
    `INSERT INTO k (x, y) SELECT 5 + g % 3, 'copy${round}-' || g % 7 FROM generate_series(1, 50000) g`,
    `DELETE FROM k WHERE ctid IN (SELECT ctid FROM k WHERE x = 6 LIMIT 3000)`,
    `INSERT INTO b (id, v) SELECT ${base} + g, 'b-' || g FROM generate_series(1, 40000) g`,
    `UPDATE k SET y = 'changed${round}' WHERE ctid IN (SELECT ctid FROM k WHERE x = 7 LIMIT 2000)`,
    `DELETE FROM a WHERE id <= ${round * 5000} AND id > ${(round - 1) * 5000}`,
    `INSERT INTO k (x, y) SELECT 9, 'dup' FROM generate_series(1, 20000) g`,
  ];
}

for (const v of ['mariadb', 'pgoutput', 'decoderbufs'] as Variant[]) {
  describe(`a large transaction in parts on ${v} (seed ${SEED})`, function () {
    this.timeout(900_000);
    let server: ServerHandle;
    let db: string;
    let schema: string;
    let file: string;
    let lake: string;
    const random = rng(SEED + v.length);
    const pg = v !== 'mariadb';
    const sql = (q: string) => server.sql(q, [], { database: db });
    const statusAt = (): string => statusPosition(lake);

    before(async () => {
      server = pg ? await sharedPostgres() : await sharedMariadb();
      db = await server.createDatabase();
      schema = pg ? 'public' : db;
      await sql('CREATE TABLE a (id bigint PRIMARY KEY, v varchar(40))');
      await sql('CREATE TABLE b (id bigint PRIMARY KEY, v varchar(40))');
      await sql('CREATE TABLE k (x int, y varchar(40))');
      if (pg) {
        await sql('ALTER TABLE k REPLICA IDENTITY FULL');
        await sql(`INSERT INTO a SELECT g, 'a-' || g FROM generate_series(1, 30000) g`);
        await sql(`INSERT INTO b SELECT g, 'b-' || g FROM generate_series(1, 30000) g`);
        await sql(`INSERT INTO k SELECT g % 10, 'k-' || g % 4 FROM generate_series(1, 20000) g`);
      } else {
        await sql(`INSERT INTO a SELECT seq, concat('a-', seq) FROM seq_1_to_30000`);
        await sql(`INSERT INTO b SELECT seq, concat('b-', seq) FROM seq_1_to_30000`);
        await sql(`INSERT INTO k SELECT seq % 10, concat('k-', seq % 4) FROM seq_1_to_20000`);
      }
      const dir = tempDir('large-tx');
      const name = uniqueName('largetx');
      lake = join(dir, 'lake.duckdb');
      const source = pg
        ? server.source(db, { slot: `ls_${name}`, publication: `ls_${name}`, ...(v === 'decoderbufs' ? { plugin: 'decoderbufs' } : {}) })
        : server.source(db);
      file = writeTask({
        name, source, mode: 'multi-table-mirror', tables: ['a', 'b', 'k'].map((t) => `${schema}.${t}`),
        target: { path: lake, namespace: 'ods' },
        snapshot: { enabled: true, concurrency: 2, chunkSize: 5000 },
        // parts of 2,000 changes: the 200,000-change transaction arrives in 100 parts
        parameters: { flushIntervalMs: 50, batchSize: 2000, maxTransactionChanges: 2000 },
      }, dir);
      ok(await runCli(['run', file, '--until-caught-up'], { timeoutMs: 300_000 }), 'the full sync');
    });
    after(async () => {
      if (pg) await server.sql(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active AND database = $1`, [db]).catch(() => undefined);
      await server.dropDatabase(db).catch(() => undefined);
    });

    /** Each distinct row of a table with its number of copies, as text, in one order. */
    async function sourceBag(table: string, cols: string[]): Promise<string[]> {
      const list = cols.join(', ');
      const rows = await sql(`SELECT ${list}, count(*) AS n FROM ${table} GROUP BY ${list}`);
      return rows.map((r: Record<string, unknown>) => [...cols.map((c) => (r[c] === null ? 'NULL' : String(r[c]))), String(Number(r.n))].join('|')).sort();
    }
    async function targetBag(table: string, cols: string[]): Promise<string[]> {
      const list = cols.map((c) => `"${c}"`).join(', ');
      const rows = await targetRows(lake, `SELECT ${list}, count(*) FROM ods."${table}" GROUP BY ${list}`);
      return rows.map((r) => r.map((x) => x ?? 'NULL').join('|')).sort();
    }
    async function assertEqual(what: string, columns: Record<string, string[]> = {}): Promise<void> {
      for (const t of ['a', 'b', 'k']) {
        const cols = columns[t] ?? (t === 'k' ? ['x', 'y'] : ['id', 'v']);
        const [src, tgt] = [await sourceBag(t, cols), await targetBag(t, cols)];
        if (JSON.stringify(src) === JSON.stringify(tgt)) continue;
        const s = new Set(src), g = new Set(tgt);
        assert.fail(`${what}: table ${t} differs from the source (${src.length} distinct rows at the source, ${tgt.length} in the target)\n`
          + `missing or other count: ${src.filter((r) => !g.has(r)).slice(0, 8).join(', ')}\n`
          + `extra or other count: ${tgt.filter((r) => !s.has(r)).slice(0, 8).join(', ')}`);
      }
    }

    /** Runs the engine until its checkpoint is inside the large transaction past `atLeast` changes, then kills it (-9). */
    const killRunInside = async (atLeast: number): Promise<string> => (await killInside(spawnCli(['run', file]), lake, atLeast)).seen;

    it('kill -9 at three seeded points among the parts of a 200,000-change transaction over three tables: every table equals the source', async () => {
      await sql(['BEGIN', ...largeTransaction(v, 1), 'COMMIT'].join(';\n'));
      // seeded points, increasing: each resumed run gets past the previous one's checkpoint
      // (the status file shows the checkpoint once a second: the last point leaves 70,000 changes to see it)
      const points = [0.1 + random() * 0.15, 0.3 + random() * 0.15, 0.5 + random() * 0.15].map((f) => Math.round(f * 200_000));
      const kills: string[] = [];
      for (const p of points) kills.push(await killRunInside(p));
      ok(await runCli(['run', file, '--until-caught-up'], { timeoutMs: 300_000 }), 'the run after the kills');
      await assertEqual(`after kill -9 at ${kills.join(', ')}`);
    });

    it('resync of the keyless table and of a keyed table requested while the parts are applied: both equal the source', async () => {
      await sql(['BEGIN', ...largeTransaction(v, 2), 'COMMIT'].join(';\n'));
      const run = spawnCli(['run', file]);
      try {
        await resyncInside(run);
      } finally {
        run.kill('SIGTERM');
        await run.exited;
      }
      ok(await runCli(['run', file, '--until-caught-up'], { timeoutMs: 300_000 }), 'catching up after the resyncs');
      await assertEqual(`after resyncs requested at ${resyncAt}`);
    });

    it('a resync requested inside the transaction, then kill -9 before its end: the next run finishes the transaction first, then the full sync', async () => {
      await sql(['BEGIN', ...largeTransaction(v, 4), 'COMMIT'].join(';\n'));
      const run = spawnCli(['run', file]);
      let at: string;
      try {
        const deadline = Date.now() + 240_000;
        while (applied(statusAt()) < 20_000 && Date.now() < deadline && run.child.exitCode === null) await new Promise((r) => setTimeout(r, 15));
        ok(await runCli(['resync', file, '--table', `${schema}.k`]), 'resync k');
        at = statusAt();
      } finally {
        run.kill('SIGKILL');
        await run.exited;
      }
      assert.ok(applied(at) > 0 && applied(statusAt()) < 200_000, `killed inside the transaction (${at}, then ${statusAt()})`);
      const r = await runCli(['run', file, '--until-caught-up'], { timeoutMs: 300_000 });
      ok(r, 'the run after the kill');
      assert.match(`${r.stdout}\n${r.stderr}`, new RegExp(`${schema}\\.k: full sync done`), 'the queued resync ran');
      await assertEqual(`after a resync at ${at} and kill -9`);
    });

    let resyncAt = '';
    async function resyncInside(run: CliProcess): Promise<void> {
      const deadline = Date.now() + 240_000;
      while (applied(statusAt()) < 30_000 && Date.now() < deadline && run.child.exitCode === null) await new Promise((r) => setTimeout(r, 15));
      const at = resyncAt = statusAt();
      assert.ok(applied(at) > 0, `no checkpoint inside the transaction (${at}):\n${run.stderr().slice(-2000)}`);
      ok(await runCli(['resync', file, '--table', `${schema}.k`]), 'resync k');
      ok(await runCli(['resync', file, '--table', `${schema}.b`]), 'resync b');
      // both full syncs done, then the stream goes on to the end of the source's log
      for (const t of ['k', 'b']) await run.waitFor(`${schema}.${t}: full sync done`, 240_000);
    }

    if (pg) {
      it('a schema change inside the large transaction (BEGIN; ALTER; INSERT ...; COMMIT), killed -9 among its parts: every table equals the source', async () => {
        // the ALTERs come after row changes of their tables: pgoutput and decoderbufs announce the
        // new shape in the middle of the transaction, after 60,000 and 210,000 of its 290,000 changes
        const [aInserts, ...rest] = largeTransaction(v, 3);
        await sql(['BEGIN', aInserts, 'ALTER TABLE a ADD COLUMN w int', ...rest, `UPDATE a SET w = id % 100 WHERE id > 3000000 AND id <= 3010000`,
          'ALTER TABLE k ADD COLUMN z int', `INSERT INTO k SELECT 1, 'z', g FROM generate_series(1, 80000) g`, 'COMMIT'].join(';\n'));
        const kills = [await killRunInside(Math.round((0.1 + random() * 0.15) * 200_000)), await killRunInside(Math.round((0.5 + random() * 0.3) * 200_000)),
          await killRunInside(215_000 + Math.round(random() * 15_000))];
        ok(await runCli(['run', file, '--until-caught-up'], { timeoutMs: 300_000 }), 'the run after the kills');
        await assertEqual(`after kill -9 at ${kills.join(', ')}`, { a: ['id', 'v', 'w'], k: ['x', 'y', 'z'] });
      });
    }
  });
}

// PostgreSQL DDL can be inside a transaction: tables created by the large transaction itself join
// a database mirror while its parts are applied, and kill -9 hits among those parts.
for (const v of ['pgoutput', 'decoderbufs'] as Variant[]) {
  describe(`tables created inside a large transaction on ${v} (seed ${SEED})`, function () {
    this.timeout(600_000);
    let server: ServerHandle;
    let db: string;
    const random = rng(SEED + 7 + v.length);
    const sql = (q: string) => server.sql(q, [], { database: db });

    before(async () => {
      server = await sharedPostgres();
      db = await server.createDatabase();
    });
    after(async () => {
      await server.sql(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active AND database = $1`, [db]).catch(() => undefined);
      await server.dropDatabase(db).catch(() => undefined);
    });

    it('BEGIN; CREATE TABLE (keyed and keyless); 150,000 inserts; COMMIT, killed -9 twice among its parts: every table equals the source', async () => {
      await sql('CREATE TABLE a (id bigint PRIMARY KEY, v varchar(40))');
      await sql(`INSERT INTO a SELECT g, 'a-' || g FROM generate_series(1, 10000) g`);
      const dir = tempDir('large-tx-ddl');
      const name = uniqueName('largeddl');
      const lake = join(dir, 'lake.duckdb');
      const file = writeTask({
        name, source: server.source(db, { slot: `ls_${name}`, publication: `ls_${name}`, ...(v === 'decoderbufs' ? { plugin: 'decoderbufs' } : {}) }),
        mode: 'database-mirror', databases: ['public'], target: { path: lake, namespace: 'ods' },
        parameters: { flushIntervalMs: 50, batchSize: 2000, maxTransactionChanges: 2000 },
      }, dir);
      ok(await runCli(['run', file, '--until-caught-up'], { timeoutMs: 300_000 }), 'the full sync');
      const kills: string[] = [];
      // the task streams when the transaction commits (a task started behind it snapshots the new
      // tables after the checkpoint: see docs/reliability.md, "Not exact yet")
      const first = spawnCli(['run', file]);
      const phase = (): string => { try { return String(JSON.parse(readFileSync(`${lake}.status.json`, 'utf8')).phase); } catch { return ''; } };
      const started = Date.now();
      while (phase() !== 'incremental' && Date.now() - started < 120_000 && first.child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      assert.equal(phase(), 'incremental', `the task streams before the transaction:\n${first.stderr().slice(-2000)}`);
      await sql(['BEGIN',
        `INSERT INTO a SELECT 100000 + g, 'x-' || g FROM generate_series(1, 40000) g`,
        'CREATE TABLE n (id bigint PRIMARY KEY, v varchar(40))',
        `INSERT INTO n SELECT g, 'n-' || g FROM generate_series(1, 50000) g`,
        'CREATE TABLE nk (x int, y varchar(40))', 'ALTER TABLE nk REPLICA IDENTITY FULL',
        `INSERT INTO nk SELECT g % 5, 'dup-' || g % 3 FROM generate_series(1, 40000) g`,
        `UPDATE a SET v = 'u-' || id WHERE id <= 10000`,
        `INSERT INTO nk SELECT 9, 'last' FROM generate_series(1, 10000) g`,
        'COMMIT'].join(';\n'));
      for (const atLeast of [Math.round((0.1 + random() * 0.2) * 150_000), Math.round((0.4 + random() * 0.2) * 150_000)]) {
        const run = kills.length === 0 ? first : spawnCli(['run', file]);
        const { seen, stderr } = await killInside(run, lake, atLeast);
        kills.push(`${seen} (${stderr.split('\n').filter((l) => /public\.n/.test(l)).join('; ')})`);
      }
      const last = await runCli(['run', file, '--until-caught-up'], { timeoutMs: 300_000 });
      ok(last, 'the run after the kills');
      for (const [t, cols] of [['a', ['id', 'v']], ['n', ['id', 'v']], ['nk', ['x', 'y']]] as const) {
        const list = cols.join(', ');
        const src = (await sql(`SELECT ${list}, count(*) AS n FROM ${t} GROUP BY ${list}`))
          .map((r: Record<string, unknown>) => [...cols.map((c) => String(r[c])), String(Number(r.n))].join('|')).sort();
        const tgt = (await targetRows(lake, `SELECT ${list}, count(*) FROM ods.${t} GROUP BY ${list}`)).map((r) => r.join('|')).sort();
        assert.deepEqual(tgt, src, `table ${t} after kill -9 at ${kills.join(', ')}; the last run:\n${last.stderr.slice(-3000)}`);
      }
    });
  });
}
