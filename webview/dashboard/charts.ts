// The two live charts (rows per second, data latency), drawn with uPlot on canvas. Colours come
// from the theme's chart variables and are re-read when the theme changes.
import uPlot from 'uplot';
import type { ChartWindow } from './series';
import { formatCompact, formatDuration } from './format';

function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/** A translucent fill from a #rrggbb theme colour; none for other notations. */
function tint(color: string): string | undefined {
  return /^#[0-9a-f]{6}$/i.test(color) ? color + '22' : undefined;
}

function clock(sec: number): string {
  const d = new Date(sec * 1000);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

interface Chart { plot: uPlot; el: HTMLElement; kind: 'rate' | 'latency' }

export class Charts {
  private charts: Chart[] = [];
  private last: ChartWindow = { t: [], readRate: [], writeRate: [], latency: [] };

  constructor(private readonly rateEl: HTMLElement, private readonly latencyEl: HTMLElement) {
    this.build();
    const ro = new ResizeObserver(() => this.resize());
    ro.observe(rateEl);
    ro.observe(latencyEl);
    // VS Code switches body classes (vscode-dark / -light / -high-contrast) on theme change.
    new MutationObserver(() => this.build()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  update(w: ChartWindow): void {
    this.last = w;
    for (const c of this.charts) c.plot.setData(this.columns(c.kind));
  }

  private columns(kind: Chart['kind']): uPlot.AlignedData {
    const w = this.last;
    return kind === 'rate' ? [w.t, w.readRate, w.writeRate] : [w.t, w.latency];
  }

  private build(): void {
    for (const c of this.charts) c.plot.destroy();
    const fg = themeColor('--vscode-descriptionForeground', '#888');
    const grid = themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.2)');
    const font = `11px ${themeColor('--vscode-font-family', 'sans-serif')}`;
    const axes = (fmt: (v: number) => string): uPlot.Axis[] => [
      // Whole seconds at least (samples come once a second), labelled as local wall-clock time.
      { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font, space: 70,
        incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600],
        values: (_u, vals) => vals.map((v) => clock(v)) },
      { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font, size: 56,
        values: (_u, vals) => vals.map((v) => (v == null ? '' : fmt(v))) },
    ];
    const read = themeColor('--vscode-charts-blue', '#3794ff');
    const write = themeColor('--vscode-charts-green', '#89d185');
    const lat = themeColor('--vscode-charts-orange', '#d18616');
    const base = (el: HTMLElement) => ({ width: Math.max(200, el.clientWidth), height: 160, legend: { show: true, live: false }, cursor: { drag: { x: false, y: false } } });
    const rate = new uPlot({
      ...base(this.rateEl),
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: axes((v) => formatCompact(v)),
      series: [{}, { label: 'read rows/s', stroke: read, width: 1.5, fill: tint(read), value: (_u, v) => (v == null ? '–' : formatCompact(v)) },
        { label: 'written rows/s', stroke: write, width: 1.5, value: (_u, v) => (v == null ? '–' : formatCompact(v)) }],
    }, this.columns('rate'), this.rateEl);
    const latency = new uPlot({
      ...base(this.latencyEl),
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: axes((v) => formatDuration(v * 1000)),
      series: [{}, { label: 'data latency', stroke: lat, width: 1.5, fill: tint(lat), value: (_u, v) => (v == null ? '–' : formatDuration(v * 1000)) }],
    }, this.columns('latency'), this.latencyEl);
    this.rateEl.replaceChildren(rate.root);
    this.latencyEl.replaceChildren(latency.root);
    this.charts = [{ plot: rate, el: this.rateEl, kind: 'rate' }, { plot: latency, el: this.latencyEl, kind: 'latency' }];
  }

  private resize(): void {
    for (const c of this.charts) c.plot.setSize({ width: Math.max(200, c.el.clientWidth), height: 160 });
  }
}
