// What the PostgreSQL source says about its slot's WAL: nothing when fine, a warning with numbers
// when it nears or passes max_slot_wal_keep_size or retains a lot, the fix when it is lost.
import assert from 'node:assert/strict';
import type { TaskPlan } from '../../../src/engine/config/plan';
import { slotWarnings } from '../../../src/engine/source/postgres';

const plan = { file: '/w/shop.sync.yaml', source: { slot: 'lakesync_shop' } } as TaskPlan;
const MB = 1024 * 1024;

describe('PostgreSQL slot warnings', () => {
  it('are empty for a healthy slot or no slot', () => {
    assert.deepEqual(slotWarnings(plan, { wal_status: 'reserved', retained: String(10 * MB), safe: null, keep: '-1' }), []);
    assert.deepEqual(slotWarnings(plan, { wal_status: 'reserved', retained: String(10 * MB), safe: String(900 * MB), keep: '1GB' }), []);
    assert.deepEqual(slotWarnings(plan, undefined), []);
  });
  it('warn near max_slot_wal_keep_size, past it, and for a large backlog', () => {
    assert.match(slotWarnings(plan, { wal_status: 'extended', retained: String(900 * MB), safe: String(100 * MB), keep: '1GB' })[0], /retains 900 MB of WAL, near max_slot_wal_keep_size \(1GB; 100 MB left/);
    assert.match(slotWarnings(plan, { wal_status: 'unreserved', retained: String(1100 * MB), safe: '0', keep: '1GB' })[0], /past max_slot_wal_keep_size \(1GB\).*invalidate/);
    assert.match(slotWarnings(plan, { wal_status: 'extended', retained: String(2048 * MB), safe: null, keep: '-1' })[0], /retains 2048 MB of WAL on the source/);
  });
  it('name the fix when the slot is lost', () => {
    assert.match(slotWarnings(plan, { wal_status: 'lost', retained: null, safe: null, keep: '1MB' })[0], /lakesync reset \/w\/shop\.sync\.yaml --drop-slot/);
  });
});
