// `lakesync status` of a task writing an Iceberg warehouse shows each table's files, snapshots and
// last maintenance (while it runs and after it stopped), and the outcome of the newest
// `lakesync verify` of each table (verified-at, result, differences), as the dashboard shows them.
import assert from 'node:assert/strict';
import { runCli } from '../../harness';
import { KINDS, Source, insertRows, type Task } from '../modes/helpers';
import type { TaskStatus } from '../../../src/protocol/status';

async function status(task: Task): Promise<{ out: TaskStatus; text: string }> {
  const out = await task.json<TaskStatus>('status');
  const text = await task.cli('status');
  return { out, text };
}

for (const kind of KINDS) {
  describe(`Iceberg storage and verify results in lakesync status (${kind})`, function () {
    this.timeout(300_000);
    let src: Source;
    let task: Task | undefined;
    afterEach(async () => { task?.kill(); task = undefined; await src?.cleanup(); });

    it('data and delete files, snapshots and the last maintenance; the newest verify per table', async () => {
      src = await Source.create(kind);
      const sp = await src.space('ist');
      await src.sql(`CREATE TABLE ${sp}.items (id int PRIMARY KEY, v int)`);
      await src.sql(insertRows(`${sp}.items`, 1, 500, (i) => `${i}, ${i}`));
      task = src.task({
        mode: 'multi-table-mirror', tables: [`${sp}.items`], snapshot: { concurrency: 1, chunkSize: 100 },
        target: { type: 'iceberg', warehouse: 'lake', namespace: 'ods', maintenance: { intervalSeconds: 5, minFiles: 2 } },
        parameters: { flushIntervalMs: 200 },
      });
      await task.start();
      await task.waitPhase(`${sp}.items`, 'incremental');
      // updates and deletes in separate commits: data files and position delete files (each round
      // is waited for in the target: after a fixed 400 ms a loaded engine could put rounds together)
      for (let i = 0; i < 6; i++) {
        await src.sql(`UPDATE ${sp}.items SET v = v + 1 WHERE id % 7 = ${i}`);
        await src.sql(`DELETE FROM ${sp}.items WHERE id = ${400 + i}`);
        await task.waitSame(`${sp}.items`, 'items', ['id', 'v']);
      }
      // the first maintenance round compacts them (minFiles: 2)
      let live: TaskStatus | undefined;
      await task.waitFor('a maintenance round in the status', async () => {
        live = (await status(task!)).out;
        return live.tables[0].storage?.maintenance?.outcome === 'ok';
      }, 90_000);
      const st = live!.tables[0].storage!;
      assert.ok(st.snapshots >= 8, `snapshots: ${st.snapshots}`);
      assert.ok(st.dataFiles >= 1, `data files: ${st.dataFiles}`);
      assert.match(st.maintenance!.detail, /^\d+ data files and \d+ delete files compacted, \d+ snapshots expired, \d+ orphan files removed$/);
      assert.ok(Date.parse(st.maintenance!.at) > Date.now() - 120_000);

      assert.equal(live!.tables[0].verified, undefined);
      const v = await runCli(['verify', task.file, '--json'], { timeoutMs: 120_000 });
      assert.equal(v.code, 0, v.stdout + v.stderr);
      const { out, text } = await status(task);
      const verified = out.tables[0].verified!;
      assert.deepEqual({ ...verified, at: '' }, { at: '', result: 'equal', rows: 494, differences: 0 });
      assert.ok(Date.parse(verified.at) > Date.now() - 120_000);
      assert.match(text, new RegExp(`verified ${verified.at.replace(/[.]/g, '\\.')}: equal \\(494 rows\\)`));
      assert.match(text, /\d+ data files?, \d+ delete files?, \d+ snapshots; last maintenance \S+: ok/);

      // stopped: the files and the last maintenance are read from the warehouse, the verify result from the status file
      await task.stop();
      const after = await status(task);
      assert.equal(after.out.tables[0].storage?.snapshots !== undefined, true);
      assert.ok(after.out.tables[0].storage!.snapshots >= 1);
      assert.equal(after.out.tables[0].storage?.maintenance?.outcome, 'ok');
      assert.equal(after.out.tables[0].verified?.result, 'equal');
      assert.match(after.text, /\(not running\)[\s\S]*\d+ data files?, \d+ delete files?, \d+ snapshots?; last maintenance \S+: ok[\s\S]*verified \S+: equal \(494 rows\)/);
    });
  });
}
