// `lakesync verify` and `--repair` on an Iceberg target, from PostgreSQL and MariaDB: the source is
// changed behind the task's back (the task stopped, the changes then skipped: PostgreSQL's slot
// advanced past them, MariaDB's written with the binary log off), verify names each changed row by
// key (a value changed, a decimal's last digit, a timestamp by one microsecond, a double by one
// bit, a row deleted, a row added), `--repair` backfills them, and then verify, pyiceberg, DuckDB's iceberg extension and
// Iceberg Java all see exactly the source's rows.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { runCli } from '../harness';
import { KINDS, Source, type Kind, type Task } from '../integration/modes/helpers';
import { compareTable, formatDiff } from '../support/compare';
import { IcebergTable } from '../../src/engine/sink/iceberg/table';
import { assertReadersInstalled, outputRelation, READERS, readWith } from './readers';

interface TableLine { event: string; source: string; result: string; rows: number; chunks: number; notCompared: string[]; differences: { kind: string; key: Record<string, string> | null; values: { column: string; source: string | null; target: string | null }[] }[] }

async function verify(task: Task, args: string[] = []): Promise<{ code: number | null; tables: TableLine[]; out: string }> {
  const r = await runCli(['verify', task.file, '--json', ...args], { timeoutMs: 300_000 });
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as TableLine);
  return { code: r.code, tables: lines.filter((l) => l.event === 'table'), out: `${r.stdout.slice(-6000)}\n${r.stderr.slice(-3000)}` };
}

/** Runs statements on the source that the stopped task will never receive. */
async function behindTheBack(src: Source, statements: string[]): Promise<void> {
  if (src.kind === 'postgres') {
    for (const s of statements) await src.sql(s);
    // the task is stopped (its slot inactive): move the slot past the changes
    const slots = await src.server.sql<{ slot_name: string }>('SELECT slot_name FROM pg_replication_slots WHERE database = $1', [src.pgDb]);
    assert.equal(slots.length, 1);
    await src.sql(`SELECT pg_replication_slot_advance('${slots[0].slot_name}', pg_current_wal_lsn())`);
    return;
  }
  // MariaDB: the changes never reach the binary log
  const s = src.server;
  const c = await mysql.createConnection({ host: s.host, port: s.port, user: s.user, password: s.password });
  try {
    await c.query('SET SESSION sql_log_bin = 0');
    for (const q of statements) await c.query(q);
  } finally {
    await c.end();
  }
}

/** Every interop reader returns exactly the source rows of the table. */
async function assertReadersEqualSource(src: Source, warehouse: string, db: string, table: string): Promise<void> {
  const dir = join(warehouse, 'ods', table);
  const t = await IcebergTable.open(dir);
  assert.ok(t, `no Iceberg table at ${dir}`);
  for (const reader of READERS) {
    const out = await readWith(reader, dir);
    const d = await compareTable({ server: src.server, database: src.pgDb ?? db, table: { db, table }, targetFrom: outputRelation(reader, out.file, t.schema.fields) });
    assert.ok(d.equal, `${reader} after repair: ${formatDiff(d)}`);
  }
}

for (const kind of KINDS) {
  describe(`lakesync verify on an Iceberg target (${kind})`, function () {
    this.timeout(900_000);
    let src: Source;
    let task: Task | undefined;
    before(assertReadersInstalled);
    afterEach(async () => { task?.kill(); task = undefined; await src?.cleanup(); });

    it('equal, then finds source changes the task never saw by key, and --repair makes every reader see the source rows', async () => {
      src = await Source.create(kind as Kind);
      const sp = await src.space('iv');
      const pg = kind === 'postgres';
      // columns whose Iceberg form is not the type map's type: interval / timetz as text (PostgreSQL),
      // unsigned BIGINT as decimal(20, 0), BIT as text, TIME (MariaDB)
      const extra = pg ? 'iv interval, tz timetz, dbl float8, fl real' : 'u bigint unsigned, b bit(10), tm time(3), dbl double, fl float';
      await src.sql(`CREATE TABLE ${sp}.items (id int PRIMARY KEY, name ${pg ? 'text' : 'varchar(200)'}, price decimal(12,2), ts ${pg ? 'timestamp(6)' : 'datetime(6)'}, ${extra})`);
      const values: string[] = [];
      for (let i = 1; i <= 2000; i++) {
        const more = pg ? `make_interval(${i % 3}, ${i % 13}, 0, ${i}, ${i % 24}, 0, ${i} / 1000000.0), '12:${String(i % 60).padStart(2, '0')}:00+0${i % 9}', ${i} / 7.0, ${i} / 3.0`
          : `${18446744073709551615n - BigInt(i)}, ${i % 1024}, '${String(i % 800).padStart(2, '0')}:00:01.5', ${i} / 7e0, ${i} / 3e0`;
        values.push(`(${i}, 'item ${i}', ${i}.25, '2024-01-01 10:00:00.${String(i % 1000).padStart(6, '0')}', ${more})`);
      }
      await src.sql(`INSERT INTO ${sp}.items VALUES ${values.join(', ')}`);
      task = src.task({
        mode: 'multi-table-mirror', tables: [`${sp}.items`], snapshot: { concurrency: 2, chunkSize: 300 },
        target: { type: 'iceberg', warehouse: 'lake', namespace: 'ods' }, parameters: { flushIntervalMs: 300 },
      });
      const warehouse = join(task.file, '..', 'lake');
      await task.start();
      await task.waitPhase(`${sp}.items`, 'incremental', 240_000);
      // streamed changes first: verify compares what the stream wrote too
      await src.sql(`UPDATE ${sp}.items SET name = 'streamed' WHERE id % 100 = 0`);
      await src.sql(`DELETE FROM ${sp}.items WHERE id = 1000`);
      await task.waitSame(`${sp}.items`, 'items', ['id', 'name', 'price']);

      const ok = await verify(task);
      assert.equal(ok.code, 0, ok.out);
      assert.deepEqual(ok.tables.map((t) => [t.source, t.result, t.rows]), [[`${sp}.items`, 'equal', 1999]]);
      assert.ok(ok.tables[0].chunks >= 6, `verified in key-range chunks (${ok.tables[0].chunks})`);
      assert.deepEqual(ok.tables[0].notCompared, []);

      // behind the task's back: a value changed, a decimal's last digit, a timestamp by 1 µs, a row deleted, a row added
      await task.stop();
      await behindTheBack(src, [
        `UPDATE ${sp}.items SET name = 'changed' WHERE id = 10`,
        `UPDATE ${sp}.items SET price = price + 0.01 WHERE id = 1500`,
        `UPDATE ${sp}.items SET ts = ts + ${pg ? `interval '1 microsecond'` : 'interval 1 microsecond'} WHERE id = 1999`,
        pg ? `UPDATE ${sp}.items SET iv = iv + interval '1 microsecond', tz = '12:00:00+03' WHERE id = 7` : `UPDATE ${sp}.items SET u = u + 1, b = b ^ 1, tm = '00:00:01.6' WHERE id = 7`,
        `UPDATE ${sp}.items SET dbl = dbl * (1 + 2.220446049250313e-16) WHERE id = 8`, // one bit of a double
        `DELETE FROM ${sp}.items WHERE id = 20`,
        `INSERT INTO ${sp}.items (id, name, price, ts) VALUES (5000, 'ghost', 1, '2024-01-01 00:00:00')`,
      ]);
      await task.start();
      await task.waitPhase(`${sp}.items`, 'incremental');
      const bad = await verify(task);
      assert.equal(bad.code, 1, bad.out);
      const found = bad.tables[0].differences.map((d) => `${d.kind} ${d.key?.id} ${d.values.map((v) => v.column).join(',')}`).sort();
      const all = `id,name,price,ts,${pg ? 'iv,tz' : 'u,b,tm'},dbl,fl`;
      assert.deepEqual(found, ['different 10 name', 'different 1500 price', 'different 1999 ts', `different 7 ${pg ? 'iv,tz' : 'u,b,tm'}`, 'different 8 dbl',
        `missing 5000 ${all}`, `extra 20 ${all}`].sort(), bad.out);
      const price = bad.tables[0].differences.find((d) => d.key?.id === '1500')!.values[0];
      assert.deepEqual([price.source, price.target], ['1500.26', '1500.25']);

      const fixed = await verify(task, ['--repair']);
      assert.equal(fixed.code, 0, fixed.out);
      const again = await verify(task);
      assert.equal(again.code, 0, again.out);
      assert.deepEqual(again.tables.map((t) => [t.result, t.rows]), [['equal', 1999]]);
      await task.stop();
      await assertReadersEqualSource(src, warehouse, sp, 'items');
    });
  });
}
