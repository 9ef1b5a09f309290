// A normal run's "caught up" (status.catchUp, the tree's ✔): the checkpoint against the positions
// the source reported. The context is a stand-in holding only what SourceWatch reads (checkpoint,
// the adapter's currentPosition, the status sink); the rule itself is the real code.
import assert from 'node:assert/strict';
import { SourceWatch } from '../../../src/engine/runtime/catchup';
import type { TaskContext } from '../../../src/engine/runtime/context';
import { lsn, type CheckpointPosition } from '../../../src/engine/positions';

function watchOver(source: { position: bigint }): { ctx: { checkpoint?: CheckpointPosition }; watch: SourceWatch; shown: boolean[] } {
  const shown: boolean[] = [];
  const ctx = {
    checkpoint: undefined as CheckpointPosition | undefined,
    adapter: { currentPosition: async () => lsn(source.position) },
    status: { setCatchUp: (c: { caughtUp: boolean }) => { shown.push(c.caughtUp); } },
  };
  return { ctx, watch: new SourceWatch(ctx as unknown as TaskContext, 60_000), shown };
}

const tick = () => new Promise((r) => setTimeout(r, 20));

describe('SourceWatch: caught up in a normal run by positions', () => {
  it('caught up once the checkpoint reaches the position read; never while the checkpoint is inside a transaction', async () => {
    const source = { position: 100n };
    const { ctx, watch } = watchOver(source);
    assert.equal(watch.caughtUp, false, 'nothing read yet');
    watch.start();
    try {
      await tick();
      assert.equal(watch.caughtUp, false, 'the checkpoint has not reached 100');
      ctx.checkpoint = lsn(100n);
      assert.equal(watch.caughtUp, true);
      // a large transaction applied in parts: its parts carry the previous end plus the changes applied
      ctx.checkpoint = { ...lsn(100n), applied: 20_000 };
      assert.equal(watch.caughtUp, false, 'part of a transaction is not caught up, although its base reached the position read');
      ctx.checkpoint = lsn(250n);
      assert.equal(watch.caughtUp, true, 'the transaction end applied');
    } finally {
      watch.stop();
    }
  });
});
