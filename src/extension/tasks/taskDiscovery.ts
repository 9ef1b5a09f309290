// Keeps the model's list of task files current: a scan on start, a FileSystemWatcher on
// **/*.sync.yaml, and the status files the engine writes next to each target (read on change
// and polled while some task runs outside this window, e.g. from the CLI).
import { readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as vscode from 'vscode';
import type { TaskStatus } from '../../protocol/status';
import { Disposable } from '../common/disposable';
import { TASK_GLOB } from '../common/commandIds';
import type { TaskModel } from '../model/taskModel';
import { readTaskFileInfo, statusFileOf, type TaskFileInfo } from '../model/taskFile';

const STATUS_POLL_MS = 3000;

/**
 * Whether the engine that wrote a status file still runs. Signal 0 checks existence (EPERM: it
 * exists, someone else's); where /proc exists, a reused pid of another program does not count.
 */
function processAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try { process.kill(pid, 0); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false; }
  try { return /lakesync|engine\.js/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8')); } catch { return true; }
}

export class TaskDiscovery extends Disposable {
  private readonly statusMtimes = new Map<string, number>();
  private readonly onDidScanEmitter = this.register(new vscode.EventEmitter<void>());
  readonly onDidScan = this.onDidScanEmitter.event;
  /** A task file changed on disk (saved), after the model has its new content. */
  private readonly changedEmitter = this.register(new vscode.EventEmitter<string>());
  readonly onDidChangeTaskFile = this.changedEmitter.event;
  /** A task file was created or changed on disk (by this window or another program). */
  private readonly writtenEmitter = this.register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidWriteTaskFile = this.writtenEmitter.event;

  constructor(private readonly model: TaskModel) {
    super();
    const watcher = this.register(vscode.workspace.createFileSystemWatcher(TASK_GLOB));
    this.register(watcher.onDidCreate((uri) => { this.writtenEmitter.fire(uri); void this.readOne(uri); }));
    this.register(watcher.onDidChange((uri) => { this.writtenEmitter.fire(uri); void this.readOne(uri).then(() => this.changedEmitter.fire(uri.fsPath)); }));
    this.register(watcher.onDidDelete((uri) => { this.model.remove(uri.fsPath); this.onDidScanEmitter.fire(); }));
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => void this.scan()));
    const poll = setInterval(() => void this.refreshStatusFiles(), STATUS_POLL_MS);
    this.register({ dispose: () => clearInterval(poll) });
  }

  async scan(): Promise<void> {
    const uris = await vscode.workspace.findFiles(TASK_GLOB, '**/node_modules/**');
    const infos = (await Promise.all(uris.map((u) => this.readInfo(u)))).filter((i): i is TaskFileInfo => !!i);
    this.model.replaceAll(infos);
    this.statusMtimes.clear();
    await this.refreshStatusFiles();
    this.onDidScanEmitter.fire();
  }

  private async readInfo(uri: vscode.Uri): Promise<TaskFileInfo | undefined> {
    try {
      const bytes = await vscode.workspace.fs.readFile(uri);
      return readTaskFileInfo(uri.fsPath, new TextDecoder().decode(bytes));
    } catch {
      return undefined;
    }
  }

  private async readOne(uri: vscode.Uri): Promise<void> {
    const info = await this.readInfo(uri);
    if (!info) return;
    this.model.upsert(info);
    this.statusMtimes.delete(info.file);
    await this.refreshStatus(info.file);
    this.onDidScanEmitter.fire();
  }

  /** Reads changed status files of tasks this window does not run. */
  async refreshStatusFiles(): Promise<void> {
    await Promise.all(this.model.list().filter((e) => e.run === 'stopped').map((e) => this.refreshStatus(e.info.file)));
  }

  async refreshStatus(file: string): Promise<void> {
    const entry = this.model.get(file);
    if (!entry) return;
    const statusFile = statusFileOf(entry.info);
    // Checked on every poll: the engine rewrites the file only when something changes.
    const pid = entry.statusFrom === 'file' ? entry.status?.pid : undefined;
    this.model.setFilePidAlive(file, pid ? processAlive(pid) : undefined);
    try {
      const st = await fs.stat(statusFile);
      if (this.statusMtimes.get(file) === st.mtimeMs) return;
      this.statusMtimes.set(file, st.mtimeMs);
      const status = JSON.parse(await fs.readFile(statusFile, 'utf8')) as TaskStatus;
      if (status && typeof status === 'object' && Array.isArray(status.tables)) {
        this.model.setFilePidAlive(file, status.pid ? processAlive(status.pid) : undefined);
        this.model.applyFileStatus(file, status);
      }
    } catch {
      if (this.statusMtimes.has(file) || entry.statusFrom === 'file') {
        this.statusMtimes.delete(file);
        this.model.applyFileStatus(file, undefined);
      }
    }
  }

  /** Forgets what was read so the next refresh reads the status file again (after an engine stops). */
  invalidate(file: string): void { this.statusMtimes.delete(file); }
}
