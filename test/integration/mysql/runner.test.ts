// MariaDB -> the task runner -> a DuckDB file: a full sync under concurrent writes, then changes,
// until caught up; the lakehouse equals the source row by row, on the first run and on a resume.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sharedMariadb, tempDir, waitUntil, type ServerHandle } from '../../harness';
import { createMysqlSource } from '../../../src/engine/source/mysql';
import { TaskRunner } from '../../../src/engine/runtime/runner';
import { DuckDbSink } from '../../../src/engine/sink/duckdb/sink';
import { planFor } from './helpers';

describe('MySQL source through the task runner into DuckDB', function () {
  this.timeout(180_000);
  let server: ServerHandle;
  let db: string;

  before(async () => {
    server = await sharedMariadb();
    db = await server.createDatabase();
  });
  after(async () => { await server?.dropDatabase(db); });

  const sql = (q: string) => server.sql(q, [], { database: db });

  async function sourceRows(): Promise<string[]> {
    const r = await sql('SELECT id, owner, balance, note FROM acc ORDER BY id');
    return r.map((x: Record<string, unknown>) => JSON.stringify([String(x.id), x.owner, String(x.balance), x.note]));
  }
  async function targetRows(path: string): Promise<string[]> {
    const t = await DuckDbSink.open(path);
    try {
      const r = await t.conn.rows<Record<string, string | null>>(
        'SELECT CAST(id AS VARCHAR) AS i, owner, CAST(balance AS VARCHAR) AS b, note FROM ods.acc ORDER BY acc.id');
      return r.map((x) => JSON.stringify([x.i, x.owner, x.b, x.note]));
    } finally { await t.close(); }
  }

  it('full sync under concurrent writes, then changes, then a resume: target equals source', async () => {
    await sql('CREATE TABLE acc (id INT PRIMARY KEY, owner VARCHAR(20), balance DECIMAL(12,2), note TEXT)');
    await sql(`INSERT INTO acc VALUES ${Array.from({ length: 800 }, (_, i) => `(${i * 2}, 'o${i}', ${i}.25, NULL)`).join(',')}`);
    const dir = tempDir('mysql-runner');
    const plan = { ...planFor(server, [`${db}.acc`]), target: { type: 'duckdb' as const, path: join(dir, 'lake.duckdb'), namespace: 'ods' } };
    plan.snapshot = { enabled: true, concurrency: 2, chunkSize: 50 };

    let writing = true;
    let n = 0;
    const writer = (async () => {
      while (writing) {
        n++;
        const id = (n * 37) % 1700;
        await sql(`INSERT INTO acc VALUES (${id}, 'w${n}', ${n}, 'x') ON DUPLICATE KEY UPDATE balance = balance + 1, note = 'u${n}'`);
        if (n % 3 === 0) await sql(`DELETE FROM acc WHERE id = ${(n * 11) % 1700}`);
        if (n % 5 === 0) await sql(`UPDATE IGNORE acc SET id = id + 1701 WHERE id = ${(n * 13) % 1700}`);
      }
    })();
    const first = new TaskRunner(plan, createMysqlSource(plan), { untilCaughtUp: true, controlSocket: false, statusFile: false });
    const running = first.run();
    await new Promise((r) => setTimeout(r, 1500));
    await waitUntil('writes during the full sync', () => n > 10); // a loaded machine slows the writer too
    writing = false;
    await writer;
    assert.equal(await running, 0);
    // The runner caught up with what the source had when the snapshot ended; writes after that
    // moment are picked up by the next run.
    const second = new TaskRunner(plan, createMysqlSource(plan), { untilCaughtUp: true, controlSocket: false, statusFile: false });
    assert.equal(await second.run(), 0);
    assert.ok(n > 10, `only ${n} writes`);
    assert.deepEqual(await targetRows(plan.target.path), await sourceRows());

    await sql("START TRANSACTION; UPDATE acc SET note = 'last' WHERE id = 4; DELETE FROM acc WHERE id = 6; UPDATE acc SET id = 100001 WHERE id = 8; COMMIT");
    await sql("INSERT INTO acc VALUES (100002, 'new', -1.50, 'ünï')");
    const third = new TaskRunner(plan, createMysqlSource(plan), { resume: true, untilCaughtUp: true, controlSocket: false, statusFile: false });
    assert.equal(await third.run(), 0);
    assert.deepEqual(await targetRows(plan.target.path), await sourceRows());
  });
});
