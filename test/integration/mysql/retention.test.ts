// A source that purges binlogs after an hour: the running task warns in its log and status.
import assert from 'node:assert/strict';
import { runCli, spawnCli, startMariadb, writeTask, type ServerHandle } from '../../harness';

describe('MySQL source health: binlog retention', function () {
  this.timeout(180_000);
  let my: ServerHandle;
  before(async () => { my = await startMariadb({ args: ['--binlog-expire-logs-seconds=3600'] }); });
  after(async () => { await my?.stop(); });

  it('a running task warns that its binlogs expire within hours, in the log and in status --json', async () => {
    const db = await my.createDatabase();
    await my.sql('CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, \'a\')', [], { database: db });
    const file = writeTask({ name: 'retention', source: my.source(db), mode: 'multi-table-mirror', tables: [`${db}.t`],
      target: { path: 'lake.duckdb' } });
    const run = spawnCli(['run', file]);
    try {
      await run.waitFor(/binlog retention is only 1 hours/, 60_000);
      let warnings: string[] = [];
      for (let i = 0; i < 50 && warnings.length === 0; i++) {
        const st = await runCli(['status', file, '--json']);
        warnings = JSON.parse(st.stdout).warnings ?? [];
        if (warnings.length === 0) await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      assert.match(warnings[0], /binlog_expire_logs_seconds/);
    } finally {
      run.kill('SIGINT');
      await run.exited;
    }
  });
});
