// The CLI users run is the esbuild bundle (dist/engine.js), not the TypeScript sources the other
// integration tests load. The binlog reader names events by class name, which bundling may rename:
// these changes only arrive when every binlog event is recognised in the bundle.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, sharedMariadb, tempDir, writeTask, type ServerHandle } from '../../harness';
import { assertTablesEqual } from '../../support/compare';

describe('reliability: the bundled CLI streams every binlog event kind (MariaDB)', function () {
  this.timeout(120_000);
  let server: ServerHandle;
  let db: string;
  before(async () => { server = await sharedMariadb(); db = await server.createDatabase(); });
  after(async () => { await server?.dropDatabase(db); });

  it('TRUNCATE and ALTER TABLE (QUERY events) after the snapshot: equal', async () => {
    const sql = (q: string) => server.sql(q, [], { database: db });
    await sql('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))');
    await sql("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    const dir = tempDir('bundle');
    const lake = join(dir, 'lake.duckdb');
    const file = writeTask({ name: 'bundle', source: server.source(db, { serverId: 6901 }), mode: 'multi-table-mirror', tables: [`${db}.t`],
      target: { type: 'duckdb', path: lake, namespace: 'ods' } }, dir);
    let r = await runCli(['run', file, '--until-caught-up']);
    assert.equal(r.code, 0, r.stderr);
    await sql('TRUNCATE TABLE t');
    await sql("INSERT INTO t VALUES (10, 'after truncate')");
    await sql('ALTER TABLE t ADD COLUMN n INT');
    await sql("INSERT INTO t VALUES (11, 'after alter', 7)");
    r = await runCli(['run', file, '--until-caught-up'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    await assertTablesEqual([{ server, database: db, table: { db, table: 't' }, duckdbPath: lake }]);
  });
});
