import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TaskSupervisor, type SupervisorState } from '../../../src/extension/engine/supervisor';
import type { EngineLaunch } from '../../../src/extension/engine/engineProcess';
import { TERM_GRACE_MS } from '../../../src/extension/engine/policy';

const fake = path.join(__dirname, 'fixtures', 'fake-engine.cjs');

function setup(mode: string, extra: Partial<ConstructorParameters<typeof TaskSupervisor>[0]> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakesync-sup-'));
  const file = path.join(dir, 't.sync.yaml');
  const launch: EngineLaunch = {
    enginePath: fake, runtime: { execPath: process.execPath, env: {} }, execArgv: ['--max-old-space-size=128'],
    args: ['run', file, '--ipc', `--fake=${mode}`], cwd: dir, secrets: { 'shop-db': 's3cr3t-Pa55' },
  };
  const states: SupervisorState[] = [];
  const logs: string[] = [];
  const failovers: string[] = [];
  const ended: string[] = [];
  const sup = new TaskSupervisor({ prepare: async () => launch, restartDelay: () => 50, ...extra });
  sup.on('state', (s) => states.push(s));
  sup.on('log', (_l, m) => logs.push(m));
  sup.on('failover', (c) => failovers.push(c));
  sup.on('ended', (k, e) => ended.push(`${k}${e ? `: ${e}` : ''}`));
  return { sup, states, logs, failovers, ended, dir };
}

// generous: a loaded machine takes seconds to start a child process
async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('engine supervision (real child process speaking the IPC protocol)', () => {
  it('hands secrets over IPC only, never through argv or the environment', async () => {
    const t = setup('normal');
    await t.sup.start();
    await until(() => t.logs.some((l) => l.startsWith('secrets:')));
    const line = t.logs.find((l) => l.startsWith('secrets:'))!;
    assert.match(line, /secrets:\{"shop-db":"s3cr3t-Pa55"\}/);
    assert.ok(!line.split(' argv:')[1].includes('s3cr3t'), 'secret leaked into argv');
    assert.match(line, /env-has-secret:false/);
    await t.sup.stop();
  });

  it('goes running on the first status and stops cleanly on request', async () => {
    const t = setup('normal');
    await t.sup.start();
    await until(() => t.sup.current === 'running');
    const reply = await t.sup.request({ type: 'query', sql: 'select 42' });
    assert.deepEqual(reply, { columns: ['n'], rows: [[42]], truncated: false });
    await assert.rejects(t.sup.request({ type: 'query', sql: 'error' }), /Parser Error/);
    await t.sup.stop();
    assert.equal(t.sup.current, 'stopped');
    assert.deepEqual(t.ended, ['stopped']);
    assert.deepEqual(t.failovers, []);
  });

  it('restarts a crashed engine with backoff and counts a failover', async () => {
    const t = setup('crash-once');
    await t.sup.start();
    await until(() => t.failovers.length === 1 && t.sup.current === 'running');
    assert.match(t.failovers[0], /exited with code 3/);
    assert.ok(t.states.includes('restarting'));
    await t.sup.stop();
    assert.deepEqual(t.ended, ['stopped']);
  });

  it('kills and restarts an engine whose heartbeat stops', async () => {
    const t = setup('hang', { heartbeatTimeoutMs: 400 });
    await t.sup.start();
    await until(() => t.failovers.length >= 1);
    assert.match(t.failovers[0], /sent nothing/);
    await t.sup.stop();
    assert.equal(t.sup.current, 'stopped');
  });

  it('asks a quiet engine for its status instead of killing it', async () => {
    // 1 s, not less: a loaded machine can hold either process back for a few hundred ms
    const t = setup('quiet', { heartbeatTimeoutMs: 1000 });
    let statuses = 0;
    t.sup.on('status', () => statuses++);
    await t.sup.start();
    // three times the timeout: an engine whose answers did not count would have been killed by then
    await new Promise((r) => setTimeout(r, 3000));
    await until(() => statuses >= 3 || t.failovers.length > 0);
    assert.deepEqual(t.failovers, []);
    assert.ok(statuses >= 3, `answers to status probes count as heartbeats (${statuses})`);
    await t.sup.stop();
  });

  it('does not restart an engine that reported a failure, and keeps its message', async () => {
    const t = setup('fail');
    await t.sup.start();
    await until(() => t.ended.length === 1);
    assert.deepEqual(t.failovers, []);
    assert.equal(t.ended[0], 'failed: source.port must be a number (bad.sync.yaml:4:9)');
    assert.equal(t.sup.current, 'stopped');
  });

  it('a runtime that cannot start is a failure to report, not a crash to retry', async () => {
    const t = setup('normal');
    const sup = new TaskSupervisor({ prepare: async () => ({ enginePath: fake, runtime: { execPath: '/nonexistent/node', env: {} }, execArgv: [],
      args: ['run', 'x'], cwd: t.dir, secrets: {} }), restartDelay: () => 50 });
    const ended: string[] = [];
    sup.on('ended', (k, e) => ended.push(`${k}: ${e}`));
    await sup.start();
    await until(() => ended.length === 1);
    assert.match(ended[0], /^failed: cannot start the engine with \/nonexistent\/node: .*ENOENT.*lakesync.engine.runtime/);
  });

  it('gives up after too many crashes in a row', async () => {
    const t = setup('crash-always', { maxConsecutiveCrashes: 2 });
    await t.sup.start();
    await until(() => t.ended.length === 1);
    assert.equal(t.failovers.length, 2);
    assert.match(t.ended[0], /^failed: .*giving up/);
  });

  it('escalates to SIGTERM/SIGKILL when the engine ignores the stop request', async () => {
    const t = setup('ignore-stop');
    await t.sup.start();
    await until(() => t.sup.current === 'running');
    const started = Date.now();
    await t.sup.stop(200);
    assert.equal(t.sup.current, 'stopped');
    // 200 ms for the stop request, TERM_GRACE_MS after SIGTERM, then SIGKILL: seconds of slack for
    // a loaded machine (a 5 s bound left 1.5 s), still far from waiting for the engine forever
    assert.ok(Date.now() - started < 200 + TERM_GRACE_MS + 5000, 'the stop does not wait for an engine that ignores it');
  });
});
