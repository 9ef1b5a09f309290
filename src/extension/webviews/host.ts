// Base of LakeSync's webview panels: creates the panel with a strict CSP and a fresh nonce per
// load, loads the view's bundle through asWebviewUri, and speaks the ready handshake: nothing is
// posted until the page says `ready`, and every `ready` (first load, or the panel coming back
// after VS Code discarded the hidden page) gets the whole current state again via onReady().
import * as vscode from 'vscode';
import { makeNonce, webviewHtml } from './html';
import { ReadyGate } from './ready';

export type ViewName = 'preview' | 'dashboard';

export abstract class WebviewHost<FromView extends { type: string }, ToView> implements vscode.Disposable {
  protected readonly panel: vscode.WebviewPanel;
  private readonly gate = new ReadyGate<ToView>((msg) => { void this.panel.webview.postMessage(msg); }, () => this.onReady());
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposeEmitter.event;

  constructor(protected readonly context: vscode.ExtensionContext, viewType: string, title: string, private readonly view: ViewName) {
    const root = vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview');
    // No retainContextWhenHidden: the page is rebuilt from onReady(), which is cheaper than
    // keeping a hidden page (and its timers) alive.
    this.panel = vscode.window.createWebviewPanel(viewType, title, vscode.ViewColumn.Active,
      { enableScripts: true, localResourceRoots: [root], enableFindWidget: true });
    this.panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'lakesync.svg');
    this.register(this.panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)));
    this.register(this.panel.onDidChangeViewState((e) => { if (!e.webviewPanel.visible) this.gate.lost(); }));
    this.panel.onDidDispose(() => this.dispose());
  }

  /** (Re)loads the page with a new nonce; the page answers with `ready`. */
  protected load(): void {
    this.gate.lost();
    const webview = this.panel.webview;
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview', `${this.view}.js`));
    webview.html = webviewHtml({ cspSource: webview.cspSource, nonce: makeNonce(), scriptUri: script.toString(), title: this.panel.title, view: this.view });
  }

  protected register<T extends vscode.Disposable>(d: T): T {
    if (this.disposed) d.dispose(); else this.disposables.push(d);
    return d;
  }

  /** Posts only to a page that said `ready`; otherwise the next onReady() sends the state anyway. */
  protected post(msg: ToView): void {
    if (!this.disposed) this.gate.post(msg);
  }

  private receive(m: unknown): void {
    if (!m || typeof m !== 'object' || typeof (m as { type?: unknown }).type !== 'string') return;
    if ((m as { type: string }).type === 'ready') {
      this.gate.ready();
      return;
    }
    void Promise.resolve(this.onMessage(m as FromView)).catch((e: unknown) => {
      void vscode.window.showErrorMessage(`LakeSync: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  protected abstract onReady(): void;
  protected abstract onMessage(msg: FromView): void | Promise<void>;

  reveal(): void { this.panel.reveal(); }

  get webviewPanel(): vscode.WebviewPanel { return this.panel; }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
    this.disposeEmitter.fire();
    this.disposeEmitter.dispose();
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
