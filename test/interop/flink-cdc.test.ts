// Interop: every pipeline `lakesync export --to flink-cdc` writes is read by Apache Flink CDC's own
// code from Maven Central (test/interop/flink-cdc: YamlPipelineDefinitionParser, and for MySQL the
// composer's DataSourceTranslator, which validates the connector options and lists the tables
// the selectors capture on the harness's live MariaDB). One pipeline is a hand-over: the running
// LakeSync task is stopped through its control socket and the pipeline starts at its checkpoint.
// The Maven downloads live in .cache/m2 (test/interop/flink-cdc/fetch.sh, run by .ci/run first).
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCli, sharedMariadb, sharedPostgres, sleep, spawnCli, tempDir, uniqueName, writeTask } from '../harness';
import { loadTask } from '../../src/engine/config';
import { discoverTables, planMappings } from '../../src/engine/source/discover';
import { exportFlinkCdc } from '../../src/engine/export/flink-cdc/pipeline';
import { readHandoverPosition, stopRunningTask } from '../../src/engine/export/handover';
import { readOfflineState } from '../../src/engine/runtime/offline';

const MODULE = join(repoRoot, 'test', 'interop', 'flink-cdc');

function mvn(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('mvn', ['-B', '-o', `-Dmaven.repo.local=${join(repoRoot, '.cache', 'm2')}`, ...args], { cwd: MODULE, env });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out }); });
  });
}

describe('interop: Flink CDC parses and builds every exported pipeline', function () {
  this.timeout(900_000);

  it('mirror, database-mirror, merge and a MariaDB hand-over (MySQL source built against the live server), PostgreSQL parsed', async () => {
    const maria = await sharedMariadb();
    const pg = await sharedPostgres();
    const out = tempDir('flink-cdc-pipelines');
    const expect: Record<string, string[]> = {};
    const secrets = [maria.password, pg.password];

    // --- MariaDB tables: a shop and two shards with equal keys ---
    const shop = await maria.createDatabase(uniqueName('shop').toLowerCase());
    await maria.sql(`CREATE TABLE ${shop}.orders (id INT PRIMARY KEY, total DECIMAL(12,2));
      CREATE TABLE ${shop}.order_lines (id INT PRIMARY KEY, order_id INT);
      CREATE TABLE ${shop}.order_tmp (id INT PRIMARY KEY);
      INSERT INTO ${shop}.orders VALUES (1, 9.50), (2, 20.00);`);
    const shard = uniqueName('shard').toLowerCase();
    for (const s of ['a', 'b']) {
      await maria.createDatabase(`${shard}_${s}`);
      await maria.sql(`CREATE TABLE ${shard}_${s}.orders (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO ${shard}_${s}.orders VALUES (1, '${s}')`);
    }
    const dir = tempDir('flink-cdc-tasks');
    const tasks: [string, Record<string, unknown>, string[]][] = [
      ['mirror', { mode: 'multi-table-mirror', tables: [`${shop}.orders`, `${shop}.order_*`], exclude: [`${shop}.order_tmp`] }, [`${shop}.order_lines`, `${shop}.orders`]],
      ['dbmirror', { mode: 'database-mirror', databases: [shop] }, [`${shop}.order_lines`, `${shop}.order_tmp`, `${shop}.orders`]],
      ['merge', { mode: 'multi-table-merge', virtualTables: { orders_all: [`${shard}_[ab]\\.orders`] } }, [`${shard}_a.orders`, `${shard}_b.orders`]],
    ];
    for (const [name, body, tables] of tasks) {
      const file = writeTask({ name, source: maria.source(), ...body, target: { path: join(dir, `${name}.duckdb`) } }, dir);
      const r = await runCli(['export', file, '--to', 'flink-cdc', '--out', join(out, `${name}.yaml`)]);
      assert.equal(r.code, 0, `export ${name}: ${r.stdout}\n${r.stderr}`);
      expect[name] = tables;
    }

    // --- PostgreSQL: parsed only (no PostgreSQL pipeline connector is served for the Flink CDC that resolves) ---
    const pgDb = await pg.createDatabase();
    await pg.sql('CREATE TABLE public.items (id int PRIMARY KEY, name text)', [], { database: pgDb });
    const pgFile = writeTask({ name: 'pgmirror', source: pg.source(pgDb), mode: 'database-mirror', databases: ['public'], target: { path: join(dir, 'pg.duckdb') } }, dir);
    const pr = await runCli(['export', pgFile, '--to', 'flink-cdc', '--sink', 'paimon', '--out', join(out, 'pgmirror.yaml')]);
    assert.equal(pr.code, 0, `export pgmirror: ${pr.stdout}\n${pr.stderr}`);

    // --- hand-over: run the task until it streams, stop it through its socket, start Flink at its checkpoint ---
    const hoFile = writeTask({ name: 'handover', source: maria.source(), mode: 'multi-table-mirror', tables: [`${shop}.orders`], target: { path: join(dir, 'handover.duckdb') } }, dir);
    const run = spawnCli(['run', hoFile, '--json']);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const s = await runCli(['status', hoFile, '--json'], { timeoutMs: 30_000 });
      const st = s.code === 0 ? JSON.parse(s.stdout) as { running?: boolean; tables?: { phase: string }[] } : undefined;
      if (st?.running && st.tables?.length && st.tables.every((t) => t.phase === 'incremental')) break;
      assert.ok(Date.now() < deadline, `the hand-over task did not reach incremental: ${s.stdout}${run.stderr().slice(-2000)}`);
      await sleep(300);
    }
    await maria.sql(`INSERT INTO ${shop}.orders VALUES (3, 1.25)`);
    await sleep(1500); // let it apply and checkpoint the change; the stop below applies whatever is left
    const plan = await loadTask(hoFile, { env: { ...process.env, ...maria.env } });
    const { mappings } = planMappings(plan, await discoverTables(plan));
    assert.equal(await stopRunningTask(hoFile), 'stopped');
    const exited = await run.exited;
    assert.equal(exited.code, 0, `graceful stop: ${exited.stderr.slice(-2000)}`);
    const state = await readOfflineState(plan.target);
    const start = await readHandoverPosition(plan);
    assert.equal(start.checkpoint, state!.checkpoint!.position);
    assert.equal(start.kind, 'binlog');
    assert.ok(start.kind === 'binlog' && start.mariadb && start.file && start.pos! > 4, `a MariaDB file/pos position: ${JSON.stringify(start)}`);
    const ho = exportFlinkCdc({ plan, rawSource: maria.source(), mappings, sink: 'iceberg', warehouse: join(dir, 'wh'), start });
    assert.deepEqual(ho.refusals, []);
    writeFileSync(join(out, 'handover.yaml'), ho.yaml);
    expect.handover = [`${shop}.orders`];
    assert.equal(await stopRunningTask(hoFile), 'not-running');

    // --- secrets are never resolved into a pipeline ---
    const files = readdirSync(out).filter((f) => f.endsWith('.yaml'));
    assert.equal(files.length, 5);
    for (const f of files) {
      const text = readFileSync(join(out, f), 'utf8');
      for (const s of secrets) assert.ok(!text.includes(s), `${f} contains a server password`);
      assert.match(text, /password: '\$\{LAKESYNC_TEST_/);
    }

    // --- Flink CDC's own code reads them ---
    const reports = join(MODULE, 'target', 'surefire-reports');
    if (existsSync(reports)) rmSync(reports, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const props = Object.entries(expect).map(([k, v]) => `-Dlakesync.expect.${k}=${[...v].sort().join(',')}`);
    const r = await mvn(['-q', 'test', `-Dlakesync.pipelines=${out}`, ...props], { ...process.env, ...maria.env, ...pg.env }, 600_000);
    const log = r.out.split('\n').filter((l) => /\.yaml: /.test(l));
    console.log(log.map((l) => `      ${l}`).join('\n'));
    assert.equal(r.code, 0, `Flink CDC rejected an exported pipeline (or its Maven artifacts are not in .cache/m2: run test/interop/flink-cdc/fetch.sh):\n${r.out.slice(-6000)}`);
    const xml = readdirSync(reports).filter((f) => f.endsWith('.xml')).map((f) => readFileSync(join(reports, f), 'utf8')).join('');
    const m = /<testsuite [^>]*tests="(\d+)"[^>]*errors="(\d+)"[^>]*skipped="(\d+)"[^>]*failures="(\d+)"/.exec(xml);
    assert.ok(m, 'surefire report');
    assert.deepEqual({ tests: Number(m[1]), errors: Number(m[2]), skipped: Number(m[3]), failures: Number(m[4]) }, { tests: 5, errors: 0, skipped: 0, failures: 0 });
    for (const name of Object.keys(expect)) assert.ok(log.some((l) => l.startsWith(`${name}.yaml: the MySQL source captures`)), `${name}: tables listed by the connector`);
  });
});
