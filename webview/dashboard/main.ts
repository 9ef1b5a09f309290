// Task dashboard: phase timeline, tiles, live charts and the per-table grid with its operations.
// All state lives in a pure reducer (state.ts); this file only draws it and turns clicks into
// typed messages. Redraws are coalesced to one per animation frame; the host sends ≤ 1 status/s.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import uplotCss from 'uplot/dist/uPlot.min.css';
import { TABLE_OP_NAMES, TABLE_OPS, type TableOp } from '../../src/protocol/table-ops';
import type { TablePhase, TableStatus, TableStorage, TableVerified, TaskPhase } from '../../src/protocol/status';
import type { DashboardToHost, HostToDashboard } from '../../src/protocol/webview';
import { h, render } from '../shared/dom';
import { adoptCss, connect } from '../shared/vscode';
import { ReadyHandshake } from '../shared/handshake';
import baseCss from '../shared/base.css';
import css from './dashboard.css';
import { Charts } from './charts';
import { formatCompact, formatCount, formatDuration, formatTime } from './format';
import { filterTables, progressOf, sortTables, visibleRange, type SortKey } from './grid';
import { chartWindow, rateOver } from './series';
import {
  dismissNotice, fromHost, initialState, isPending, opLabel, PERIODS, requestOp, requestQuery, toggleSort, withView,
  type DashboardState, type ViewState,
} from './state';
import { phaseSegments } from './timeline';

adoptCss(baseCss, uplotCss, css);

const ROW_HEIGHT = 30;
/** The row menu: every table operation (src/protocol/table-ops.ts). */
const ROW_OPS: readonly TableOp[] = TABLE_OP_NAMES;
/** The details panel's buttons: the operations that take no input and change what the task does (backfill has its form). */
const PANEL_OPS: readonly TableOp[] = TABLE_OP_NAMES.filter((o) => !TABLE_OPS[o].reads && !TABLE_OPS[o].where);

let state: DashboardState;
/** `ready` until the host's first full state arrives (started after the first draw, at the end of this file). */
const handshake = new ReadyHandshake(() => host.post({ type: 'ready' }), (msg) => msg.type === 'init');
const host = connect<HostToDashboard, DashboardToHost, ViewState>((msg) => {
  handshake.received(msg);
  state = fromHost(state, msg);
  if (msg.type === 'op-result' || msg.type === 'query-result') drawAll(); else schedule();
});
state = initialState(host.getState());

function post(msg: DashboardToHost): void { host.post(msg); }
function setView(change: Partial<ViewState>): void {
  state = withView(state, change);
  host.setState(state.view);
  schedule();
}
function op(o: TableOp, table: string, where?: string): void {
  const [next, msg] = requestOp(state, o, table, where);
  state = next;
  host.setState(state.view);
  post(msg);
  drawAll();
}

// ---------- layout ----------
const headerEl = h('header', { id: 'header' });
const noticesEl = h('div', { id: 'notices', 'aria-live': 'polite' });
const timelineEl = h('section', { id: 'timeline', class: 'card', 'aria-label': 'Phases' });
const tilesEl = h('section', { id: 'tiles', 'aria-label': 'Totals' });
const rateChartEl = h('div', { class: 'chart', id: 'chart-rate' });
const latencyChartEl = h('div', { class: 'chart', id: 'chart-latency' });
const chartsEl = h('section', { id: 'charts' },
  h('div', { class: 'card' }, h('h2', null, 'Rows per second'), rateChartEl),
  h('div', { class: 'card' }, h('h2', null, 'Data latency'), latencyChartEl));
const gridToolbar = h('div', { class: 'toolbar', id: 'grid-toolbar' });
const gridHead = h('div', { class: 'grid-row grid-head', role: 'row' });
const gridBody = h('div', { class: 'grid-body', role: 'rowgroup' });
const gridScroll = h('div', { class: 'grid-scroll' }, gridBody);
const gridEl = h('div', { id: 'grid', role: 'grid', 'aria-label': 'Tables' }, gridHead, gridScroll);
const panelTop = h('div');
const panelBody = h('div');
const panelEl = h('aside', { id: 'panel', class: 'card' }, panelTop, panelBody);
const menuEl = h('div', { id: 'row-menu', role: 'menu', hidden: true });
document.body.append(h('main', { id: 'dashboard' }, headerEl, noticesEl, timelineEl, tilesEl, chartsEl,
  h('section', { id: 'tables', class: 'card' }, h('h2', null, 'Tables'), gridToolbar, h('div', { class: 'tables-split' }, gridEl, panelEl))), menuEl);
const charts = new Charts(rateChartEl, latencyChartEl);
gridScroll.addEventListener('scroll', () => drawGridBody());

let frame = 0;
function schedule(): void {
  if (!frame) frame = requestAnimationFrame(() => { frame = 0; drawAll(); });
}

// ---------- header ----------
const PHASE_LABEL: Record<TaskPhase | TablePhase, string> = {
  stopped: 'stopped', initializing: 'initializing', 'full-sync': 'full sync', incremental: 'incremental',
  failed: 'failed', pending: 'pending', cancelled: 'cancelled',
};
const PHASE_CLASS: Record<TaskPhase | TablePhase, string> = {
  stopped: 'muted', initializing: 'info', 'full-sync': 'info', incremental: 'ok', failed: 'error', pending: 'muted', cancelled: 'muted',
};
function phasePill(p: TaskPhase | TablePhase): HTMLElement {
  return h('span', { class: `pill ${PHASE_CLASS[p] ?? 'muted'}`, 'data-phase': p }, PHASE_LABEL[p] ?? p);
}

function drawHeader(): void {
  const s = state.status;
  render(headerEl,
    h('h1', null, s?.name ?? (state.taskFile ? state.taskFile.split('/').pop() : 'Task')),
    s ? phasePill(s.phase) : h('span', { class: 'pill muted' }, 'not running'),
    s?.pid ? h('span', { class: 'muted' }, `pid ${s.pid}`) : null,
    s?.position ? h('span', { class: 'muted' }, 'position ', h('code', null, s.position)) : null,
    h('span', { class: 'spacer' }),
    s ? h('span', { class: 'muted' }, `updated ${formatTime(s.updatedAt)}`) : null,
    h('button', { class: 'link', 'data-key': 'open-file', onclick: () => post({ type: 'open-task-file' }) }, 'Open task file'));
  render(noticesEl,
    s?.error ? h('div', { class: 'banner error', role: 'alert' }, h('b', null, 'Task failed: '), s.error) : null,
    state.notices.map((n) => h('div', { class: `banner ${n.kind === 'error' ? 'error' : ''}`, role: n.kind === 'error' ? 'alert' : 'status' },
      n.text, ' ', h('button', { class: 'link', 'aria-label': 'Dismiss', onclick: () => { state = dismissNotice(state, n.id); drawAll(); } }, '✕'))));
}

// ---------- timeline ----------
function drawTimeline(): void {
  const s = state.status;
  const segs = s ? phaseSegments(s.phases, Date.now()) : [];
  if (!segs.length) { render(timelineEl, h('h2', null, 'Phases'), h('div', { class: 'muted' }, s ? 'No phase reported yet.' : 'The task is not running. Start it from the LakeSync view.')); return; }
  const bar = h('div', { class: 'phase-bar' }, segs.map((g) => {
    const el = h('div', { class: `phase-seg phase-${g.phase}${g.current ? ' current' : ''}`, title: `${PHASE_LABEL[g.phase]}: ${formatDuration(g.end - g.start)}` });
    el.style.flexGrow = String(Math.max(g.share, 0.04));
    return el;
  }));
  // A legend rather than labels under each segment: short phases (a resync's full sync) stay readable.
  const labels = h('div', { class: 'phase-labels' }, segs.map((g) => h('div', { class: `phase-label${g.current ? ' current' : ''}` },
    h('span', { class: `phase-dot phase-${g.phase}` }), h('b', null, PHASE_LABEL[g.phase]),
    h('span', { class: 'muted' }, ` ${formatTime(new Date(g.start).toISOString())}`),
    g.end > g.start ? h('span', { class: 'muted' }, ` · ${formatDuration(g.end - g.start)}`) : null)));
  render(timelineEl, h('h2', null, 'Phases'), bar, labels);
}

// ---------- tiles ----------
// Built once and updated in place: re-creating the period select every second would close it.
const tileValue = () => h('span', { class: 'tile-value' });
const readValue = tileValue();
const writtenValue = tileValue();
const readRateValue = tileValue();
const writeRateValue = tileValue();
const failoverValue = tileValue();
const failoverList = h('div', { class: 'failover-list' });
const periodSelect = h('vscode-single-select', { 'aria-label': 'Rate period', class: 'period' },
  PERIODS.map((p) => h('vscode-option', { value: String(p.ms), selected: p.ms === state.view.periodMs }, p.label)));
periodSelect.addEventListener('change', () => setView({ periodMs: Number(periodSelect.value) }));
tilesEl.append(
  h('div', { class: 'tile card', id: 'tile-read' }, h('div', { class: 'tile-label' }, 'Records read'), readValue),
  h('div', { class: 'tile card', id: 'tile-written' }, h('div', { class: 'tile-label' }, 'Records written'), writtenValue),
  h('div', { class: 'tile card', id: 'tile-rates' },
    h('div', { class: 'tile-label' }, 'Average rate over ', periodSelect),
    h('div', { class: 'tile-rates' }, h('div', null, readRateValue, h('span', { class: 'muted' }, ' read/s')),
      h('div', null, writeRateValue, h('span', { class: 'muted' }, ' written/s')))),
  h('div', { class: 'tile card', id: 'tile-failovers' }, h('div', { class: 'tile-label' }, 'Failovers'), failoverValue, failoverList));

function drawTiles(): void {
  const s = state.status;
  const period = state.view.periodMs;
  readValue.textContent = formatCount(s?.rowsRead);
  writtenValue.textContent = formatCount(s?.rowsWritten);
  readRateValue.textContent = formatCompact(rateOver(state.history, 'rowsRead', period) ?? s?.readRate);
  writeRateValue.textContent = formatCompact(rateOver(state.history, 'rowsWritten', period) ?? s?.writeRate);
  failoverValue.textContent = formatCount(s?.failovers ?? 0);
  failoverValue.classList.toggle('warn', !!s?.failovers);
  const events = (s?.failoverEvents ?? []).slice(-10).reverse();
  const sig = JSON.stringify(events);
  if (failoverList.dataset.sig === sig) return;
  failoverList.dataset.sig = sig;
  render(failoverList, events.length
    ? h('details', { class: 'failovers' }, h('summary', { 'data-key': 'failovers' }, `last ${events.length} events`),
      h('ol', null, events.map((e) => h('li', null, h('span', { class: 'muted' }, formatTime(e.time)), ' ', e.cause, h('span', { class: 'muted' }, ` → ${e.action}`)))))
    : h('div', { class: 'muted' }, 'none'));
}

// ---------- grid ----------
const COLUMNS: { key: SortKey | null; label: string; cls: string }[] = [
  { key: 'table', label: 'Table', cls: 'c-table' }, { key: 'state', label: 'State', cls: 'c-state' },
  { key: 'progress', label: 'Full sync', cls: 'c-progress' }, { key: 'rows', label: 'Rows written', cls: 'c-rows num' },
  { key: 'position', label: 'Read position', cls: 'c-position' }, { key: 'updated', label: 'Updated', cls: 'c-updated' },
  { key: 'latency', label: 'Latency', cls: 'c-latency num' }, { key: 'verified', label: 'Verified', cls: 'c-verified' },
  { key: null, label: '', cls: 'c-actions' },
];
let shownRows: TableStatus[] = [];

function drawGridToolbar(): void {
  if (gridToolbar.childElementCount) return; // built once: keeps the text field's focus and caret
  const filter = h('vscode-textfield', { placeholder: 'Filter: name, state:full, has:errors', value: state.view.filter, 'aria-label': 'Filter tables', id: 'grid-filter' });
  filter.addEventListener('input', () => setView({ filter: filter.value }));
  gridToolbar.append(filter, h('span', { class: 'muted', id: 'grid-count' }));
}

function drawGrid(): void {
  drawGridToolbar();
  const all = state.status?.tables ?? [];
  shownRows = sortTables(filterTables(all, state.view.filter), state.view.sort);
  const countEl = document.getElementById('grid-count');
  if (countEl) countEl.textContent = shownRows.length === all.length ? `${all.length} tables` : `${shownRows.length} of ${all.length} tables`;
  const sort = state.view.sort;
  render(gridHead, COLUMNS.map((c) => c.key
    ? h('div', { class: `cell ${c.cls}`, role: 'columnheader', 'aria-sort': sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none' },
      h('button', { class: 'sort', 'data-key': `sort:${c.key}`, onclick: () => setView({ sort: toggleSort(state.view.sort, c.key as SortKey) }) },
        c.label, sort.key === c.key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''))
    : h('div', { class: `cell ${c.cls}`, role: 'columnheader' }, h('span', { class: 'sr-only' }, 'Actions'))));
  drawGridBody();
}

function drawGridBody(): void {
  if (!shownRows.length) {
    render(gridBody, h('div', { class: 'empty' }, state.status?.tables.length ? 'No table matches the filter.' : 'No tables reported yet.'));
    return;
  }
  const r = visibleRange(shownRows.length, gridScroll.scrollTop, gridScroll.clientHeight || 600, ROW_HEIGHT);
  const top = h('div', { class: 'pad' }); top.style.height = `${r.padTop}px`;
  const bottom = h('div', { class: 'pad' }); bottom.style.height = `${r.padBottom}px`;
  gridBody.setAttribute('aria-rowcount', String(shownRows.length));
  render(gridBody, top, shownRows.slice(r.start, r.end).map((t, i) => gridRow(t, r.start + i)), bottom);
}

function gridRow(t: TableStatus, index: number): HTMLElement {
  const p = progressOf(t);
  const bar = h('div', { class: 'bar-fill' }); bar.style.width = `${Math.round(p * 100)}%`;
  const selected = state.view.selected === t.source;
  const row = h('div', { class: `grid-row${selected ? ' selected' : ''}${t.errors.length ? ' has-errors' : ''}`, role: 'row', 'aria-rowindex': index + 1, 'data-table': t.source, 'aria-selected': selected },
    h('div', { class: 'cell c-table', role: 'gridcell', title: `${t.source} → ${t.target}` },
      h('button', { class: 'link table-name', 'data-key': `row:${t.source}`, onclick: () => op('details', t.source) }, t.source),
      h('span', { class: 'muted' }, ` → ${t.target}`)),
    h('div', { class: 'cell c-state', role: 'gridcell' }, phasePill(t.phase), t.errors.length ? h('span', { class: 'pill error', title: 'exceptions' }, String(t.errors.length)) : null),
    h('div', { class: 'cell c-progress', role: 'gridcell', title: `${t.chunksDone}/${t.chunksTotal} chunks, ${formatCount(t.snapshotRows)} rows` },
      h('div', { class: 'bar', role: 'progressbar', 'aria-valuenow': Math.round(p * 100), 'aria-valuemin': 0, 'aria-valuemax': 100 }, bar),
      h('span', { class: 'muted pct' }, `${Math.round(p * 100)}%`)),
    h('div', { class: 'cell c-rows num', role: 'gridcell', title: `read ${formatCount(t.rowsRead)} · written ${formatCount(t.rowsWritten)} · full sync ${formatCount(t.snapshotRows)}` }, formatCount(t.rowsWritten)),
    h('div', { class: 'cell c-position mono', role: 'gridcell', title: t.position ?? '' }, t.position ?? '–'),
    h('div', { class: 'cell c-updated', role: 'gridcell', title: t.lastUpdate ?? '' }, formatTime(t.lastUpdate)),
    h('div', { class: 'cell c-latency num', role: 'gridcell' }, formatDuration(t.latencyMs)),
    h('div', { class: 'cell c-verified', role: 'gridcell', title: t.verified ? verifiedTitle(t.verified) : 'not verified yet (Verify in the table panel)' },
      t.verified ? h('button', { class: 'link verified', 'data-key': `verified:${t.source}`, onclick: () => setView({ selected: t.source, panel: 'verify' }) },
        verifiedPill(t.verified), formatTime(t.verified.at)) : h('span', { class: 'muted' }, '–')),
    h('div', { class: 'cell c-actions', role: 'gridcell' },
      h('button', { class: 'icon-button', 'data-key': `menu:${t.source}`, 'aria-haspopup': 'menu', 'aria-label': `Operations for ${t.source}`, title: 'Operations',
        onclick: (e: Event) => openMenu(t.source, e.currentTarget as HTMLElement) }, '⋯')));
  return row;
}

// ---------- row menu ----------
let menuFor: string | undefined;
function openMenu(table: string, anchor: HTMLElement): void {
  menuFor = table;
  render(menuEl, ROW_OPS.map((o) => h('button', { role: 'menuitem', class: `menu-item${TABLE_OPS[o].danger ? ' danger' : ''}`, 'data-op': o,
    onclick: () => { closeMenu(); if (TABLE_OPS[o].where) { setView({ selected: table, panel: 'details' }); focusBackfill(); } else op(o, table); } },
  TABLE_OPS[o].where ? `${opLabel(o)}…` : opLabel(o))));
  const r = anchor.getBoundingClientRect();
  menuEl.hidden = false;
  menuEl.style.top = `${Math.min(r.bottom + window.scrollY, window.scrollY + window.innerHeight - menuEl.offsetHeight - 4)}px`;
  menuEl.style.left = `${Math.max(4, r.right - menuEl.offsetWidth + window.scrollX)}px`;
  menuEl.querySelector<HTMLElement>('button')?.focus();
}
function closeMenu(): void { menuEl.hidden = true; menuFor = undefined; }
document.addEventListener('click', (e) => { if (menuFor && !menuEl.contains(e.target as Node) && !(e.target as HTMLElement).closest?.('.icon-button')) closeMenu(); });
document.addEventListener('keydown', (e) => {
  if (menuEl.hidden) {
    if (e.key === 'Escape' && state.view.selected) setView({ selected: undefined });
    return;
  }
  const items = Array.from(menuEl.querySelectorAll<HTMLElement>('button'));
  const i = items.indexOf(document.activeElement as HTMLElement);
  if (e.key === 'Escape') { const t = menuFor; closeMenu(); document.querySelector<HTMLElement>(`[data-key="menu:${CSS.escape(t ?? '')}"]`)?.focus(); }
  else if (e.key === 'ArrowDown') { items[(i + 1) % items.length]?.focus(); e.preventDefault(); }
  else if (e.key === 'ArrowUp') { items[(i - 1 + items.length) % items.length]?.focus(); e.preventDefault(); }
});

// ---------- side panel: details, exceptions, ops ----------
let backfillWhere = '';
function focusBackfill(): void { requestAnimationFrame(() => document.getElementById('backfill-where')?.focus()); }

function drawPanel(): void {
  const name = state.view.selected;
  const t = state.status?.tables.find((x) => x.source === name);
  if (!name || !t) { panelEl.hidden = true; return; }
  panelEl.hidden = false;
  const tab = (id: ViewState['panel'], label: string) => h('button', { role: 'tab', class: `tab${state.view.panel === id ? ' active' : ''}`, 'aria-selected': state.view.panel === id, 'data-key': `tab:${id}`,
    onclick: () => (id === 'exceptions' ? op('exceptions', name) : setView({ panel: id })) }, label);
  const opButton = (o: TableOp, secondary = true) => h('vscode-button', { secondary, disabled: isPending(state, name, o), 'data-op': o, onclick: () => op(o, name) }, opLabel(o));
  const sig = `${name}|${ROW_OPS.map((o) => (isPending(state, name, o) ? 1 : 0)).join('')}`;
  if (panelTop.dataset.sig !== sig) {
    panelTop.dataset.sig = sig;
    render(panelTop,
    h('div', { class: 'panel-head' }, h('h2', null, h('code', null, t.source)), h('span', { class: 'spacer' }),
      h('button', { class: 'link', 'aria-label': 'Close', onclick: () => setView({ selected: undefined }) }, '✕')),
    h('div', { class: 'muted' }, '→ ', h('code', null, t.target)),
    h('div', { class: 'ops' }, ...PANEL_OPS.map((o) => opButton(o))),
    backfillForm(name));
  }
  render(panelBody,
    h('div', { role: 'tablist', class: 'tabs' }, tab('details', 'Details'), tab('exceptions', `Exceptions (${(state.exceptions[name] ?? t.errors).length})`),
      tab('verify', 'Verify')),
    state.view.panel === 'details' ? details(t) : state.view.panel === 'verify' ? verifyPanel(t) : exceptions(t));
}

function backfillForm(table: string): HTMLElement {
  const where = h('vscode-textfield', { id: 'backfill-where', placeholder: "WHERE … (optional), e.g. id > 1000", value: backfillWhere, 'aria-label': 'Backfill condition' });
  where.addEventListener('input', () => { backfillWhere = where.value; });
  return h('div', { class: 'backfill' }, where,
    h('vscode-button', { disabled: isPending(state, table, 'backfill'), 'data-op': 'backfill', onclick: () => op('backfill', table, backfillWhere.trim() || undefined) }, 'Backfill'));
}

/** An Iceberg table's files, snapshots and last maintenance. */
function storageRows(s: TableStorage): [string, string | HTMLElement][] {
  const m = s.maintenance;
  return [
    ['Files', `${formatCount(s.dataFiles)} data · ${formatCount(s.deleteFiles)} delete`], ['Snapshots', formatCount(s.snapshots)],
    ['Last maintenance', m ? h('span', { title: m.detail }, h('span', { class: `pill ${m.outcome === 'ok' ? 'ok' : m.outcome === 'failed' ? 'error' : 'muted'}` }, m.outcome),
      ` ${formatTime(m.at)} · ${m.detail}`) : 'not yet'],
  ];
}

function details(t: TableStatus): HTMLElement {
  const rows: [string, string | HTMLElement][] = [
    ['State', phasePill(t.phase)],
    ['Full sync', `${t.chunksDone}/${t.chunksTotal} chunks · ${formatCount(t.snapshotRows)} rows`],
    ['Snapshot', t.snapshotStartedAt ? `${formatTime(t.snapshotStartedAt)} → ${t.snapshotEndedAt ? formatTime(t.snapshotEndedAt) : 'running'}` : '–'],
    ['Rows read', formatCount(t.rowsRead)], ['Rows written', formatCount(t.rowsWritten)],
    ['Read position', h('code', null, t.position ?? '–')],
    ['Last source commit', formatTime(t.lastSourceTime)], ['Last update', formatTime(t.lastUpdate)],
    ['Latency', `${formatDuration(t.latencyMs)} (p50 ${formatDuration(t.latencyP50Ms)}, p99 ${formatDuration(t.latencyP99Ms)})`],
    ...(t.storage ? storageRows(t.storage) : []),
  ];
  const q = state.query;
  const [ns, tbl] = t.target.split('.');
  const sql = `SELECT * FROM "${ns}"."${tbl}" LIMIT 50`;
  return h('div', { role: 'tabpanel' },
    h('dl', { class: 'details' }, rows.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
    h('div', { class: 'toolbar' }, h('vscode-button', { secondary: true, 'data-key': 'query', onclick: () => { const [n, m] = requestQuery(state, sql); state = n; post(m); drawAll(); } }, 'Show target rows'),
      q && q.sql === sql && !q.result && !q.error ? h('span', { class: 'muted' }, 'querying…') : null),
    q && q.sql === sql && q.error ? h('div', { class: 'banner error' }, q.error) : null,
    q && q.sql === sql && q.result ? h('div', { class: 'query-result' }, h('table', null,
      h('thead', null, h('tr', null, q.result.columns.map((c) => h('th', null, c)))),
      h('tbody', null, q.result.rows.map((r) => h('tr', null, r.map((v) => h('td', null, v === null ? h('span', { class: 'muted' }, 'NULL') : String(v)))))))) : null);
}

// ---------- verify ----------
const VERIFY_CLASS: Record<TableVerified['result'], string> = { equal: 'ok', different: 'error', skipped: 'muted', error: 'error' };
function verifiedPill(v: TableVerified): HTMLElement {
  const label = v.result === 'different' ? `${formatCount(v.differences)} diff${v.differences === 1 ? '' : 's'}` : v.result;
  return h('span', { class: `pill ${VERIFY_CLASS[v.result]}`, 'data-verified': v.result }, label);
}
function verifiedTitle(v: TableVerified): string {
  return `${v.result}${v.repaired ? ' (repaired)' : ''} at ${v.at}: ${formatCount(v.rows)} rows${v.message ? ` · ${v.message}` : ''}`;
}

/** The newest verify result of the table, and buttons that run Verify Table (and its repair) on it. */
function verifyPanel(t: TableStatus): HTMLElement {
  const v = t.verified;
  const run = (repair: boolean) => h('vscode-button', { secondary: !repair || v?.result !== 'different', 'data-key': repair ? 'repair' : 'verify',
    onclick: () => post({ type: 'verify', table: t.source, repair }) }, repair ? 'Repair' : 'Verify');
  return h('div', { role: 'tabpanel' },
    v ? h('dl', { class: 'details' }, [
      ['Result', h('span', null, verifiedPill(v), v.repaired ? ' repaired' : '')], ['Verified at', formatTime(v.at)],
      ['Rows compared', formatCount(v.rows)], ['Differences', formatCount(v.differences)],
      ...(v.message ? [['Note', v.message] as [string, string]] : []),
    ].flatMap(([k, x]) => [h('dt', null, k), h('dd', null, x)]))
      : h('div', { class: 'empty' }, 'Not verified yet: Verify compares the target with the source, chunk by chunk, while the task runs.'),
    v?.sample?.length ? h('ul', { class: 'verify-sample' }, v.sample.map((x) => h('li', null, h('code', null, x))),
      v.differences > v.sample.length ? h('li', { class: 'muted' }, `… and ${formatCount(v.differences - v.sample.length)} more (the report lists all)`) : null) : null,
    h('div', { class: 'toolbar' }, run(false), v?.result === 'different' ? run(true) : null));
}

function exceptions(t: TableStatus): HTMLElement {
  const list = state.exceptions[t.source] ?? t.errors;
  if (!list.length) return h('div', { role: 'tabpanel', class: 'empty' }, 'No exceptions for this table.');
  return h('div', { role: 'tabpanel' }, h('ol', { class: 'exceptions' }, list.slice().reverse().map((e) => h('li', null,
    h('div', null, h('span', { class: 'muted' }, formatTime(e.time)), e.position ? [' ', h('code', null, e.position)] : null),
    h('div', { class: 'error-message' }, e.message)))));
}

// ---------- all ----------
function drawAll(): void {
  drawHeader();
  drawTimeline();
  drawTiles();
  charts.update(chartWindow(state.history, state.view.chartMs));
  drawGrid();
  drawPanel();
}

drawAll();
// ready until the host's full state arrives (a lost ready would leave the page blank)
handshake.start();
