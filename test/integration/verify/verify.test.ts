// `lakesync verify` against a running task on real servers: equal tables verify equal while a
// writer changes them (never a false difference, also over 100 verifications of one chunk under
// writes), changes made behind LakeSync's back in the target are found and named by key,
// `--repair` makes the table equal again, keyless tables compare as multisets and merged shards
// with equal keys stay apart.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { repoRoot, runCli, sleep, spawnCli } from '../../harness';
import { KINDS, Source, type Kind, type Task } from '../modes/helpers';
import { loadTask } from '../../../src/engine/config';
import { createSource, prepareTable } from '../../../src/engine/commands/verify';
import { planRoutes } from '../../../src/engine/pipeline/routing';

interface TableLine { event: string; source: string; result: string; rows: number; chunks: number; differences: { kind: string; key: Record<string, string> | null; values: { column: string; source: string | null; target: string | null }[]; count?: number }[] }

async function verify(task: Task, args: string[] = []): Promise<{ code: number | null; tables: TableLine[]; out: string }> {
  const r = await runCli(['verify', task.file, '--json', ...args], { timeoutMs: 300_000 });
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as TableLine);
  return { code: r.code, tables: lines.filter((l) => l.event === 'table'), out: `${r.stdout}\n${r.stderr}` };
}

/**
 * Changes the lakehouse file directly (the engine must be stopped: DuckDB has one writer), in a
 * child process, so the file lock is surely gone when the engine starts again.
 */
async function tamper(path: string, statements: string[]): Promise<void> {
  const script = `const { DuckDBInstance } = require('@duckdb/node-api');
    (async () => { const db = await DuckDBInstance.create(process.argv[1]); const c = await db.connect();
      for (const s of JSON.parse(process.argv[2])) await c.run(s); c.closeSync(); db.closeSync(); })()
      .catch((e) => { console.error(e.message); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', script, path, JSON.stringify(statements)], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

/**
 * Starts the task again after `tamper`. Not Task.start(): its `lakesync status` polls read the
 * lakehouse file while no engine answers, and one of them can hold the file just as the engine
 * opens it. The engine's own status lines say it is up.
 */
async function restart(task: Task): Promise<void> {
  task.run = spawnCli(['run', task.file, '--json']);
  await task.run.waitFor(/"type":"status"/, 60_000);
}

/** Updates and inserts in a loop until stopped; returns how many statements ran. */
function writer(src: Source, statements: (i: number) => string[]): { stop: () => Promise<number> } {
  let running = true; let n = 0;
  const done = (async () => {
    for (let i = 0; running; i++) {
      for (const s of statements(i)) { await src.sql(s); n++; }
      await sleep(5);
    }
  })();
  return { stop: async () => { running = false; await done; return n; } };
}

for (const kind of KINDS) {
  describe(`lakesync verify (${kind})`, function () {
    this.timeout(600_000);
    let src: Source;
    let task: Task | undefined;
    afterEach(async () => { task?.kill(); task = undefined; await src?.cleanup(); });

    const ts = kind === 'postgres' ? 'timestamp(6)' : 'datetime(6)';
    const text = kind === 'postgres' ? 'text' : 'varchar(200)';

    it('equal under a writer, then finds each change made behind its back by key, and --repair fixes them', async () => {
      src = await Source.create(kind as Kind);
      const sp = await src.space('v');
      await src.sql(`CREATE TABLE ${sp}.items (id int PRIMARY KEY, name ${text}, price decimal(12,2), ts ${ts})`);
      await src.sql(`CREATE TABLE ${sp}.events (a int, b ${text})`);
      if (kind === 'postgres') await src.sql(`ALTER TABLE ${sp}.events REPLICA IDENTITY FULL`);
      const values: string[] = [];
      for (let i = 1; i <= 2000; i++) values.push(`(${i}, 'item ${i}', ${i}.25, '2024-01-01 10:00:00.${String(i % 1000).padStart(6, '0')}')`);
      await src.sql(`INSERT INTO ${sp}.items VALUES ${values.join(', ')}`);
      await src.sql(`INSERT INTO ${sp}.events VALUES (1, 'a'), (1, 'a'), (1, 'a'), (2, 'b'), (2, NULL)`);
      task = src.task({ mode: 'multi-table-mirror', tables: [`${sp}.items`, `${sp}.events`], snapshot: { concurrency: 2, chunkSize: 300 } });
      await task.start();
      await task.waitPhase(`${sp}.items`, 'incremental');
      await task.waitPhase(`${sp}.events`, 'incremental');

      // a writer keeps changing the rows of the verified chunks
      const w = writer(src, (i) => [
        `UPDATE ${sp}.items SET name = 'w${i}', price = price + 1 WHERE id = ${1 + (i * 7) % 2000}`,
        `INSERT INTO ${sp}.events VALUES (${i}, 'w')`,
      ]);
      try {
        const r = await verify(task);
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(r.tables.map((t) => [t.source, t.result]).sort(), [[`${sp}.events`, 'equal'], [`${sp}.items`, 'equal']]);
        const chunks = r.tables.find((t) => t.source === `${sp}.items`)!.chunks;
        assert.ok(chunks >= 6, `items verified in chunks (${chunks})`);

        // 100 verifications of one chunk while the writer hammers exactly its rows
        const plan = await loadTask(task.file, { env: { ...process.env, ...src.server.env } });
        const { adapter, reader } = await createSource(plan);
        const w2 = writer(src, (i) => [`UPDATE ${sp}.items SET name = 'hot${i}', ts = ts + interval '1' second WHERE id = ${1 + (i % 50)}`]);
        try {
          const route = planRoutes(plan, await adapter.discover()).routes.find((x) => x.key === `${sp}.items`)!;
          const { ranges, verifier } = await prepareTable(plan, route, adapter, reader, 300, 'id <= 100');
          assert.equal(ranges.length, 1);
          let attempts = 0;
          for (let i = 0; i < 100; i++) {
            const c = await verifier.verify(ranges[0].src, ranges[0].tgt);
            assert.equal(c.rows, 100);
            assert.deepEqual(c.differences, [], `run ${i} at ${c.position}: a change in flight was reported as a difference`);
            attempts += c.attempts;
          }
          console.log(`      100 runs of one chunk under writes: ${attempts} reads (retries when the task was already past the read's position)`);
        } finally {
          await w2.stop();
          await reader.close(); await adapter.close();
        }
      } finally {
        const n = await w.stop();
        assert.ok(n > 20, `the writer ran (${n} statements)`);
      }

      // behind LakeSync's back: one row changed, one deleted, one added, a decimal's last digit, a timestamp by 1 µs
      await task.waitSame(`${sp}.items`, 'items', ['id', 'name', 'price']);
      await task.stop();
      await tamper(task.lake, [
        `UPDATE ods.items SET name = 'changed' WHERE id = 10`,
        `DELETE FROM ods.items WHERE id = 20`,
        `INSERT INTO ods.items (id, name, price, ts) VALUES (5000, 'ghost', 1, TIMESTAMP '2024-01-01 00:00:00')`,
        `UPDATE ods.items SET price = price + 0.01 WHERE id = 1500`,
        `UPDATE ods.items SET ts = ts + INTERVAL 1 MICROSECOND WHERE id = 1999`,
        `DELETE FROM ods.events WHERE rowid = (SELECT min(rowid) FROM ods.events WHERE a = 1)`,
      ]);
      await restart(task);
      await task.waitPhase(`${sp}.items`, 'incremental');
      const bad = await verify(task);
      assert.equal(bad.code, 1, bad.out);
      const items = bad.tables.find((t) => t.source === `${sp}.items`)!;
      assert.equal(items.result, 'different');
      const found = items.differences.map((d) => `${d.kind} ${d.key?.id} ${d.values.map((v) => v.column).join(',')}`).sort();
      assert.deepEqual(found, ['different 10 name', 'different 1500 price', 'different 1999 ts', 'extra 5000 id,name,price,ts', 'missing 20 id,name,price,ts']);
      const price = items.differences.find((d) => d.key?.id === '1500')!.values[0];
      // the writer moved the price on; the target's is one cent (the last digit) above the source's
      assert.equal(Math.round(Number(price.target) * 100) - Math.round(Number(price.source) * 100), 1, `${price.source} vs ${price.target}`);
      assert.match(price.target!, /^\d+\.26$/);
      const events = bad.tables.find((t) => t.source === `${sp}.events`)!;
      assert.equal(events.result, 'different');
      assert.deepEqual(events.differences.map((d) => [d.kind, d.count, d.values.map((v) => v.source)]), [['missing', 1, ['1', 'a']]]);
      // people read the same, by key
      const human = await runCli(['verify', task.file, '--table', `${sp}.items`], { timeoutMs: 300_000 });
      assert.equal(human.code, 1);
      assert.match(human.stdout, /id=1500: differs\n\s+price: source \d+\.25 \| target \d+\.26/);
      assert.match(human.stdout, /id=20: missing in the target/);
      assert.match(human.stdout, /id=5000: only in the target/);
      // the timestamp shifted by one microsecond, readable
      assert.match(human.stdout, /id=1999: differs\n\s+ts: source 2024-01-01 \d\d:\d\d:\d\d\.000999 \| target 2024-01-01 \d\d:\d\d:\d\d\.001/);

      const fixed = await verify(task, ['--repair']);
      assert.equal(fixed.code, 0, fixed.out);
      const again = await verify(task);
      assert.equal(again.code, 0, again.out);
      assert.deepEqual(again.tables.map((t) => t.result), ['equal', 'equal']);
      await task.stop();
    });

    it('merged shards with equal keys: each shard is verified against its own rows', async () => {
      src = await Source.create(kind as Kind);
      const a = await src.space('sha'); const b = await src.space('shb');
      for (const s of [a, b]) {
        await src.sql(`CREATE TABLE ${s}.orders (id int PRIMARY KEY, note ${text})`);
        await src.sql(`INSERT INTO ${s}.orders VALUES (1, '${s} one'), (2, '${s} two'), (3, '${s} three')`);
      }
      task = src.task({ mode: 'multi-table-merge', virtualTables: { orders_all: [`(${a}|${b})\\.orders`] } });
      await task.start();
      await task.waitPhase(`${a}.orders`, 'incremental');
      await task.waitPhase(`${b}.orders`, 'incremental');
      const ok = await verify(task);
      assert.equal(ok.code, 0, ok.out);
      assert.deepEqual(ok.tables.map((t) => [t.source, t.result, t.rows]).sort(), [[`${a}.orders`, 'equal', 3], [`${b}.orders`, 'equal', 3]]);
      await task.stop();
      await tamper(task.lake, [`UPDATE ods.orders_all SET note = 'swapped' WHERE id = 2 AND _lakesync_source_db = '${b}'`]);
      await restart(task);
      await task.waitPhase(`${b}.orders`, 'incremental');
      const r = await verify(task);
      assert.equal(r.code, 1, r.out);
      assert.deepEqual(r.tables.map((t) => [t.source, t.result, t.differences.map((d) => d.key?.id)]).sort(),
        [[`${a}.orders`, 'equal', []], [`${b}.orders`, 'different', ['2']]]);
      await task.stop();
    });
  });
}
