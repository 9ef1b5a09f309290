import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { filterTables, progressOf, sortTables, visibleRange } from '../../../webview/dashboard/grid';
import type { TableStatus } from '../../../src/protocol/status';

function table(source: string, extra: Partial<TableStatus> = {}): TableStatus {
  return {
    source, target: `ods.${source.split('.')[1]}`, phase: 'incremental', chunksDone: 0, chunksTotal: 0,
    snapshotRows: 0, rowsRead: 0, rowsWritten: 0, errors: [], ...extra,
  };
}

const rows = [
  table('shop.orders', { rowsWritten: 500, latencyMs: 120, lastUpdate: '2026-11-24T01:00:02Z', position: 'binlog.000002:400' }),
  table('shop.customers', { phase: 'full-sync', chunksDone: 1, chunksTotal: 4, rowsWritten: 20 }),
  table('shop.order_items', { phase: 'failed', rowsWritten: 9000, latencyMs: 30, errors: [{ time: '2026-11-24T01:00:00Z', message: 'boom' }] }),
  table('shop.table10', { phase: 'pending' }),
  table('shop.table9', { phase: 'pending', lastUpdate: '2026-11-24T01:00:01Z' }),
];
const names = (r: TableStatus[]) => r.map((t) => t.source);

describe('dashboard grid', () => {
  it('sorts by table name naturally (table9 before table10), both directions', () => {
    assert.deepEqual(names(sortTables(rows, { key: 'table', dir: 'asc' })),
      ['shop.customers', 'shop.order_items', 'shop.orders', 'shop.table9', 'shop.table10']);
    assert.deepEqual(names(sortTables(rows, { key: 'table', dir: 'desc' })),
      ['shop.table10', 'shop.table9', 'shop.orders', 'shop.order_items', 'shop.customers']);
  });

  it('sorts by rows and by state (failed first), ties by name', () => {
    assert.deepEqual(names(sortTables(rows, { key: 'rows', dir: 'desc' })),
      ['shop.order_items', 'shop.orders', 'shop.customers', 'shop.table9', 'shop.table10']);
    assert.deepEqual(names(sortTables(rows, { key: 'state', dir: 'asc' })),
      ['shop.order_items', 'shop.customers', 'shop.table9', 'shop.table10', 'shop.orders']);
  });

  it('sorts by verified-at, tables never verified last', () => {
    const v = (at: string) => ({ verified: { at, result: 'equal' as const, rows: 1, differences: 0 } });
    const r = [table('shop.a', v('2026-11-24T01:00:05Z')), table('shop.b'), table('shop.c', v('2026-11-24T01:00:01Z'))];
    assert.deepEqual(names(sortTables(r, { key: 'verified', dir: 'desc' })), ['shop.a', 'shop.c', 'shop.b']);
    assert.deepEqual(names(sortTables(r, { key: 'verified', dir: 'asc' })), ['shop.c', 'shop.a', 'shop.b']);
  });

  it('rows without a value go last whichever the direction', () => {
    for (const dir of ['asc', 'desc'] as const) {
      const sorted = names(sortTables(rows, { key: 'latency', dir }));
      assert.deepEqual(sorted.slice(2), ['shop.customers', 'shop.table9', 'shop.table10']);
    }
    assert.deepEqual(names(sortTables(rows, { key: 'latency', dir: 'asc' })).slice(0, 2), ['shop.order_items', 'shop.orders']);
    assert.deepEqual(names(sortTables(rows, { key: 'updated', dir: 'desc' })).slice(0, 2), ['shop.orders', 'shop.table9']);
  });

  it('sorting is a permutation and does not change its input', () => {
    fc.assert(fc.property(fc.array(fc.record({ name: fc.string({ maxLength: 6 }), rows: fc.nat(10) })), (xs) => {
      const input = xs.map((x) => table(`db.${x.name}`, { rowsWritten: x.rows }));
      const copy = input.slice();
      const out = sortTables(input, { key: 'rows', dir: 'asc' });
      assert.deepEqual(input, copy);
      assert.equal(out.length, input.length);
      for (let i = 1; i < out.length; i++) assert.ok(out[i - 1].rowsWritten <= out[i].rowsWritten);
    }));
  });

  it('filters by name terms (all must match), state and errors', () => {
    assert.deepEqual(names(filterTables(rows, 'ORDER')), ['shop.orders', 'shop.order_items']);
    assert.deepEqual(names(filterTables(rows, 'order items')), ['shop.order_items']);
    assert.deepEqual(names(filterTables(rows, 'state:full')), ['shop.customers']);
    assert.deepEqual(names(filterTables(rows, 'is:pending table1')), ['shop.table10']);
    assert.deepEqual(names(filterTables(rows, 'has:errors')), ['shop.order_items']);
    assert.deepEqual(names(filterTables(rows, 'ods.customers')), ['shop.customers']);
    assert.equal(filterTables(rows, '   ').length, rows.length);
    assert.equal(filterTables(rows, 'nothing-like-this').length, 0);
  });

  it('progress: chunk share during the snapshot, complete once incremental', () => {
    assert.equal(progressOf(rows[1]), 0.25);
    assert.equal(progressOf(rows[0]), 1);
    assert.equal(progressOf(table('a.b', { phase: 'pending' })), 0);
  });

  it('renders everything below the threshold and only a window beyond it', () => {
    assert.deepEqual(visibleRange(150, 900, 600, 24), { start: 0, end: 150, padTop: 0, padBottom: 0 });
    const r = visibleRange(10_000, 24 * 5000, 600, 24, 10);
    assert.equal(r.start, 4990);
    assert.equal(r.end, 5000 + 26 + 10);
    assert.equal(r.padTop + (r.end - r.start) * 24 + r.padBottom, 10_000 * 24);
    const bottom = visibleRange(10_000, 10_000 * 24, 600, 24);
    assert.equal(bottom.end, 10_000);
    assert.ok(bottom.start < bottom.end);
  });

  it('the rendered window always covers the viewport', () => {
    fc.assert(fc.property(fc.integer({ min: 201, max: 100_000 }), fc.nat(3_000_000), fc.integer({ min: 1, max: 2000 }), (count, top, vp) => {
      const h = 22;
      const scrollTop = Math.min(top, Math.max(0, count * h - vp));
      const r = visibleRange(count, scrollTop, vp, h);
      assert.ok(r.start * h <= scrollTop);
      assert.ok(r.end === count || r.end * h >= scrollTop + vp);
      assert.equal(r.padTop + (r.end - r.start) * h + r.padBottom, count * h);
    }));
  });
});
