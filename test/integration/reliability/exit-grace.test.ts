// A finished command exits even when something it cannot see still holds the process. A DuckDB
// deadlock once kept an engine that had said "stopped" alive for good (docs/reliability.md); the CLI
// now exits EXIT_GRACE_MS after any command has finished, with the command's own exit code and a
// line that says why. What holds the process here is a test stand-in (testhooks.ts `testLinger`: a
// timer never cleared), because a native worker that never returns cannot be made on purpose.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, writeTask } from '../../harness';

describe('the CLI exits after a finished command, whatever still holds the process', function () {
  this.timeout(120_000);

  const task = () => writeTask({
    name: 'grace', source: { type: 'postgres', host: '127.0.0.1', port: 9, user: 'app', password: 'x', database: 'shop' },
    mode: 'multi-table-mirror', tables: ['public.orders'], target: { type: 'duckdb', path: '.lakehouse/grace.duckdb', namespace: 'ods' },
  });

  it('held after success: exits 0 after the grace, and says so', async () => {
    const file = task();
    const pause = tempDir('linger');
    writeFileSync(join(pause, 'linger.armed'), '');
    const t0 = Date.now();
    const r = await runCli(['status', file], { env: { LAKESYNC_TEST_PAUSE: pause }, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - t0 >= 9_000, 'the process was held until the grace ended');
    assert.match(r.stderr, /the command finished 10 s ago but something still held the process; exiting with code 0/);
  });

  it('held after a failure: keeps the command\'s exit code', async () => {
    const pause = tempDir('linger');
    writeFileSync(join(pause, 'linger.armed'), '');
    const r = await runCli(['status', join(pause, 'missing.sync.yaml')], { env: { LAKESYNC_TEST_PAUSE: pause }, timeoutMs: 60_000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`exiting with code ${r.code}`));
  });

  it('not held: exits at once, without the line', async () => {
    const t0 = Date.now();
    const r = await runCli(['status', task()], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - t0 < 9_000, `took ${Date.now() - t0} ms`);
    assert.doesNotMatch(r.stderr, /still held the process/);
  });
});
