// `lakesync run` from real PostgreSQL and MariaDB into an Iceberg warehouse, every table then read
// by pyiceberg, DuckDB's iceberg extension and Iceberg Java and compared row by row, value by
// value, with the source (test/support/compare.ts): every type of the type fixtures, snapshot and
// stream, random transactions (inserts, updates, primary-key changes, deletes, unchanged TOAST),
// truncate, schema changes (add, drop, rename), and a kill -9 mid-stream followed by a resume.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, sharedMariadb, spawnCli, tempDir, uniqueName, writeTask } from '../harness';
import { compareTable, formatDiff } from '../support/compare';
import { IcebergTable } from '../../src/engine/sink/iceberg/table';
import { createWorkload, Writer } from '../integration/postgres/e2e-helpers';
import { testDatabase, type PgTestDb } from '../integration/postgres/helpers';
import { createTypesTable } from '../integration/postgres/type-cases';
import { assertReadersInstalled, outputRelation, READERS, readWith } from './readers';
import type { ServerHandle } from '../harness';

/** Every reader's rows of every table equal the source's. */
async function assertReadersEqualSource(server: ServerHandle, database: string, warehouse: string, tables: { db: string; table: string }[], file: string): Promise<void> {
  const problems: string[] = [];
  for (const table of tables) {
    const dir = join(warehouse, 'ods', table.table);
    const t = await IcebergTable.open(dir);
    assert.ok(t, `no Iceberg table at ${dir}`);
    for (const reader of READERS) {
      const out = await readWith(reader, dir);
      const d = await compareTable({ server, database, table, targetFrom: outputRelation(reader, out.file, t.schema.fields) });
      if (!d.equal) problems.push(`${reader}: ${formatDiff(d)}`);
    }
  }
  if (problems.length) {
    // the task's own account of its tables (phase, errors) beside the differences
    const st = JSON.parse((await runCli(['status', file, '--json'])).stdout || '{}') as { tables?: { source: string; phase: string; errors: { message: string }[] }[] };
    const tablesSaid = (st.tables ?? []).map((x) => `${x.source}: ${x.phase} ${x.errors.map((e) => e.message).join(' | ')}`).join('\n');
    assert.fail(`${problems.join('\n')}\nstatus:\n${tablesSaid}`);
  }
}

function icebergTask(source: Record<string, unknown>, tables: string[], dir: string): string {
  return writeTask({
    name: uniqueName('ice'),
    source,
    mode: 'multi-table-mirror',
    tables,
    target: { type: 'iceberg', warehouse: 'lake', namespace: 'ods' },
    snapshot: { concurrency: 2, chunkSize: 700 },
    rules: { dropColumn: 'drop' },
    parameters: { flushIntervalMs: 300 },
  }, dir);
}

describe('Iceberg sink end to end, read by pyiceberg, DuckDB\'s iceberg extension and Iceberg Java', function () {
  this.timeout(900_000);
  before(assertReadersInstalled);

  describe('from PostgreSQL', () => {
    let t: PgTestDb;
    before(async () => { t = await testDatabase(); });

    it('every type, random transactions with primary-key changes and TOAST, schema changes, truncate, kill -9 mid-stream: each reader returns exactly the source rows', async () => {
      await createTypesTable(t);
      await createWorkload(t, 3000);
      await t.sql('CREATE TABLE evolving (id int PRIMARY KEY, a int, b text, c numeric(8,2))');
      await t.sql(`INSERT INTO evolving SELECT g, g, 'b' || g, g / 4.0 FROM generate_series(1, 500) g`);
      await t.sql('CREATE TABLE emptied (id int PRIMARY KEY, v text)');
      await t.sql(`INSERT INTO emptied SELECT g, 'v' || g FROM generate_series(1, 300) g`);
      const dir = tempDir('ice-pg');
      const slot = `ls_${uniqueName('ice')}`;
      const file = icebergTask(t.server.source(t.db, { slot, publication: slot }), ['public.*'], dir);
      const warehouse = join(dir, 'lake');

      const writer = new Writer(t);
      let run = spawnCli(['run', file, '--json']);
      await run.waitFor(/"phase":"incremental"|incremental/, 240_000);
      writer.start();
      await new Promise((r) => setTimeout(r, 3000));
      // schema changes and a truncate while the stream runs; `lakesync query` reads the Iceberg tables
      // meanwhile. Each DDL waits for the one before to arrive: the engine describes the source table
      // when it sees a new shape, and two DDLs at once look like drops + adds, not a rename.
      const arrived = async (sql: string) => {
        const until = Date.now() + 60_000;
        for (;;) {
          const q = await runCli(['query', file, '--json', '--sql', sql]);
          if (q.code === 0 && (JSON.parse(q.stdout) as { rows: unknown[][] }).rows[0][0] === true) return;
          assert.ok(Date.now() < until, `never true while the task ran: ${sql}: ${q.stdout} ${q.stderr}`);
          await new Promise((r) => setTimeout(r, 300));
        }
      };
      await t.sql('ALTER TABLE evolving ADD COLUMN d timestamptz');
      await t.sql(`UPDATE evolving SET d = '2024-05-06 07:08:09.123456+02', a = a + 1 WHERE id % 3 = 0`);
      await arrived('SELECT count(d) = 166 FROM ods.evolving');
      await t.sql('ALTER TABLE evolving RENAME COLUMN b TO bee');
      await t.sql(`INSERT INTO evolving (id, a, bee, c, d) VALUES (1001, 1, 'new', 1.5, now())`);
      await arrived(`SELECT count(*) FILTER (WHERE id = 1001 OR bee = 'b1') = 2 FROM ods.evolving`);
      await t.sql('ALTER TABLE evolving DROP COLUMN c');
      await t.sql(`INSERT INTO evolving (id, a, bee, d) VALUES (1002, 2, 'newer', now())`);
      await t.sql('TRUNCATE emptied');
      await t.sql(`INSERT INTO emptied VALUES (1, 'after truncate')`);
      await arrived('SELECT (SELECT count(*) FROM ods.evolving WHERE id = 1002) + (SELECT count(*) FROM ods.emptied) = 2');
      run.kill('SIGKILL');
      await run.exited;
      // changes while the engine is down, then a resume from the Iceberg tables' own positions
      await new Promise((r) => setTimeout(r, 1500));
      run = spawnCli(['run', file, '--json']);
      await new Promise((r) => setTimeout(r, 6000));
      await writer.stop();
      assert.ok(writer.transactions > 20, `only ${writer.transactions} source transactions`);
      run.kill('SIGTERM');
      await run.exited;
      const res = await runCli(['run', file, '--until-caught-up'], { timeoutMs: 240_000 });
      assert.equal(res.code, 0, `run --until-caught-up:\n${res.stdout}\n${res.stderr}`);

      const tables = (await t.server.sql<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`, [], { database: t.db }))
        .map((r) => ({ db: 'public', table: r.table_name }));
      assert.ok(tables.length >= 6);
      await assertReadersEqualSource(t.server, t.db, warehouse, tables, file);
      // a table the stream changed carries its source position in its newest snapshot's summary
      const items = await IcebergTable.open(join(warehouse, 'ods', 'items'));
      assert.match(items!.summary('lakesync.position:public.items') ?? '', /^lsn:/);
    });
  });

  describe('from MariaDB', () => {
    it('types, updates, deletes, primary-key changes and a kill -9 mid-stream: each reader returns exactly the source rows', async () => {
      const server = await sharedMariadb();
      const db = await server.createDatabase();
      await server.sql(`CREATE TABLE ${db}.t (id INT PRIMARY KEY, u BIGINT UNSIGNED, d DECIMAL(30,10), y YEAR, b BIT(10), s SET('a','b','c'), e ENUM('x','y'),
        dt DATETIME(6), ts TIMESTAMP(6) NULL, tm TIME(3), j JSON, bin VARBINARY(20), txt TEXT, f FLOAT, dbl DOUBLE, tiny TINYINT)`);
      await server.sql(`INSERT INTO ${db}.t
        SELECT n, 18446744073709551615 - n, n / 7, 1901 + n % 255, n % 1024, 'a,c', IF(n % 2, 'x', 'y'), '2024-01-02 03:04:05.123456' + INTERVAL n SECOND,
        '2024-01-02 03:04:05.5' + INTERVAL n MINUTE, SEC_TO_TIME(n * 400), JSON_OBJECT('n', n), UNHEX(HEX(n)), REPEAT('x', n % 50), n / 3, n / 9, n % 127 FROM (SELECT CAST(seq AS SIGNED) AS n FROM ${db}.seq_1_to_2000) g`);
      const dir = tempDir('ice-my');
      const file = icebergTask(server.source(db), [`${db}.t`], dir);
      let run = spawnCli(['run', file, '--json']);
      await run.waitFor(/incremental/, 240_000);
      for (let i = 0; i < 30; i++) {
        await server.sql(`UPDATE ${db}.t SET d = d + 1, txt = CONCAT(txt, 'u') WHERE id % 30 = ${i}`);
        await server.sql(`DELETE FROM ${db}.t WHERE id = ${100 + i * 7}`);
        await server.sql(`UPDATE ${db}.t SET id = ${5000 + i} WHERE id = ${1000 + i}`);
        if (i === 15) { run.kill('SIGKILL'); await run.exited; run = spawnCli(['run', file, '--json']); }
      }
      run.kill('SIGTERM');
      await run.exited;
      const res = await runCli(['run', file, '--until-caught-up'], { timeoutMs: 240_000 });
      assert.equal(res.code, 0, `run --until-caught-up:\n${res.stdout}\n${res.stderr}`);
      await assertReadersEqualSource(server, db, join(dir, 'lake'), [{ db, table: 't' }], file);
    });
  });
});
