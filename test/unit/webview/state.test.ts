import { strict as assert } from 'node:assert';
import {
  dismissNotice, fromHost, initialState, isPending, requestOp, requestQuery, toggleSort, withView,
} from '../../../webview/dashboard/state';
import { phaseSegments } from '../../../webview/dashboard/timeline';
import type { TaskStatus } from '../../../src/protocol/status';

function status(rowsRead: number): TaskStatus {
  return {
    name: 'shop', file: '/w/shop.sync.yaml', phase: 'incremental', updatedAt: '2026-11-24T01:00:00Z',
    rowsRead, rowsWritten: rowsRead, readRate: 0, writeRate: 0, failovers: 0, failoverEvents: [], phases: [],
    tables: [],
  };
}

describe('dashboard state', () => {
  it('init replaces everything the host knows; status messages extend the history', () => {
    let st = initialState();
    st = fromHost(st, { type: 'init', taskFile: '/w/shop.sync.yaml', status: status(5), history: [{ t: 1000, rowsRead: 5, rowsWritten: 5 }] });
    assert.equal(st.status?.rowsRead, 5);
    st = fromHost(st, { type: 'status', status: status(9), sample: { t: 2000, rowsRead: 9, rowsWritten: 9 } });
    assert.equal(st.status?.rowsRead, 9);
    assert.deepEqual(st.history.map((h) => h.rowsRead), [5, 9]);
    // The panel was hidden and shown: the host re-sends its (longer) history; nothing is doubled.
    st = fromHost(st, { type: 'init', taskFile: '/w/shop.sync.yaml', status: status(12), history: [
      { t: 1000, rowsRead: 5, rowsWritten: 5 }, { t: 2000, rowsRead: 9, rowsWritten: 9 }, { t: 3000, rowsRead: 12, rowsWritten: 12 }] });
    assert.deepEqual(st.history.map((h) => h.t), [1000, 2000, 3000]);
  });

  it('a table op gets a fresh request id, is pending until its reply, and a failure becomes a notice', () => {
    let st = initialState();
    const [a, m1] = requestOp(st, 'resync', 'shop.orders');
    const [b, m2] = requestOp(a, 'backfill', 'shop.orders', 'id > 10');
    assert.deepEqual(m1, { type: 'table-op', requestId: 1, op: 'resync', table: 'shop.orders' });
    assert.deepEqual(m2, { type: 'table-op', requestId: 2, op: 'backfill', table: 'shop.orders', where: 'id > 10' });
    assert.ok(isPending(b, 'shop.orders', 'resync'));
    st = fromHost(b, { type: 'op-result', requestId: 1, op: 'resync', table: 'shop.orders', ok: false, error: 'task is not running' });
    assert.ok(!isPending(st, 'shop.orders', 'resync'));
    assert.ok(isPending(st, 'shop.orders', 'backfill'));
    assert.equal(st.notices.length, 1);
    assert.equal(st.notices[0].kind, 'error');
    assert.match(st.notices[0].text, /Resync shop\.orders: task is not running/);
    st = dismissNotice(st, st.notices[0].id);
    assert.equal(st.notices.length, 0);
  });

  it('details and exceptions open the side panel; exceptions from the engine are kept per table', () => {
    const [st, msg] = requestOp(initialState(), 'exceptions', 'shop.orders');
    assert.equal(msg.type, 'table-op');
    assert.deepEqual([st.view.selected, st.view.panel], ['shop.orders', 'exceptions']);
    const errors = [{ time: '2026-11-24T01:00:00Z', position: 'binlog.000001:4', message: 'Duplicate key' }];
    const after = fromHost(st, { type: 'op-result', requestId: 1, op: 'exceptions', table: 'shop.orders', ok: true, result: errors });
    assert.deepEqual(after.exceptions['shop.orders'], errors);
    assert.equal(after.notices.length, 0);
  });

  it('a query reply is only taken for the newest query', () => {
    const [a] = requestQuery(initialState(), 'select 1');
    const [b] = requestQuery(a, 'select 2');
    const result = { columns: ['x'], rows: [[2]], truncated: false };
    assert.equal(fromHost(b, { type: 'query-result', requestId: 1, ok: true, result }).query?.result, undefined);
    assert.deepEqual(fromHost(b, { type: 'query-result', requestId: 2, ok: true, result }).query?.result, result);
  });

  it('sort toggles direction on the same column and starts ascending on a new one; view choices merge', () => {
    assert.deepEqual(toggleSort({ key: 'rows', dir: 'asc' }, 'rows'), { key: 'rows', dir: 'desc' });
    assert.deepEqual(toggleSort({ key: 'rows', dir: 'desc' }, 'latency'), { key: 'latency', dir: 'asc' });
    const st = withView(initialState({ filter: 'x' }), { periodMs: 10_000 });
    assert.deepEqual([st.view.filter, st.view.periodMs], ['x', 10_000]);
  });
});

describe('dashboard phase timeline', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 10, 24, 1, 0, s)).toISOString();
  const t = (s: number) => Date.UTC(2026, 10, 24, 1, 0, s);

  it('each phase ends where the next begins; the current one grows until now', () => {
    const segs = phaseSegments([
      { phase: 'full-sync', at: at(10) }, { phase: 'initializing', at: at(0) }, { phase: 'incremental', at: at(40) },
    ], t(50));
    assert.deepEqual(segs.map((s) => [s.phase, (s.end - s.start) / 1000, s.current]),
      [['initializing', 10, false], ['full-sync', 30, false], ['incremental', 10, true]]);
    assert.deepEqual(segs.map((s) => s.share), [0.2, 0.6, 0.2]);
  });

  it('a phase reported again continues its segment', () => {
    const segs = phaseSegments([
      { phase: 'incremental', at: at(0) }, { phase: 'full-sync', at: at(5) }, { phase: 'incremental', at: at(6) }, { phase: 'incremental', at: at(9) },
    ], t(10));
    assert.deepEqual(segs.map((s) => [s.phase, (s.end - s.start) / 1000]), [['incremental', 5], ['full-sync', 1], ['incremental', 4]]);
  });

  it('a stopped task does not keep growing', () => {
    const segs = phaseSegments([{ phase: 'incremental', at: at(0) }, { phase: 'stopped', at: at(20) }], t(500));
    assert.equal(segs[1].end, segs[1].start);
    assert.deepEqual(segs.map((s) => s.share), [1, 0]);
    assert.deepEqual(phaseSegments([], t(0)), []);
  });
});
