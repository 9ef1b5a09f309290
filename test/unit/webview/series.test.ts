import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { appendSample, chartWindow, rateOver, sampleOf, HISTORY_MAX, HISTORY_MS } from '../../../webview/dashboard/series';
import type { MetricSample } from '../../../src/protocol/webview';
import type { TableStatus, TaskStatus } from '../../../src/protocol/status';

const s = (t: number, rowsRead: number, rowsWritten = rowsRead, latencyMs?: number): MetricSample => ({ t, rowsRead, rowsWritten, latencyMs });

describe('dashboard series', () => {
  it('the average rate over a period uses the samples spanning that period', () => {
    // 100 rows/s for the first 60 s, then 10 rows/s for 60 s.
    const h: MetricSample[] = [];
    for (let i = 0; i <= 60; i++) h.push(s(i * 1000, i * 100));
    for (let i = 61; i <= 120; i++) h.push(s(i * 1000, 6000 + (i - 60) * 10));
    assert.equal(rateOver(h, 'rowsRead', 60_000), 10);
    assert.equal(rateOver(h, 'rowsRead', 120_000), (6600 - 0) / 120);
    // A period longer than the history averages over what there is.
    assert.equal(rateOver(h, 'rowsRead', 3_600_000), 6600 / 120);
    assert.equal(rateOver(h, 'rowsRead', 10_000), 10);
  });

  it('has no rate before two samples', () => {
    assert.equal(rateOver([], 'rowsRead', 60_000), undefined);
    assert.equal(rateOver([s(0, 5)], 'rowsRead', 60_000), undefined);
  });

  it('a sample takes the largest table latency', () => {
    const table = (latencyMs?: number) => ({ latencyMs } as TableStatus);
    const st = { rowsRead: 7, rowsWritten: 5, tables: [table(20), table(), table(350)] } as TaskStatus;
    assert.deepEqual(sampleOf(st, 1000), { t: 1000, rowsRead: 7, rowsWritten: 5, latencyMs: 350 });
    assert.equal(sampleOf({ ...st, tables: [table()] }, 1).latencyMs, undefined);
  });

  it('history keeps one hour and at most HISTORY_MAX samples, in time order', () => {
    let h: MetricSample[] = [];
    for (let i = 0; i < 4000; i++) h = appendSample(h, s(i * 1000, i));
    assert.equal(h.length, HISTORY_MAX);
    assert.equal(h[h.length - 1].t, 3999_000);
    assert.ok(h[0].t >= 3999_000 - HISTORY_MS);
    let h2: MetricSample[] = [];
    for (let i = 0; i < 10; i++) h2 = appendSample(h2, s(i * 600_000, i));
    assert.deepEqual(h2.map((x) => x.t / 600_000), [3, 4, 5, 6, 7, 8, 9]);
  });

  it('a counter that goes down (engine restarted) starts a new history, so rates never go negative', () => {
    let h = [s(0, 100), s(1000, 200)];
    h = appendSample(h, s(2000, 5));
    assert.deepEqual(h, [s(2000, 5)]);
  });

  it('a sample at or before the newest replaces the newer ones', () => {
    const h = appendSample([s(0, 1), s(1000, 2), s(2000, 3)], s(1000, 3));
    assert.deepEqual(h, [s(0, 1), s(1000, 3)]);
  });

  it('rates are never negative for any sequence of samples', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: -5000, max: 5000 }), fc.nat(1_000_000), fc.nat(1_000_000)), { maxLength: 60 }),
      fc.integer({ min: 1, max: 4_000_000 }),
      (steps, period) => {
        let h: MetricSample[] = [];
        let t = 0;
        for (const [dt, r, w] of steps) { t += dt; h = appendSample(h, s(t, r, w)); }
        for (let i = 1; i < h.length; i++) assert.ok(h[i].t > h[i - 1].t && h[i].rowsRead >= h[i - 1].rowsRead);
        const rate = rateOver(h, 'rowsWritten', period);
        assert.ok(rate === undefined || rate >= 0);
        for (const v of chartWindow(h, period).readRate) assert.ok(v === null || v >= 0);
      },
    ));
  });

  it('the chart window holds the last span, per-interval rates and latency in seconds', () => {
    const h = [s(0, 0, 0), s(1000, 50, 40, 1500), s(3000, 250, 40), s(4000, 250, 100, 200)];
    const w = chartWindow(h, 3000);
    assert.deepEqual(w.t, [1, 3, 4]);
    assert.deepEqual(w.readRate, [50, 100, 0]);
    assert.deepEqual(w.writeRate, [40, 0, 60]);
    assert.deepEqual(w.latency, [1.5, null, 0.2]);
    assert.deepEqual(chartWindow([], 1000), { t: [], readRate: [], writeRate: [], latency: [] });
  });
});
