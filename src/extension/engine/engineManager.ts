// The engines of this window: one supervised child process per running task, one-shot engine
// commands (check, preview, queued table operations), and the feed the dashboard reads. Wires
// engine events into the model, the task logs and notifications.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { QueryResult, TableOp } from '../../protocol/ipc';
import type { TaskStatus } from '../../protocol/status';
import { diagnoseTaskText } from '../../engine/config';
import { Disposable } from '../common/disposable';
import { levelAtLeast, readSettings } from '../common/settings';
import { locateError, looksLikeSourceProblem } from '../feedback/errorLocation';
import type { LogChannels } from '../feedback/logChannels';
import type { TaskModel } from '../model/taskModel';
import { isLive } from '../model/treeNodes';
import { MissingSecretError, type SecretStore } from '../secrets/secretStore';
import type { TaskDiscovery } from '../tasks/taskDiscovery';
import type { DashboardFeed } from '../webviews/feed';
import type { MetricSample } from '../../protocol/webview';
import { appendSample, sampleOf } from '../../../webview/dashboard/series';
import { runEngineCli, type CliResult } from './engineCli';
import { engineExecArgv, engineRuntime, STOP_GRACE_MS } from './policy';
import { restartFlags } from '../commands/startOptions';
import { TaskSupervisor } from './supervisor';
import { COMMANDS } from '../common/commandIds';

/** Engines get this long to stop when VS Code shuts the extension down (it waits only a few seconds). */
const DEACTIVATE_GRACE_MS = 3000;

export class EngineManager extends Disposable {
  private readonly supervisors = new Map<string, TaskSupervisor>();
  private readonly statusEmitters = new Map<string, vscode.EventEmitter<TaskStatus>>();
  /** Metric samples per task since this window started it, so a dashboard opened later has charts. */
  private readonly history = new Map<string, MetricSample[]>();
  readonly enginePath: string;

  constructor(
    context: vscode.ExtensionContext,
    private readonly model: TaskModel,
    private readonly logs: LogChannels,
    private readonly secrets: SecretStore,
    private readonly discovery: TaskDiscovery,
  ) {
    super();
    this.enginePath = context.asAbsolutePath(path.join('dist', 'engine.js'));
    // A task run elsewhere reports through its status file: its dashboard follows that too.
    const lastFileStatus = new Map<string, TaskStatus>();
    this.register(model.onChange((file) => {
      const entry = file ? model.get(file) : undefined;
      if (!file || !entry?.status || entry.statusFrom !== 'file' || lastFileStatus.get(file) === entry.status) return;
      lastFileStatus.set(file, entry.status);
      this.statusEmitters.get(file)?.fire(entry.status);
    }));
  }

  isRunning(file: string): boolean { return this.supervisors.has(file); }

  private async taskText(file: string): Promise<string> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
    if (open?.isDirty) await open.save();
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(file)));
  }

  private async secretsFor(file: string, text: string): Promise<Record<string, string>> {
    const { secrets, missing } = await this.secrets.resolve(text);
    if (missing.length > 0) throw new MissingSecretError(file, missing);
    return secrets;
  }

  /** Starts the task's engine with `run FILE --ipc [flags]`. Throws errors meant for people. */
  async start(file: string, flags: string[]): Promise<void> {
    if (this.supervisors.has(file)) throw new Error('The task is already running.');
    const current = this.model.get(file);
    if (current && isLive(current, Date.now())) {
      // DuckDB allows one writer: a second engine on the same target would fail anyway.
      throw new Error(`The task already runs in another process${current.status?.pid ? ` (pid ${current.status.pid})` : ''}: stop it there first.`);
    }
    const text = await this.taskText(file);
    const errors = diagnoseTaskText(text, file).filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      throw new Error(`The task file has ${errors.length} error${errors.length === 1 ? '' : 's'}; the first: ${vscode.workspace.asRelativePath(file)}:${errors[0].line}:${errors[0].column} ${errors[0].message}`);
    }
    await this.secretsFor(file, text); // fail early, before a process exists
    const entry = this.model.get(file);
    const name = entry?.info.name ?? path.basename(file);
    const sup = new TaskSupervisor({
      prepare: async (restart) => {
        // Re-read everything on each (re)start: settings, file and secrets may have changed.
        const s = readSettings();
        const current = await this.taskText(file);
        return {
          enginePath: this.enginePath,
          runtime: engineRuntime(s.runtime, process.execPath),
          execArgv: engineExecArgv(this.model.get(file)?.info.memoryMb, s.memoryMb),
          args: ['run', file, '--ipc', ...(restart ? restartFlags(flags, this.model.get(file)?.status?.position) : flags)],
          cwd: path.dirname(file),
          secrets: await this.secretsFor(file, current),
          logLevel: s.logLevel,
        };
      },
    });
    this.supervisors.set(file, sup);
    const log = this.logs.forTask(file, name);
    sup.on('state', (state, detail) => this.model.setRun(file, state, detail.error, detail.restartAt));
    sup.on('status', (status) => {
      this.model.applyEngineStatus(file, status, Date.now());
      this.history.set(file, appendSample(this.history.get(file) ?? [], sampleOf(status, Date.now())));
      this.statusEmitters.get(file)?.fire(status);
    });
    sup.on('log', (level, message) => {
      this.model.heartbeat(file, Date.now());
      if (levelAtLeast(level, readSettings().logLevel)) this.logs.write(file, name, level, message);
    });
    sup.on('failover', (cause) => {
      this.model.recordFailover(file, cause);
      log.warn(`failover: ${cause}; restarting`);
    });
    sup.on('ended', (kind, error) => {
      this.supervisors.delete(file);
      sup.removeAllListeners();
      this.discovery.invalidate(file);
      void this.discovery.refreshStatus(file);
      if (kind === 'failed' && error) {
        log.error(error);
        void this.notifyFailure(file, name, error);
      } else log.info(kind === 'finished' ? 'the engine finished' : 'the engine stopped');
    });
    log.info(`starting: ${['run', path.basename(file), ...flags].join(' ')}`);
    try {
      await sup.start();
    } catch (err) {
      this.supervisors.delete(file);
      throw err;
    }
  }

  async stop(file: string): Promise<void> {
    const sup = this.supervisors.get(file);
    if (!sup) return;
    await sup.stop(STOP_GRACE_MS);
  }

  /** On deactivate: every engine gets a stop request, then is killed if it takes too long. */
  async stopAll(): Promise<void> {
    const all = [...this.supervisors.values()];
    await Promise.all(all.map(async (sup) => {
      const timer = setTimeout(() => sup.kill(), DEACTIVATE_GRACE_MS + 500);
      try { await sup.stop(DEACTIVATE_GRACE_MS); } finally { clearTimeout(timer); }
    }));
  }

  request(file: string, body: Parameters<TaskSupervisor['request']>[0], timeoutMs?: number): Promise<unknown> {
    const sup = this.supervisors.get(file);
    if (!sup) return Promise.reject(new Error('The task is not running.'));
    return sup.request(body, timeoutMs);
  }

  /** Runs `lakesync <args> --ipc` once (secrets through init); cancellable. */
  async runCli(file: string, args: string[], token?: vscode.CancellationToken, timeoutMs?: number, secretsNeeded = true): Promise<CliResult> {
    const text = await this.taskText(file);
    // Offline commands (queued table operations, reset) read no source: missing secrets are fine.
    const secrets = secretsNeeded ? await this.secretsFor(file, text) : (await this.secrets.resolve(text)).secrets;
    const abort = new AbortController();
    const sub = token?.onCancellationRequested(() => abort.abort());
    try {
      return await runEngineCli({
        enginePath: this.enginePath, runtime: engineRuntime(readSettings().runtime, process.execPath),
        args, cwd: path.dirname(file), secrets, signal: abort.signal, timeoutMs,
      });
    } finally {
      sub?.dispose();
    }
  }

  /** A table operation: through the running engine, else queued by the CLI for the next start. */
  async tableOp(file: string, op: TableOp, table: string, where?: string): Promise<unknown> {
    if (this.supervisors.has(file)) return this.request(file, { type: 'table-op', op, table, ...(where ? { where } : {}) });
    const r = await this.runCli(file, [op, file, '--table', table, ...(where ? ['--where', where] : []), '--json'], undefined, undefined, false);
    if (r.code !== 0) throw new Error(cliError(r));
    const out = r.stdout.trim();
    try { return out ? JSON.parse(out) : { queued: true }; } catch { return out; }
  }

  /** A read-only query on the target through the engine that owns the DuckDB file. */
  async query(file: string, sql: string, limit = 1000): Promise<QueryResult> {
    if (!this.supervisors.has(file)) {
      const entry = this.model.get(file);
      throw new Error(entry && isLive(entry, Date.now())
        ? 'The task runs in another process (the CLI or another window); queries go through the engine that runs it, and DuckDB allows one writer process.'
        : 'Queries go through the running engine (DuckDB allows one writer process): start the task first.');
    }
    return (await this.request(file, { type: 'query', sql, limit }, 120_000)) as QueryResult;
  }

  /** What the dashboard reads for one task. */
  feed(file: string): DashboardFeed {
    let emitter = this.statusEmitters.get(file);
    if (!emitter) {
      emitter = this.register(new vscode.EventEmitter<TaskStatus>());
      this.statusEmitters.set(file, emitter);
    }
    return {
      current: () => this.model.get(file)?.status,
      onStatus: emitter.event,
      runTableOp: (op, table, where) => this.tableOp(file, op, table, where),
      query: (sql) => this.query(file, sql),
      verify: async (table, repair) => { await vscode.commands.executeCommand(COMMANDS.verifyTable.id, { file, table, repair }); },
      history: () => this.history.get(file) ?? [],
    };
  }

  /** A failed task: say what happened and offer the way to the cause. */
  async notifyFailure(file: string, name: string, error: string): Promise<void> {
    const firstLine = error.split('\n')[0];
    const at = locateError(error);
    const actions = [at ? 'Open Task File' : undefined, looksLikeSourceProblem(error) ? 'Check Source' : undefined, 'Show Log']
      .filter((a): a is string => !!a);
    const pick = await vscode.window.showErrorMessage(`LakeSync task "${name}" failed: ${firstLine}`, ...actions);
    if (pick === 'Open Task File') {
      const target = at && path.basename(at.file) === path.basename(file) ? at : undefined;
      const pos = new vscode.Position(Math.max(0, (target?.line ?? 1) - 1), Math.max(0, (target?.column ?? 1) - 1));
      await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: new vscode.Range(pos, pos) });
    } else if (pick === 'Check Source') {
      await vscode.commands.executeCommand('lakesync.checkSource', { file });
    } else if (pick === 'Show Log') {
      this.logs.show(file, name);
    }
  }

  override dispose(): void {
    for (const sup of this.supervisors.values()) sup.kill();
    this.supervisors.clear();
    super.dispose();
  }
}

/** The message of a failed one-shot command: its stderr (the CLI prints people's errors there). */
export function cliError(r: CliResult): string {
  if (r.cancelled) return 'Cancelled.';
  if (r.timedOut) return 'The engine did not finish in time.';
  return (r.stderr.trim() || r.stdout.trim() || `the engine exited with code ${r.code}`).split('\n').slice(0, 6).join('\n');
}
