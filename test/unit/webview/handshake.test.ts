// The webview ready handshake, both halves (the host's ReadyGate, the page's ReadyHandshake) and
// the dashboard's own reducer, over a channel that can lose messages: whatever is lost or comes
// early, the dashboard ends up with the host's current state, never blank, and stops asking.
import { strict as assert } from 'node:assert';
import { ReadyGate } from '../../../src/extension/webviews/ready';
import type { TaskStatus } from '../../../src/protocol/status';
import type { DashboardToHost, HostToDashboard, MetricSample } from '../../../src/protocol/webview';
import { ReadyHandshake, type IntervalTimers } from '../../../webview/shared/handshake';
import { fromHost, initialState, type DashboardState } from '../../../webview/dashboard/state';

function status(rowsRead: number): TaskStatus {
  return {
    name: 'shop', file: '/w/shop.sync.yaml', phase: 'incremental', updatedAt: '2026-11-24T01:00:00Z',
    rowsRead, rowsWritten: rowsRead, readRate: 0, writeRate: 0, failovers: 0, failoverEvents: [], phases: [],
    tables: [{ source: 'shop.orders', target: 'ods.orders', phase: 'incremental', chunksDone: 1, chunksTotal: 1, snapshotRows: rowsRead, rowsWritten: rowsRead, errors: [] } as unknown as TaskStatus['tables'][number]],
  };
}

function fakeIntervals() {
  let now = 0;
  let timers: { id: number; every: number; next: number; fn: () => void }[] = [];
  let ids = 0;
  const t: IntervalTimers = {
    setInterval: (fn, ms) => { const id = ++ids; timers.push({ id, every: ms, next: now + ms, fn }); return id; },
    clearInterval: (id) => { timers = timers.filter((x) => x.id !== id); },
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = timers.filter((x) => x.next <= end).sort((a, b) => a.next - b.next)[0];
      if (!due) break;
      now = due.next; due.next += due.every; due.fn();
    }
    now = end;
  };
  return { t, advance, active: () => timers.length };
}

/**
 * The dashboard host as DashboardPanel is: the task's latest status and history, every status
 * pushed through the gate, the whole state on every `ready`. `drop` loses chosen messages.
 */
class Link {
  readonly timers = fakeIntervals();
  page: DashboardState = initialState();
  readies = 0;
  latest?: TaskStatus;
  history: MetricSample[] = [];
  /** Loses the next n messages in that direction. */
  dropToHost = 0;
  dropToPage = 0;
  readonly gate = new ReadyGate<HostToDashboard>((m) => this.toPage(m), () => this.gate.post({ type: 'init', taskFile: '/w/shop.sync.yaml', status: this.latest, history: this.history }));
  handshake!: ReadyHandshake;

  /** A page (re)loads: fresh state, the handshake starts after its first draw. */
  load(): void {
    this.page = initialState();
    this.handshake = new ReadyHandshake(() => this.toHost({ type: 'ready' }), (m) => m.type === 'init', 1000, this.timers.t);
    this.handshake.start();
  }

  hostStatus(rows: number): void {
    this.latest = status(rows);
    const sample = { t: rows, rowsRead: rows, rowsWritten: rows };
    this.history = [...this.history, sample];
    this.gate.post({ type: 'status', status: this.latest, sample });
  }

  private toHost(m: DashboardToHost): void {
    if (this.dropToHost > 0) { this.dropToHost--; return; }
    if (m.type === 'ready') { this.readies++; this.gate.ready(); }
  }

  private toPage(m: HostToDashboard): void {
    if (this.dropToPage > 0) { this.dropToPage--; return; }
    this.handshake.received(m);
    this.page = fromHost(this.page, m);
  }
}

/** The rows the dashboard shows (undefined: a blank dashboard). */
const shown = (l: Link): number | undefined => l.page.status?.rowsRead;

describe('webview ready handshake', () => {
  it('statuses before the page is ready are not posted into the void: the first ready brings the current state', () => {
    const l = new Link();
    l.hostStatus(5); l.hostStatus(9);
    assert.equal(l.gate.open, false);
    l.load();
    assert.equal(l.readies, 1);
    assert.equal(shown(l), 9);
    assert.equal(l.page.status?.tables[0].source, 'shop.orders');
    assert.deepEqual(l.page.history.map((s) => s.rowsRead), [5, 9]);
    l.timers.advance(10_000);
    assert.equal(l.readies, 1, 'no ready once the state is there');
    assert.equal(l.timers.active(), 0);
    l.hostStatus(12);
    assert.equal(shown(l), 12, 'statuses flow after the handshake');
  });

  it('a lost ready is sent again until the host answers', () => {
    const l = new Link();
    l.hostStatus(5);
    l.dropToHost = 2;
    l.load();
    assert.equal(shown(l), undefined, 'nothing yet: the ready was lost');
    l.timers.advance(1000);
    assert.equal(shown(l), undefined, 'the second ready was lost too');
    l.timers.advance(1000);
    assert.equal(l.readies, 1);
    assert.equal(shown(l), 5);
    l.timers.advance(5000);
    assert.equal(l.readies, 1);
  });

  it('a lost answer (init) keeps the page asking; a status alone does not end the handshake', () => {
    const l = new Link();
    l.hostStatus(5);
    l.dropToPage = 1;
    l.load();
    assert.equal(shown(l), undefined);
    l.hostStatus(7); // reaches the page (the gate is open), but is not the whole state
    assert.equal(shown(l), 7);
    assert.equal(l.handshake.done, false);
    l.timers.advance(1000);
    assert.equal(l.readies, 2);
    assert.equal(l.handshake.done, true);
    assert.deepEqual(l.page.history.map((s) => s.rowsRead), [5, 7], 'the whole history, not only what arrived');
  });

  it('a page hidden and rebuilt gets the newest state at once, statuses while hidden are not lost', () => {
    const l = new Link();
    l.load();
    l.hostStatus(5);
    l.gate.lost(); // VS Code discarded the hidden page
    l.hostStatus(8); l.hostStatus(11);
    l.load();
    assert.equal(shown(l), 11);
    assert.deepEqual(l.page.history.map((s) => s.rowsRead), [5, 8, 11]);
  });
});
