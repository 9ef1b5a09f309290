// What `lakesync run` prints: per-table bars on a terminal (redrawn at most 4 times a second),
// plain lines otherwise, JSON lines with --json.
import type { LogLevel } from '../../protocol/ipc';
import type { TableStatus, TaskStatus } from '../../protocol/status';

export type OutputMode = 'tty' | 'plain' | 'json';

const n = (x: number) => x.toLocaleString('en-US');

function bar(done: number, total: number, width = 24): string {
  const f = total > 0 ? Math.min(1, done / total) : 0;
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

export function tableLine(t: TableStatus, nameWidth: number): string {
  const name = t.source.padEnd(nameWidth);
  switch (t.phase) {
    case 'full-sync': return `${name}  ${bar(t.chunksDone, t.chunksTotal)}  ${t.chunksDone}/${t.chunksTotal} chunks  ${n(t.snapshotRows)} rows`;
    case 'incremental': {
      const lat = t.latencyMs !== undefined ? `  latency ${n(t.latencyMs)} ms` : '';
      return `${name}  incremental  ${n(t.rowsWritten)} rows written${lat}`;
    }
    default: return `${name}  ${t.phase}${t.errors.length ? `  (${t.errors.at(-1)!.message})` : ''}`;
  }
}

/** Bytes in the unit a person reads at a glance. */
function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** `--until-caught-up`: the goal and how far the committed checkpoint still is from it. */
export function catchUpLine(s: TaskStatus): string {
  const c = s.catchUp;
  if (!c) return '';
  if (c.caughtUp) return `  caught up (goal ${c.goal})`;
  const left = c.bytesLeft !== undefined ? `${size(c.bytesLeft)} left to ${c.goal}` : `catching up to ${c.goal}`;
  const read = c.sourceRead ? `, source read ${c.sourceRead}` : '';
  const quiet = c.quietMs >= 10_000 ? `, nothing received for ${Math.round(c.quietMs / 1000)} s` : '';
  return `  ${left}${read}${quiet}`;
}

export function summaryLine(s: TaskStatus): string {
  return `${s.name}: ${s.phase}  read ${n(s.readRate)} rows/s  write ${n(s.writeRate)} rows/s  position ${s.position ?? '-'}`
    + (s.failovers ? `  failovers ${s.failovers}` : '') + catchUpLine(s);
}

export class ProgressOutput {
  private timer?: NodeJS.Timeout;
  private drawn = 0;
  private lastPhases = new Map<string, string>();
  private lastPlain = 0;

  constructor(readonly mode: OutputMode, private readonly current: () => TaskStatus) {}

  start(): void {
    if (this.mode !== 'tty') return;
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref();
  }

  /** Called with each published status (at most once a second). */
  status(s: TaskStatus): void {
    if (this.mode === 'json') { process.stdout.write(JSON.stringify({ type: 'status', status: s }) + '\n'); return; }
    if (this.mode !== 'plain') return;
    for (const t of s.tables) {
      if (this.lastPhases.get(t.source) !== t.phase) {
        this.lastPhases.set(t.source, t.phase);
        process.stdout.write(`${t.source}: ${t.phase}${t.phase === 'full-sync' ? ` (${t.chunksTotal} chunks)` : ''}\n`);
      }
    }
    if (Date.now() - this.lastPlain >= 10_000) {
      this.lastPlain = Date.now();
      process.stdout.write(summaryLine(s) + '\n');
    }
  }

  log(level: LogLevel, message: string): void {
    const time = new Date().toISOString();
    if (this.mode === 'json') { process.stdout.write(JSON.stringify({ type: 'log', level, message, time }) + '\n'); return; }
    if (level === 'debug' || level === 'trace') return;
    this.clear();
    process.stderr.write(`${time} ${level.padEnd(5)} ${message}\n`);
    this.draw();
  }

  private clear(): void {
    if (this.mode !== 'tty' || this.drawn === 0) return;
    process.stdout.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  draw(): void {
    if (this.mode !== 'tty') return;
    const s = this.current();
    const width = Math.max(8, ...s.tables.map((t) => t.source.length));
    const cols = process.stdout.columns || 120;
    const lines = [summaryLine(s), ...s.tables.slice(0, 40).map((t) => tableLine(t, width))];
    if (s.tables.length > 40) lines.push(`... and ${s.tables.length - 40} more tables`);
    this.clear();
    process.stdout.write(lines.map((l) => l.slice(0, cols - 1)).join('\n') + '\n');
    this.drawn = lines.length;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.mode === 'tty') this.draw();
  }
}
