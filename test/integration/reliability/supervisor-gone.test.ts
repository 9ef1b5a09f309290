// `lakesync run --supervise` killed with SIGKILL cannot forward a stop to its engine. The engine
// used to stream on unseen (holding the replication slot and its terminal's pipes: a test run
// whose supervisor was killed waited for those pipes until CI's time ran out). It now notices that
// it was reparented, stops gracefully (checkpoint saved) and exits; a rerun resumes from there.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, sharedPostgres, spawnCli, tempDir, waitUntil, writeTask, type ServerHandle } from '../../harness';
import { childPids } from '../../harness/servers/process';
import { assertTablesEqual } from '../../support/compare';

/** True while a process with this pid exists. */
const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };


describe('reliability: the supervisor killed with -9', function () {
  this.timeout(90_000);
  let server: ServerHandle;
  let db: string;
  const slot = `lakesync_supgone_${process.pid}`;
  before(async () => { server = await sharedPostgres(); db = await server.createDatabase(); });
  after(async () => {
    await server.sql('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]).catch(() => undefined);
    await server?.dropDatabase(db);
  });

  it('its engine stops by itself within seconds, checkpointed; the rerun resumes and the target equals the source', async () => {
    await server.sql('CREATE TABLE t (id INT PRIMARY KEY, v TEXT); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 2000) g', [], { database: db });
    const dir = tempDir('supervisor-gone');
    const lake = join(dir, 'lake.duckdb');
    const file = writeTask({ name: 'supgone', source: server.source(db, { slot, publication: slot }), mode: 'multi-table-mirror',
      tables: ['public.t'], target: { type: 'duckdb', path: lake, namespace: 'ods' } }, dir);
    const p = spawnCli(['run', file, '--supervise']);
    await p.waitFor(/public\.t: (incremental|full sync done)/, 60_000);
    const [engine] = childPids(p.pid); // the supervisor's only child
    assert.ok(engine && alive(engine), 'the supervised engine runs');
    await server.sql("INSERT INTO t VALUES (5001, 'while supervised')", [], { database: db });
    p.kill('SIGKILL');
    await p.exited;
    await waitUntil('the orphaned engine to stop by itself', () => !alive(engine!), 30_000);
    await server.sql("INSERT INTO t VALUES (5002, 'after the supervisor died'); UPDATE t SET v = 'changed' WHERE id <= 10", [], { database: db });
    const r = await runCli(['run', file, '--until-caught-up'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    await assertTablesEqual([{ server, database: db, table: { db: 'public', table: 't' }, duckdbPath: lake }]);
  });
});
