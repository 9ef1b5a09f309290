// Mapping preview: every target table, the source tables feeding it and the column mapping
// (source type -> target type, key, nullability), warnings and notes highlighted.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { HostToPreview, PreviewJson, PreviewTable, PreviewToHost } from '../../src/protocol/webview';
import { h, render } from '../shared/dom';
import { adoptCss, connect } from '../shared/vscode';
import { ReadyHandshake } from '../shared/handshake';
import baseCss from '../shared/base.css';
import css from './preview.css';
import { filterPreviewTables, isMerge, summarize, tableWarnings } from './model';

interface ViewState { filter: string; warningsOnly: boolean; collapsed: string[] }

adoptCss(baseCss, css);

let data: PreviewJson | undefined;
let error: string | undefined;
let loadedAt: string | undefined;
let loading = true;

/** `ready` until the host's first message (it answers every ready with the whole state); started after the first draw. */
const handshake = new ReadyHandshake(() => host.post({ type: 'ready' }));
const host = connect<HostToPreview, PreviewToHost, ViewState>((msg) => {
  handshake.received(msg);
  switch (msg.type) {
    case 'loading': loading = true; break;
    case 'preview': data = msg.data; error = undefined; loadedAt = msg.loadedAt; loading = false; break;
    case 'preview-error': error = msg.message; loadedAt = msg.loadedAt; loading = false; break;
  }
  draw();
});
const view: ViewState = { filter: '', warningsOnly: false, collapsed: [], ...host.getState() };
const save = () => host.setState(view);

const root = h('main', { id: 'preview' });
document.body.append(root);

function draw(): void {
  render(root, headerPart(), error ? h('div', { class: 'banner error', role: 'alert' }, h('b', null, 'Preview failed: '), error) : null,
    data ? body(data) : h('div', { class: 'empty' }, loading ? 'Loading the mapping…' : 'No preview.'));
}

function headerPart(): HTMLElement[] {
  const when = loadedAt ? new Date(loadedAt).toLocaleTimeString() : '';
  return [
    h('header', null,
      h('h1', null, 'Mapping preview', data ? ` — ${data.task}` : ''),
      h('span', { class: 'spacer' }),
      h('span', { class: 'muted', id: 'loaded-at' }, loading ? 'refreshing…' : when ? `updated ${when}` : ''),
      h('vscode-button', { secondary: true, 'data-key': 'open', onclick: () => host.post({ type: 'open-task-file' }) }, 'Open task file'),
      h('vscode-button', { 'data-key': 'refresh', onclick: () => host.post({ type: 'refresh' }) }, 'Refresh')),
    data ? h('div', { class: 'sub muted' }, h('span', { class: 'pill info' }, data.mode), ' ', data.source) : h('div'),
  ];
}

function body(p: PreviewJson): (HTMLElement | null)[] {
  const sum = summarize(p);
  const filter = h('vscode-textfield', { placeholder: 'Filter tables, columns, type:decimal', value: view.filter, 'data-key': 'filter', 'aria-label': 'Filter tables' });
  filter.addEventListener('input', () => { view.filter = filter.value; save(); drawList(); });
  const warnOnly = h('vscode-checkbox', { checked: view.warningsOnly, 'data-key': 'warnonly', label: 'Only tables with warnings' });
  warnOnly.addEventListener('change', () => { view.warningsOnly = warnOnly.checked; save(); drawList(); });
  const list = h('div', { id: 'tables' });
  const count = h('span', { class: 'muted', id: 'shown' });
  function drawList(): void {
    const shown = filterPreviewTables(p.tables, { text: view.filter, warningsOnly: view.warningsOnly });
    count.textContent = shown.length === p.tables.length ? '' : `${shown.length} of ${p.tables.length} shown`;
    render(list, shown.length ? shown.map((t) => tableCard(t, isMerge(p))) : h('div', { class: 'empty' }, p.tables.length ? 'No table matches the filter.' : 'The task selects no tables.'));
  }
  const setAll = (open: boolean) => {
    view.collapsed = open ? [] : p.tables.map((t) => t.target); save(); drawList();
  };
  drawList();
  return [
    h('div', { class: 'stats' },
      stat(sum.tables, 'target tables'), stat(sum.sources, 'source tables'), stat(sum.columns, 'columns'),
      h('span', { class: `stat ${sum.warnings ? 'warn' : 'muted'}` }, h('b', null, sum.warnings), sum.warnings === 1 ? 'warning' : 'warnings'),
      stat(sum.notes, 'notes')),
    p.warnings.length ? h('div', { class: 'banner warn', role: 'status' }, h('b', null, 'Task warnings'), h('ul', { class: 'warnings' }, p.warnings.map((w) => h('li', null, w)))) : null,
    h('div', { class: 'toolbar' }, filter, warnOnly, count, h('span', { class: 'spacer' }),
      h('button', { class: 'link', 'data-key': 'expand', onclick: () => setAll(true) }, 'Expand all'),
      h('button', { class: 'link', 'data-key': 'collapse', onclick: () => setAll(false) }, 'Collapse all')),
    list,
  ];
}

/** `label` is plural; one drops its final s ("1 target table"). */
function stat(n: number, label: string): HTMLElement {
  return h('span', { class: 'stat' }, h('b', null, n), h('span', { class: 'muted' }, n === 1 ? label.replace(/s$/, '') : label));
}

function tableCard(t: PreviewTable, merge: boolean): HTMLElement {
  const warnings = tableWarnings(t);
  const card = h('details', { class: `table${warnings ? ' has-warning' : ''}`, 'data-target': t.target, open: !view.collapsed.includes(t.target) },
    h('summary', { 'data-key': `t:${t.target}` },
      h('span', { class: 'target mono' }, t.target),
      h('span', { class: 'arrow' }, '←'),
      h('span', { class: 'sources' }, (merge ? t.sources : t.sources.slice(0, 3)).map((s) => h('span', { class: 'source' }, s)),
        !merge && t.sources.length > 3 ? h('span', { class: 'muted' }, `+${t.sources.length - 3}`) : null),
      h('span', { class: 'spacer' }),
      t.key.length ? h('span', { class: 'muted' }, 'key ', h('code', null, t.key.join(', '))) : h('span', { class: 'pill warn' }, 'no key'),
      h('span', { class: 'pill muted' }, `${t.columns.length} columns`),
      warnings ? h('span', { class: 'pill warn' }, `${warnings} warning${warnings > 1 ? 's' : ''}`) : null),
    h('div', { class: 'table-body' },
      merge && t.sources.length > 1 ? h('div', { class: 'merge-note muted' },
        `Merged from ${t.sources.length} source tables; rows keep their source database and table as part of the key.`) : null,
      t.warnings.length ? h('ul', { class: 'warnings' }, t.warnings.map((w) => h('li', null, w))) : null,
      h('table', { class: 'cols' },
        h('colgroup', null, h('col', { class: 'c-name' }), h('col', { class: 'c-types' }), h('col', { class: 'c-key' }), h('col', { class: 'c-null' }), h('col')),
        h('thead', null, h('tr', null, h('th', null, 'Column'), h('th', null, 'Source type → target type'), h('th', null, 'Key'), h('th', null, 'Nullable'), h('th', null, 'Notes'))),
        h('tbody', null, t.columns.map((c) => h('tr', { class: [c.key ? 'key' : '', c.warning ? 'warning' : ''].join(' ').trim() || null },
          h('td', { class: 'name mono' }, c.name),
          h('td', { class: 'types mono' }, h('span', { class: 'src' }, c.sourceType), h('span', { class: 'to' }, '→'),
            h('span', { class: 'tgt' }, c.targetType)),
          h('td', { class: 'flag' }, c.key ? h('span', { class: 'pill info', title: 'part of the target key' }, 'key') : ''),
          h('td', { class: 'flag' }, c.nullable ? h('span', { class: 'muted' }, 'null') : h('span', null, 'not null')),
          h('td', { class: 'remark' }, c.warning ? h('div', { class: 'warn' }, c.warning) : null, c.note ? h('div', { class: 'note muted' }, c.note) : null)))))));
  card.addEventListener('toggle', () => {
    const open = (card as HTMLDetailsElement).open;
    view.collapsed = view.collapsed.filter((x) => x !== t.target).concat(open ? [] : [t.target]);
    save();
  });
  return card;
}

draw();
// ready until the host answers (a lost ready would leave the page blank)
handshake.start();
