// The mapping preview panel of one task file: runs the engine's preview, shows it, and runs it
// again whenever the task file is saved.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostToPreview, PreviewJson, PreviewToHost } from '../../protocol/webview';
import { errorMessage, WebviewHost } from './host';

export class MappingPreviewPanel extends WebviewHost<PreviewToHost, HostToPreview> {
  private latest: HostToPreview | undefined;
  private loading = false;
  private seq = 0;

  constructor(context: vscode.ExtensionContext, readonly taskFile: vscode.Uri, private load_: () => Promise<PreviewJson>) {
    super(context, 'lakesync.mappingPreview', `Mapping: ${path.basename(taskFile.fsPath).replace(/\.sync\.ya?ml$/, '')}`, 'preview');
    this.register(vscode.workspace.onDidSaveTextDocument((doc) => {
      if (doc.uri.toString() === taskFile.toString()) void this.refresh();
    }));
    this.load();
    void this.refresh();
  }

  setLoader(load: () => Promise<PreviewJson>): void { this.load_ = load; }

  /** Runs the preview again; only the newest run's answer is shown. */
  async refresh(): Promise<void> {
    const seq = ++this.seq;
    this.loading = true;
    this.post({ type: 'loading' });
    let msg: HostToPreview;
    try {
      msg = { type: 'preview', data: await this.load_(), loadedAt: new Date().toISOString() };
    } catch (e) {
      msg = { type: 'preview-error', message: errorMessage(e), loadedAt: new Date().toISOString() };
    }
    if (seq !== this.seq) return;
    this.loading = false;
    this.latest = msg;
    this.post(msg);
  }

  protected onReady(): void {
    if (this.latest) this.post(this.latest);
    if (this.loading || !this.latest) this.post({ type: 'loading' });
  }

  protected async onMessage(msg: PreviewToHost): Promise<void> {
    switch (msg.type) {
      case 'ready': return;
      case 'refresh': return this.refresh();
      case 'open-task-file': await vscode.window.showTextDocument(this.taskFile, { viewColumn: vscode.ViewColumn.Beside }); return;
    }
  }
}
