// A graceful stop (SIGTERM, `stop` on the control socket) that arrives while the change stream is
// being opened: the task must still stop, with its checkpoint. Found by the property test: the
// stop found no stream to interrupt yet, and the engine then streamed forever, ignoring it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sharedMariadb, sharedPostgres, sleep, tempDir, writeTask, type ServerHandle } from '../../harness';
import { loadTask } from '../../../src/engine/config';
import { TaskRunner } from '../../../src/engine/runtime/runner';
import { createPostgresSource } from '../../../src/engine/source/postgres';
import { createMysqlSource } from '../../../src/engine/source/mysql';
import { assertTablesEqual } from '../../support/compare';

for (const kind of ['postgres', 'mariadb'] as const) {
  describe(`reliability: a stop while the stream opens (${kind})`, function () {
    this.timeout(60_000);
    let server: ServerHandle;
    let db: string;
    before(async () => { server = kind === 'postgres' ? await sharedPostgres() : await sharedMariadb(); db = await server.createDatabase(); });
    after(async () => {
      if (kind === 'postgres') await server.sql('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1', [db]).catch(() => undefined);
      await server?.dropDatabase(db);
    });

    it('stops within seconds, exit code 0, target equal', async () => {
      const schema = kind === 'postgres' ? 'public' : db;
      await server.sql('CREATE TABLE t (id INT PRIMARY KEY, v INT)', [], { database: db });
      await server.sql('INSERT INTO t VALUES (1, 1), (2, 2)', [], { database: db });
      const dir = tempDir('stoprace');
      const slot = `lakesync_stop_${db}`.toLowerCase();
      const file = writeTask({ name: 'stoprace', source: server.source(db, kind === 'postgres' ? { slot, publication: slot } : { serverId: 6990 }),
        mode: 'multi-table-mirror', tables: [`${schema}.t`], target: { type: 'duckdb', path: join(dir, 'lake.duckdb'), namespace: 'ods' } }, dir);
      process.env[server.passwordEnv] = server.password;
      const plan = await loadTask(file);
      const adapter = kind === 'postgres' ? createPostgresSource(plan) : createMysqlSource(plan);
      const open = adapter.stream.bind(adapter);
      const holder: { runner?: TaskRunner } = {};
      adapter.stream = async (...args) => { holder.runner!.stop(); return open(...args); }; // the stop lands while the stream opens
      const runner = new TaskRunner(plan, adapter, { controlSocket: false });
      holder.runner = runner;
      const code = await Promise.race([runner.run(), sleep(20_000).then(() => 'still running 20 s after the stop')]);
      if (code !== 0) runner.stop();
      assert.equal(code, 0);
      await assertTablesEqual([{ server, database: db, table: { db: schema, table: 't' }, duckdbPath: plan.target.path }]);
    });
  });
}
