// The idle flush's pace (runtime/pacing.ts): after a commit, the next idle flush waits a multiple
// of that commit's duration, capped, so commits take a bounded share of the stream's time.
import { strict as assert } from 'node:assert';
import { COMMIT_GAP_FACTOR, MAX_COMMIT_GAP_MS, idleFlushNotBefore } from '../../../src/engine/runtime/pacing';

describe('idle flush pacing', () => {
  it('waits a multiple of the last commit, so commits take at most 1/(1+factor) of the time', () => {
    const d = MAX_COMMIT_GAP_MS / COMMIT_GAP_FACTOR / 2;
    const end = 1000 + d;
    const next = idleFlushNotBefore(1000, end);
    assert.equal(next - end, COMMIT_GAP_FACTOR * d);
    assert.ok(d / (next - 1000) <= 1 / (1 + COMMIT_GAP_FACTOR) + 1e-9);
  });

  it('a slower commit gets a longer wait (a larger next batch), up to the cap', () => {
    const wait = (d: number) => idleFlushNotBefore(0, d) - d;
    assert.ok(wait(4) < wait(8));
    assert.equal(wait(10_000), MAX_COMMIT_GAP_MS, 'one slow commit (a checkpoint) holds the next only this long');
    assert.ok(MAX_COMMIT_GAP_MS <= 50, 'a stream keeps its freshness: at most 50 ms more');
  });

  it('an instant commit adds no wait: the 10 ms quiet of the idle flush decides alone', () => {
    assert.equal(idleFlushNotBefore(500, 500), 500);
  });
});
