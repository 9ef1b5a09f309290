// The state behind the LakeSync tree and status bar: every task file, what its engine is doing and
// the newest status it reported. Built only from events (file scans, engine status messages,
// status files, preview results); the tree just renders it. No vscode import: unit-tested.
import type { TaskStatus } from '../../protocol/status';
import type { TaskFileInfo } from './taskFile';

/** What the extension's own supervisor is doing with a task's engine process. */
export type RunState = 'stopped' | 'starting' | 'running' | 'stopping' | 'restarting';

export interface PreviewTable { source: string; target: string }

export interface TaskEntry {
  info: TaskFileInfo;
  run: RunState;
  /** Newest status: from the engine stream while running, else from the status file. */
  status?: TaskStatus;
  statusFrom?: 'engine' | 'file';
  /** Tables from `lakesync preview --json`, when nothing better is known. */
  previewTables?: PreviewTable[];
  /** Preview run in flight, or why the last one failed. */
  previewLoading?: boolean;
  previewError?: string;
  /** Engine crashes or hangs seen by this window's supervisor (each one restarted = a failover). */
  failovers: number;
  /** Why the last run ended badly, for the tooltip and the failed state. */
  lastError?: string;
  /** Wall time (ms) of the newest engine message. */
  lastHeartbeat?: number;
  /** When the next restart is due, while restarting. */
  restartAt?: number;
  /** Whether the process named by the status file's `pid` exists (an engine run elsewhere). */
  filePidAlive?: boolean;
}

type Listener = (file?: string) => void;

export class TaskModel {
  private readonly tasks = new Map<string, TaskEntry>();
  private readonly listeners = new Set<Listener>();

  onChange(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => { this.listeners.delete(listener); } };
  }

  private changed(file?: string): void { for (const l of [...this.listeners]) l(file); }

  /** Sorted by task name, then file. */
  list(): TaskEntry[] {
    return [...this.tasks.values()].sort((a, b) => a.info.name.localeCompare(b.info.name) || a.info.file.localeCompare(b.info.file));
  }

  get(file: string): TaskEntry | undefined { return this.tasks.get(file); }

  /** Adds or refreshes a task file; its run state and status survive edits of the file. */
  upsert(info: TaskFileInfo): void {
    const entry = this.tasks.get(info.file);
    if (entry) entry.info = info;
    else this.tasks.set(info.file, { info, run: 'stopped', failovers: 0 });
    this.changed(info.file);
  }

  remove(file: string): void {
    if (this.tasks.delete(file)) this.changed(file);
  }

  /** Replaces the whole set of task files (a rescan); entries of files that remain keep their state. */
  replaceAll(infos: TaskFileInfo[]): void {
    const keep = new Set(infos.map((i) => i.file));
    for (const file of [...this.tasks.keys()]) if (!keep.has(file)) this.tasks.delete(file);
    for (const info of infos) {
      const entry = this.tasks.get(info.file);
      if (entry) entry.info = info;
      else this.tasks.set(info.file, { info, run: 'stopped', failovers: 0 });
    }
    this.changed();
  }

  setRun(file: string, run: RunState, error?: string, restartAt?: number): void {
    const entry = this.tasks.get(file);
    if (!entry) return;
    entry.run = run;
    // A new start, or a stop without an error, clears the last failure.
    if (run === 'starting' || (run === 'stopped' && error === undefined)) entry.lastError = undefined;
    if (error !== undefined) entry.lastError = error;
    entry.restartAt = run === 'restarting' ? restartAt : undefined;
    this.changed(file);
  }

  /** A status message from the task's engine: it is also the heartbeat. */
  applyEngineStatus(file: string, status: TaskStatus, now: number): void {
    const entry = this.tasks.get(file);
    if (!entry) return;
    entry.status = status;
    entry.statusFrom = 'engine';
    entry.lastHeartbeat = now;
    if (entry.run === 'starting' || entry.run === 'restarting') entry.run = 'running';
    this.changed(file);
  }

  /** Any engine message proves it is alive. */
  heartbeat(file: string, now: number): void {
    const entry = this.tasks.get(file);
    if (entry) entry.lastHeartbeat = now;
  }

  /** A status file read from disk: ignored while this window's engine streams fresher status. */
  applyFileStatus(file: string, status: TaskStatus | undefined): void {
    const entry = this.tasks.get(file);
    if (!entry || (entry.statusFrom === 'engine' && entry.run !== 'stopped')) return;
    entry.status = status;
    entry.statusFrom = status ? 'file' : undefined;
    this.changed(file);
  }

  /** Liveness of the status file's engine process, checked by the discovery poll. */
  setFilePidAlive(file: string, alive: boolean | undefined): void {
    const entry = this.tasks.get(file);
    if (!entry || entry.filePidAlive === alive) return;
    entry.filePidAlive = alive;
    this.changed(file);
  }

  setPreviewTables(file: string, tables: PreviewTable[] | undefined, error?: string): void {
    const entry = this.tasks.get(file);
    if (!entry) return;
    if (tables) entry.previewTables = tables;
    entry.previewLoading = false;
    entry.previewError = error;
    this.changed(file);
  }

  setPreviewLoading(file: string): void {
    const entry = this.tasks.get(file);
    if (!entry) return;
    entry.previewLoading = true;
    this.changed(file);
  }

  recordFailover(file: string, cause: string): void {
    const entry = this.tasks.get(file);
    if (!entry) return;
    entry.failovers += 1;
    entry.lastError = cause;
    this.changed(file);
  }

  /** Tasks whose engine this window runs (any state but stopped). */
  running(): TaskEntry[] { return this.list().filter((t) => t.run !== 'stopped'); }
}
