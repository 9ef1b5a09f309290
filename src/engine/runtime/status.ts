// The task's live status: kept in memory, written to `<target>.status.json` (atomic rename, at
// most once a second) so the last state is known when the engine is not running, and pushed to
// listeners (IPC, progress display). Never holds secrets.
import { rename, writeFile } from 'node:fs/promises';
import type { CatchUpStatus, FailoverEvent, TableError, TablePhase, TableStatus, TableStorage, TableVerified, TaskPhase, TaskStatus } from '../../protocol/status';

export function statusFilePath(targetPath: string): string {
  return `${targetPath}.status.json`;
}

const WINDOW_MS = 10_000;
const LATENCY_SAMPLES = 1000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export class StatusTracker {
  readonly status: TaskStatus;
  private readonly tables = new Map<string, TableStatus>();
  private readonly latencies = new Map<string, number[]>();
  private readonly readSamples: [number, number][] = [];
  private readonly writeSamples: [number, number][] = [];
  private lastWrite = 0;
  private timer?: NodeJS.Timeout;
  private writing = Promise.resolve();
  private readonly listeners: ((s: TaskStatus) => void)[] = [];

  constructor(name: string, file: string, private readonly path: string | undefined) {
    const now = new Date().toISOString();
    this.status = {
      name, file, phase: 'initializing', pid: process.pid, startedAt: now, updatedAt: now,
      rowsRead: 0, rowsWritten: 0, readRate: 0, writeRate: 0, failovers: 0, failoverEvents: [],
      phases: [{ phase: 'initializing', at: now }], tables: [],
    };
  }

  onChange(fn: (s: TaskStatus) => void): void { this.listeners.push(fn); }

  table(source: string, target = ''): TableStatus {
    let t = this.tables.get(source);
    if (!t) {
      t = { source, target, phase: 'pending', chunksDone: 0, chunksTotal: 0, snapshotRows: 0, rowsRead: 0, rowsWritten: 0, errors: [] };
      this.tables.set(source, t);
      this.status.tables = [...this.tables.values()].sort((a, b) => a.source.localeCompare(b.source));
    }
    if (target) t.target = target;
    return t;
  }

  hasTable(source: string): boolean { return this.tables.has(source); }

  /** The outcome of a `lakesync verify` of the table (kept in the status file too). */
  setVerified(source: string, verified: TableVerified): void {
    if (!this.tables.has(source)) throw new Error(`${source} is not a table of this task`);
    this.table(source).verified = verified;
    this.changed(true);
  }

  /** The target table's files and snapshots (formats that keep them). */
  setStorage(source: string, storage: TableStorage | undefined): void {
    const t = this.tables.get(source);
    if (!t || JSON.stringify(t.storage) === JSON.stringify(storage)) return;
    t.storage = storage;
    this.changed();
  }

  setPhase(phase: TaskPhase, error?: string): void {
    if (this.status.phase !== phase) this.status.phases.push({ phase, at: new Date().toISOString() });
    this.status.phase = phase;
    if (error !== undefined) this.status.error = error;
    this.changed(phase === 'stopped' || phase === 'failed');
  }

  /** Replaces the source health warnings; returns the ones that are new since the last call. */
  setWarnings(warnings: string[]): string[] {
    const before = new Set(this.status.warnings ?? []);
    const fresh = warnings.filter((w) => !before.has(w));
    const same = warnings.length === before.size && fresh.length === 0;
    if (!same) {
      this.status.warnings = warnings.length ? warnings : undefined;
      this.changed();
    }
    return fresh;
  }

  setTablePhase(source: string, phase: TablePhase): void {
    const t = this.table(source);
    if (phase === 'full-sync' && t.phase !== 'full-sync') t.snapshotStartedAt = new Date().toISOString();
    if (t.phase === 'full-sync' && phase === 'incremental') t.snapshotEndedAt = new Date().toISOString();
    t.phase = phase;
    this.changed();
  }

  read(source: string | undefined, rows: number): void {
    if (source) this.table(source).rowsRead += rows;
    this.status.rowsRead += rows;
    this.readSamples.push([Date.now(), rows]);
    this.changed();
  }

  /** Rows written for a table by one commit; `commitTime` is the newest source commit time in it (ms). */
  wrote(source: string, rows: number, position?: string, commitTime?: number): void {
    const t = this.table(source);
    const now = Date.now();
    t.rowsWritten += rows;
    this.status.rowsWritten += rows;
    this.writeSamples.push([now, rows]);
    if (position) t.position = position;
    t.lastUpdate = new Date(now).toISOString();
    if (commitTime && commitTime > 0) {
      t.lastSourceTime = new Date(commitTime).toISOString();
      const latency = Math.max(0, now - commitTime);
      t.latencyMs = latency;
      const samples = this.latencies.get(source) ?? [];
      samples.push(latency);
      if (samples.length > LATENCY_SAMPLES) samples.shift();
      this.latencies.set(source, samples);
      const sorted = [...samples].sort((a, b) => a - b);
      t.latencyP50Ms = percentile(sorted, 50);
      t.latencyP99Ms = percentile(sorted, 99);
    }
    this.changed();
  }

  error(source: string | undefined, message: string, position?: string, level?: 'info'): TableError {
    const e: TableError = { time: new Date().toISOString(), message, ...(position ? { position } : {}), ...(level ? { level } : {}) };
    if (source) {
      const t = this.table(source);
      t.errors = [...t.errors, e].slice(-20);
    }
    this.changed();
    return e;
  }

  failover(cause: string, action: string): void {
    const e: FailoverEvent = { time: new Date().toISOString(), cause, action };
    this.status.failovers++;
    this.status.failoverEvents = [...this.status.failoverEvents, e].slice(-10);
    this.changed(true);
  }

  setPosition(position: string): void { this.status.position = position; this.changed(); }

  setCatchUp(c: CatchUpStatus): void { this.status.catchUp = c; this.changed(); }

  private rate(samples: [number, number][]): number {
    const cutoff = Date.now() - WINDOW_MS;
    while (samples.length > 0 && samples[0][0] < cutoff) samples.shift();
    const sum = samples.reduce((a, [, n]) => a + n, 0);
    return Math.round(sum / (WINDOW_MS / 1000));
  }

  /** A copy of the current status with fresh rates. */
  snapshot(): TaskStatus {
    this.status.readRate = this.rate(this.readSamples);
    this.status.writeRate = this.rate(this.writeSamples);
    this.status.updatedAt = new Date().toISOString();
    return structuredClone(this.status);
  }

  /** Schedules a publish: at most once a second, immediately when `now`. */
  changed(now = false): void {
    if (now) { void this.publish(); return; }
    if (this.timer) return;
    const wait = Math.max(0, 1000 - (Date.now() - this.lastWrite));
    this.timer = setTimeout(() => { this.timer = undefined; void this.publish(); }, wait);
    this.timer.unref();
  }

  async publish(): Promise<void> {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    this.lastWrite = Date.now();
    const snap = this.snapshot();
    for (const l of this.listeners) { try { l(snap); } catch { /* a listener never stops the engine */ } }
    if (!this.path) return;
    const path = this.path;
    this.writing = this.writing.then(async () => {
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(snap, null, 2));
      await rename(tmp, path);
    }).catch(() => { /* the status file is best effort */ });
    await this.writing;
  }

  /** Final write (stopped / failed) and no more timers. */
  async close(): Promise<void> {
    await this.publish();
    if (this.timer) clearTimeout(this.timer);
  }
}
