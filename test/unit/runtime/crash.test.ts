// kill -9 of the engine during the full sync and during streaming: after a restart the target
// equals the source, with no duplicate and nothing lost. The engine runs in a child process
// against the scripted TEST-DOUBLE source (scripted-source.ts); real-server versions of these
// tests belong to each source's integration tests.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { sendControlRequest } from '../../../src/engine/runtime/control';
import { runTask } from '../../../src/engine/runtime/runner';
import type { TaskStatus } from '../../../src/protocol/status';
import { tempDir } from '../sink/helpers';
import { targetRows, testPlan } from './plan';
import { ScriptedSource, emptyModel, modelRows, workload } from './scripted-source';

const children = new Set<ChildProcess>();

function startChild(dir: string, seed: number, initial: number, total: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'crash-child.ts'), dir, String(seed), String(initial), String(total)],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += String(d); });
  const exited = new Promise<void>((r) => child.once('exit', () => { children.delete(child); r(); }));
  return { child, exited, stderr: () => stderr };
}

/** Polls the child engine's control socket (live status) until `ok`. */
async function waitForStatus(dir: string, ok: (s: TaskStatus) => boolean, timeoutMs = 60_000): Promise<TaskStatus> {
  const file = testPlan(dir).file;
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const reply = await sendControlRequest(file, { type: 'status', id: 1 }, 5000).catch(() => undefined);
    if (reply?.type === 'reply' && reply.ok && ok(reply.result as TaskStatus)) return reply.result as TaskStatus;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the engine did not get there in time');
}

describe('runner: kill -9 and restart (scripted test-double source)', function () {
  this.timeout(90_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(async () => {
    for (const c of children) { c.kill('SIGKILL'); await new Promise((r) => c.once('exit', r)); }
    tmp.cleanup();
  });

  async function restartAndCompare(seed: number, total: number): Promise<void> {
    const plan = testPlan(tmp.dir);
    const src = new ScriptedSource(plan);
    const txs = workload(seed, total, emptyModel());
    txs.forEach((tx, i) => src.commit(tx, i % 3 === 0 ? 2 : 1));
    assert.equal(await runTask(plan, src, { untilCaughtUp: true, controlSocket: false }), 0);
    assert.deepEqual(await targetRows(plan.target.path, 'items'), modelRows(src.model, 'app.items'));
    assert.deepEqual(await targetRows(plan.target.path, 'tags'), modelRows(src.model, 'app.tags'));
  }

  it('after kill -9 during the full sync, a restart finishes the chunks and the target equals the source', async () => {
    const c = startChild(tmp.dir, 21, 250, 400);
    const s = await waitForStatus(tmp.dir, (st) => st.tables.some((t) => t.chunksDone >= 3 && t.chunksDone < t.chunksTotal));
    c.child.kill('SIGKILL');
    await c.exited;
    assert.equal(s.phase, 'full-sync', c.stderr());
    await restartAndCompare(21, 400);
  });

  it('after kill -9 while streaming, a restart resumes from the checkpoint and the target equals the source', async () => {
    const c = startChild(tmp.dir, 22, 100, 1500);
    await waitForStatus(tmp.dir, (st) => st.phase === 'incremental' && st.tables.every((t) => t.rowsWritten > t.snapshotRows + 20));
    c.child.kill('SIGKILL');
    await c.exited;
    await restartAndCompare(22, 1500);
  });
});
