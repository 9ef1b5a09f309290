// The control socket: one engine per task file, stale sockets of dead engines are replaced,
// every request gets exactly one reply, errors come back as replies.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ControlServer, controlSocketPath, sendControlRequest } from '../../../src/engine/runtime/control';
import { tempDir } from '../sink/helpers';

describe('control socket', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  it('answers requests, refuses a second engine for the same task, and is gone after close', async () => {
    const file = join(tmp.dir, 'a.sync.yaml');
    writeFileSync(file, '');
    const server = await ControlServer.listen(file, async (req) => {
      if (req.type === 'query') throw new Error('no queries here');
      return { echo: req.type };
    });
    try {
      assert.deepEqual(await sendControlRequest(file, { type: 'status', id: 7 }), { type: 'reply', id: 7, ok: true, result: { echo: 'status' } });
      assert.deepEqual(await sendControlRequest(file, { type: 'query', id: 8, sql: 'x' }), { type: 'reply', id: 8, ok: false, error: 'no queries here' });
      await assert.rejects(ControlServer.listen(file, async () => null), /already running/);
    } finally {
      await server.close();
    }
    assert.equal(await sendControlRequest(file, { type: 'status', id: 9 }), undefined);
  });

  it('replaces the stale socket file of an engine that died', async () => {
    const file = join(tmp.dir, 'b.sync.yaml');
    writeFileSync(controlSocketPath(file), 'left behind');
    assert.equal(await sendControlRequest(file, { type: 'status', id: 1 }), undefined, 'nothing listens');
    const server = await ControlServer.listen(file, async () => 'ok');
    try {
      assert.deepEqual(await sendControlRequest(file, { type: 'stop', id: 2 }), { type: 'reply', id: 2, ok: true, result: 'ok' });
    } finally {
      await server.close();
    }
  });

  it('names the socket from the task file path, so two tasks never share one', () => {
    assert.notEqual(controlSocketPath('/x/a.sync.yaml'), controlSocketPath('/x/b.sync.yaml'));
    assert.equal(controlSocketPath('/x/a.sync.yaml'), controlSocketPath('/x/../x/a.sync.yaml'));
  });
});
