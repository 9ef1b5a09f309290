// Property: whatever the source does (random inserts, updates, deletes, primary-key changes,
// truncates, transactions of random sizes) and however the engine is interrupted in between
// (graceful stop, kill -9 at a random moment, restart), once caught up the target equals the source
// row by row. Runs are few and seeded (LAKESYNC_PROP_SEED replays one); a failure prints the seed
// and the step list, unshrunk (each run costs seconds); a run that takes over 150 s fails the same
// way (LAKESYNC_PROP_TRACE=1 prints every step as it runs).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  runCli, sharedMariadb, sharedPostgres, sleep, spawnCli, tempDir, writeTask, type CliProcess, type ServerHandle,
} from '../../harness';
import { compareTable, formatDiff } from '../../support/compare';
import { waitUntil } from '../../faults/scenario';

const SEED = Number(process.env.LAKESYNC_PROP_SEED ?? 424242);
const RUNS = Number(process.env.LAKESYNC_PROP_RUNS ?? 12);

type Op =
  | { op: 'insert'; id: number; v: string }
  | { op: 'update'; id: number; v: string }
  | { op: 'delete'; id: number }
  | { op: 'move'; id: number };
type Step =
  | { step: 'tx'; ops: Op[] }
  | { step: 'truncate' }
  | { step: 'start'; delayMs: number }
  | { step: 'stop' }
  | { step: 'kill9'; delayMs: number };

const id = fc.integer({ min: 1, max: 30 });
// text with quotes, backslashes, unicode and the empty string
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', "it's", 'a"b', 'back\\slash', 'é😀', 'NULL'));
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('insert' as const), id, v: text }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('update' as const), id, v: text }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), id }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('move' as const), id }) },
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ step: fc.constant('tx' as const), ops: fc.array(op, { minLength: 1, maxLength: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ step: fc.constant('truncate' as const) }) },
  { weight: 2, arbitrary: fc.record({ step: fc.constant('start' as const), delayMs: fc.integer({ min: 0, max: 1500 }) }) },
  { weight: 1, arbitrary: fc.record({ step: fc.constant('stop' as const) }) },
  { weight: 2, arbitrary: fc.record({ step: fc.constant('kill9' as const), delayMs: fc.integer({ min: 0, max: 1500 }) }) },
);
const scenario = fc.record({
  initial: fc.array(fc.record({ id, v: text }), { maxLength: 25 }),
  // the engine runs from the start (full sync of `initial` under way while the steps begin)
  first: fc.integer({ min: 0, max: 1500 }),
  steps: fc.array(step, { minLength: 3, maxLength: 14 }),
});

for (const kind of ['postgres', 'mariadb'] as const) {
  describe(`reliability property: random changes and engine restarts, target equals source (${kind})`, function () {
    this.timeout(600_000);
    let server: ServerHandle;
    before(async () => { server = kind === 'postgres' ? await sharedPostgres() : await sharedMariadb(); });

    const lit = (s: string) => (kind === 'postgres' ? `'${s.replace(/'/g, "''")}'` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`);
    const upsert = (i: number, v: string) => (kind === 'postgres'
      ? `INSERT INTO t VALUES (${i}, ${lit(v)}, 0) ON CONFLICT DO NOTHING`
      : `INSERT IGNORE INTO t VALUES (${i}, ${lit(v)}, 0)`);

    it(`${RUNS} seeded runs (seed ${SEED})`, async () => {
      let runNo = 0;
      const seen = { kill9: 0, stop: 0, start: 0, truncate: 0, tx: 0 };
      await fc.assert(fc.asyncProperty(scenario, async ({ initial, first, steps: rest }) => {
        runNo++;
        const steps: Step[] = [{ step: 'start', delayMs: first }, ...rest];
        const db = await server.createDatabase();
        const schema = kind === 'postgres' ? 'public' : db;
        const sql = (q: string) => server.sql(q, [], { database: db });
        const slot = `lakesync_prop_${db}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
        let engine: CliProcess | undefined;
        let nextId = 1000;
        try {
          await sql('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(64), n INT NOT NULL)');
          for (const r of initial) await sql(upsert(r.id, r.v));
          const dir = tempDir('prop');
          const lake = join(dir, 'lake.duckdb');
          // transactions of up to 12 changes cross maxTransactionChanges: big ones are applied in parts
          const file = writeTask({ name: 'prop', source: server.source(db, kind === 'postgres' ? { slot, publication: slot } : { serverId: 6500 + runNo }),
            mode: 'multi-table-mirror', tables: [`${schema}.t`], target: { type: 'duckdb', path: lake, namespace: 'ods' },
            snapshot: { enabled: true, concurrency: 2, chunkSize: 4 },
            parameters: { flushIntervalMs: 100, maxTransactionChanges: 6 } }, dir);
          const stopEngine = async (how: 'SIGTERM' | 'SIGKILL') => {
            if (!engine) return;
            // a signal before Node has started the engine kills the process outright: a graceful
            // stop is only meaningful once the engine is up (its first output line)
            if (how === 'SIGTERM') await waitUntil('the engine to start', () => engine!.stdout().length > 0 || engine!.child.exitCode !== null, 30_000, engine);
            engine.kill(how);
            const e = engine;
            const r = await Promise.race([e.exited, sleep(30_000).then(() => undefined)]);
            if (!r) {
              e.kill('SIGKILL');
              assert.fail(`the engine did not stop within 30 s of ${how}:\nstdout (tail):\n${e.stdout().slice(-3000)}\nstderr:\n${e.stderr().slice(-3000)}`);
            }
            if (how === 'SIGTERM') assert.equal(r.code, 0, `graceful stop failed:\n${r.stderr}`);
            // an engine that exited by itself before being stopped failed: that is a finding
            assert.ok(r.signal !== null || r.code === 0, `the engine exited with ${r.code} before it was stopped:\n${r.stderr}`);
            engine = undefined;
          };
          for (const s of steps) {
            if (process.env.LAKESYNC_PROP_TRACE === '1') console.log(`      run ${runNo}: ${JSON.stringify(s)}`);
            if (s.step !== 'kill9' && s.step !== 'stop' || engine) seen[s.step]++;
            switch (s.step) {
              case 'tx': {
                const stmts = s.ops.map((o) => {
                  switch (o.op) {
                    case 'insert': return upsert(o.id, o.v);
                    case 'update': return `UPDATE t SET v = ${lit(o.v)}, n = n + 1 WHERE id = ${o.id}`;
                    case 'delete': return `DELETE FROM t WHERE id = ${o.id}`;
                    case 'move': return `UPDATE t SET id = ${nextId++} WHERE id = ${o.id}`;
                  }
                });
                if (stmts.length === 1) await sql(stmts[0]);
                else if (kind === 'mariadb') await sql(`START TRANSACTION; ${stmts.join('; ')}; COMMIT`);
                else await sql(`BEGIN; ${stmts.join('; ')}; COMMIT`);
                break;
              }
              case 'truncate': await sql('TRUNCATE TABLE t'); break;
              case 'start':
                if (!engine) { engine = spawnCli(['run', file, '--json']); await sleep(s.delayMs); }
                break;
              case 'stop': await stopEngine('SIGTERM'); break;
              case 'kill9':
                if (engine) { await sleep(s.delayMs); await stopEngine('SIGKILL'); }
                break;
            }
          }
          await stopEngine('SIGTERM');
          const r = await runCli(['run', file, '--until-caught-up'], { timeoutMs: 90_000 });
          assert.equal(r.code, 0, `run --until-caught-up:\n${r.stderr}`);
          const d = await compareTable({ server, database: db, table: { db: schema, table: 't' }, duckdbPath: lake });
          assert.ok(d.equal, formatDiff(d));
        } finally {
          engine?.kill('SIGKILL');
          if (engine) await engine.exited;
          if (kind === 'postgres') {
            await server.sql('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]).catch(() => undefined);
          }
          await server.dropDatabase(db).catch(() => undefined);
        }
      }), { numRuns: RUNS, seed: SEED, endOnFailure: true, verbose: 1, timeout: 150_000 });
      console.log(`    ${kind}: ${JSON.stringify(seen)} (steps taken over ${RUNS} runs; kill9/stop counted when an engine ran)`);
      assert.ok(seen.kill9 >= 3 && seen.truncate >= 1, 'the runs interleaved kill -9 and truncates');
    });
  });
}
