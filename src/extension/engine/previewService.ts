// `lakesync preview --json` for a task, run once at a time per file and cached: the tree's
// tables, completion's table and database names, and the semantic diagnostics all read it.
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { catalogTaskText, sourceSignature } from '../model/catalogTask';
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
  private readonly catalogs = new Map<string, Promise<{ tables: string[]; databases: string[] }>>();
  private readonly loadedEmitter = this.register(new vscode.EventEmitter<{ file: string; result?: PreviewResult; error?: string }>());
  readonly onDidLoad = this.loadedEmitter.event;

  constructor(private readonly engines: EngineManager, private readonly model: TaskModel) { super(); }

  cached(file: string): PreviewResult | undefined { return this.cache.get(file); }

  /** Drops the mapped preview of a file (after a save), or everything (Refresh). */
  forget(file?: string): void {
    if (file) this.cache.delete(file); else { this.cache.clear(); this.catalogs.clear(); }
  }

  /**
   * Every table and database the task's source shows (for completion), cached per task: the
   * engine's preview of the same source with `tables: ["*.*"]`, written to a temp file that holds
   * only what the task file holds (secret references, never values).
   */
  catalog(file: string, text: string): Promise<{ tables: string[]; databases: string[] }> {
    // Keyed by the source block too: edits elsewhere in the file keep the list.
    const key = `${file}\n${sourceSignature(text)}`;
    let p = this.catalogs.get(key);
    if (p) return p;
    p = (async () => {
      const catalogText = catalogTaskText(text);
      if (!catalogText) throw new Error('the task file does not parse');
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lakesync-catalog-'));
      const tmp = path.join(dir, path.basename(file));
      try {
        await fs.writeFile(tmp, catalogText);
        const r = await this.engines.runCli(file, ['preview', tmp, '--json']);
        const json = r.code === 0 ? parseJsonOutput(r.stdout) : undefined;
        if (!json) throw new Error(cliError(r));
        const data = readPreview(json);
        return { tables: data.sourceTables, databases: data.databases };
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    })();
    this.catalogs.set(key, p);
    p.catch(() => this.catalogs.delete(key)); // try again next time
    return p;
  }

  /** Runs the preview (or joins the one already running). Rejects with a message for people. */
  load(file: string, token?: vscode.CancellationToken): Promise<PreviewResult> {
    const running = this.inflight.get(file);
    if (running) return running;
    this.model.setPreviewLoading(file);
    const p = (async () => {
      try {
        const r = await this.engines.runCli(file, ['preview', file, '--json'], token);
        // exit 1 with a document: the mapping has errors (e.g. two tables, one target name) it lists
        const json = r.code === 0 || r.code === 1 ? parseJsonOutput(r.stdout) : undefined;
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
