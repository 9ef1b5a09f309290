// The apply hold of `lakesync verify`: a transaction after the held position waits, everything up
// to it goes through, a hold armed after the stream passed its position is refused, and a hold
// that is released or expires lets the stream go on.
import assert from 'node:assert/strict';
import { HoldGate } from '../../../src/engine/runtime/hold';
import { lsn, type Position } from '../../../src/engine/positions';

const at = (n: number): Position => lsn(BigInt(n));
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('verify hold gate', () => {
  it('lets transactions up to the position through and holds the first one after it', async () => {
    const g = new HoldGate();
    const id = g.arm(at(100), 60_000);
    assert.equal(g.admits({ position: at(90) }), true);
    assert.equal(g.admits({ position: at(100) }), true, 'a transaction ending exactly at the position is in the source read');
    assert.equal(g.admits({ position: at(101) }), false);
    // a part of a large transaction carries the position before it: at the position it is already after
    assert.equal(g.admits({ position: at(100), partial: true }), false);
    assert.equal(g.isHeld(id), false);
    let through = false;
    const waiting = g.waitAt({ position: at(101) }).then(() => { through = true; });
    await tick();
    assert.equal(g.isHeld(id), true, 'reached once a later transaction waits');
    await g.whenReached(id, 1000);
    assert.equal(through, false);
    assert.equal(g.release(id), true);
    await waiting;
    assert.equal(through, true);
    assert.equal(g.release(id), false, 'released twice');
  });

  it('is reached when the committed position gets there on a quiet stream', async () => {
    const g = new HoldGate();
    const id = g.arm(at(100), 60_000);
    g.applied(at(99));
    assert.equal(g.isHeld(id), false);
    g.applied(at(100));
    assert.equal(g.isHeld(id), true);
    await g.whenReached(id, 1000);
  });

  it('refuses a position the stream already went past', () => {
    const g = new HoldGate();
    g.passed({ position: at(150) });
    assert.throws(() => g.arm(at(100), 60_000), /^Error: passed/);
    assert.doesNotThrow(() => g.arm(at(150), 60_000));
    assert.throws(() => new HoldGate().arm(at(100), 60_000, at(120)), /passed/, 'the checkpoint counts when nothing streamed yet');
  });

  it('a forgotten hold expires and the stream goes on', async () => {
    const g = new HoldGate();
    const id = g.arm(at(100), 30);
    const waiting = g.waitAt({ position: at(200) });
    await waiting;
    assert.equal(g.isHeld(id), false);
    await assert.rejects(g.whenReached(id, 100), /not active/);
  });

  it('a forgotten hold expires even when its timer fires before the expiry by the gate\'s clock', async () => {
    // Node's timers and the clock the gate reads round differently: a timer can fire a moment
    // before the hold expired. The gate must look again later, not wait forever (a loaded CI
    // machine once held the stream for good). Here the gate's clock stands still, then jumps.
    let clock = 0;
    const g = new HoldGate(() => clock);
    const id = g.arm(at(100), 30);
    const waiting = g.waitAt({ position: at(200) }).then(() => 'went on');
    await new Promise((r) => setTimeout(r, 60)); // the 30 ms timer fired: not expired by the gate's clock
    assert.equal(g.isHeld(id), true);
    clock = 1000;
    const outcome = await Promise.race([waiting, new Promise((r) => setTimeout(() => r('still held after 5 s'), 5000).unref())]);
    assert.equal(outcome, 'went on');
    assert.equal(g.isHeld(id), false);
  });

  it('clear() ends every hold (the stream stopped or restarts for a full sync)', async () => {
    const g = new HoldGate();
    const id = g.arm(at(100), 60_000);
    const waiting = g.waitAt({ position: at(200) });
    await tick();
    g.clear();
    await waiting;
    assert.equal(g.isHeld(id), false);
  });
});
