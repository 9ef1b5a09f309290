// `lakesync preview --json` for a task, run once at a time per file and cached: the tree's
// tables, completion's table and database names, and the semantic diagnostics all read it.
import * as vscode from 'vscode';
import type { PreviewJson } from '../../protocol/webview';
import { Disposable } from '../common/disposable';
import type { TaskModel } from '../model/taskModel';
import { readPreview, type PreviewData } from '../model/previewData';
import { MissingSecretError } from '../secrets/secretStore';
import { parseJsonOutput } from './engineCli';
import { cliError, type EngineManager } from './engineManager';

export interface PreviewResult { raw: PreviewJson; data: PreviewData; at: number }

export class PreviewService extends Disposable {
  private readonly cache = new Map<string, PreviewResult>();
  private readonly inflight = new Map<string, Promise<PreviewResult>>();
  private readonly loadedEmitter = this.register(new vscode.EventEmitter<{ file: string; result?: PreviewResult; error?: string }>());
  readonly onDidLoad = this.loadedEmitter.event;

  constructor(private readonly engines: EngineManager, private readonly model: TaskModel) { super(); }

  cached(file: string): PreviewResult | undefined { return this.cache.get(file); }

  forget(file?: string): void { if (file) this.cache.delete(file); else this.cache.clear(); }

  /** Runs the preview (or joins the one already running). Rejects with a message for people. */
  load(file: string, token?: vscode.CancellationToken): Promise<PreviewResult> {
    const running = this.inflight.get(file);
    if (running) return running;
    this.model.setPreviewLoading(file);
    const p = (async () => {
      try {
        const r = await this.engines.runCli(file, ['preview', file, '--json'], token);
        const json = r.code === 0 ? parseJsonOutput(r.stdout) : undefined;
        if (!json) throw new Error(cliError(r));
        const result: PreviewResult = { raw: json as PreviewJson, data: readPreview(json), at: Date.now() };
        this.cache.set(file, result);
        this.model.setPreviewTables(file, result.data.tables);
        this.loadedEmitter.fire({ file, result });
        return result;
      } catch (err) {
        const message = err instanceof MissingSecretError ? 'the source password is not set (LakeSync: Set Source Password)' : (err as Error).message;
        this.model.setPreviewTables(file, undefined, message);
        this.loadedEmitter.fire({ file, error: message });
        throw err;
      } finally {
        this.inflight.delete(file);
      }
    })();
    this.inflight.set(file, p);
    return p;
  }
}
