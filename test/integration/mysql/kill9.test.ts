// kill -9 of the engine process during the full sync and during streaming, then a restart:
// the lakehouse equals the source, with no row twice and none missing.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { sharedMariadb, tempDir, type ServerHandle } from '../../harness';
import { DuckDbSink } from '../../../src/engine/sink/duckdb/sink';
import { planFor } from './helpers';

const script = join(__dirname, 'run-task.ts');

function startTask(plan: object, untilCaughtUp = false): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script, ...(untilCaughtUp ? ['--until-caught-up'] : [])], {
    env: { ...process.env, LAKESYNC_TEST_PLAN: JSON.stringify(plan) }, stdio: ['ignore', 'ignore', 'pipe'],
  });
}
const exited = (p: ChildProcess): Promise<number | null> => new Promise((r) => {
  if (p.exitCode !== null || p.signalCode !== null) r(p.exitCode); else p.once('exit', (code) => r(code));
});

describe('MySQL task killed with SIGKILL, then restarted', function () {
  this.timeout(240_000);
  let server: ServerHandle;
  let db: string;

  before(async () => { server = await sharedMariadb(); db = await server.createDatabase(); });
  after(async () => { await server?.dropDatabase(db); });

  const sql = (q: string) => server.sql(q, [], { database: db });

  it('early in the full sync and during streaming: equal, no duplicates', async () => {
    await sql('CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(40), n BIGINT)');
    for (let b = 0; b < 10; b++) {
      await sql(`INSERT INTO big VALUES ${Array.from({ length: 2000 }, (_, i) => `(${b * 2000 + i}, 'v${b * 2000 + i}', ${i})`).join(',')}`);
    }
    const dir = tempDir('mysql-kill9');
    const plan = { ...planFor(server, [`${db}.big`]), target: { type: 'duckdb' as const, path: join(dir, 'lake.duckdb'), namespace: 'ods' },
      snapshot: { enabled: true, concurrency: 2, chunkSize: 500 } };

    // 1. kill -9 early in the full sync (the chunk state at that moment is not asserted)
    const a = startTask(plan);
    await new Promise((r) => setTimeout(r, 4000));
    a.kill('SIGKILL');
    await exited(a);
    await sql("UPDATE big SET v = 'changed' WHERE id % 7 = 0");
    // 2. restart, let it stream, kill -9 while changes flow
    const b = startTask(plan);
    let stop = false;
    const writer = (async () => {
      let i = 0;
      while (!stop) {
        i++;
        await sql(`INSERT INTO big VALUES (${100000 + i}, 'w', ${i}); UPDATE big SET n = n + 1 WHERE id = ${i * 3}; DELETE FROM big WHERE id = ${i * 5 + 1}`);
      }
    })();
    await new Promise((r) => setTimeout(r, 6000));
    b.kill('SIGKILL');
    await exited(b);
    stop = true;
    await writer;
    // 3. run until caught up
    let err = '';
    const c = startTask(plan, true);
    c.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
    assert.equal(await exited(c), 0, err);

    const src = (await sql('SELECT id, v, n FROM big ORDER BY id')).map((r: Record<string, unknown>) => `${r.id}|${r.v}|${r.n}`);
    const t = await DuckDbSink.open(plan.target.path);
    let dst: string[];
    try {
      const rows = await t.conn.rows<{ x: string }>("SELECT CAST(id AS VARCHAR) || '|' || v || '|' || CAST(n AS VARCHAR) AS x FROM ods.big ORDER BY big.id");
      dst = rows.map((r) => r.x);
    } finally { await t.close(); }
    assert.equal(new Set(dst).size, dst.length, 'no duplicates');
    assert.equal(dst.length, src.length);
    assert.deepEqual(dst, src);
  });
});
