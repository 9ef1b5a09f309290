// Read-only documents (query rows, details, exceptions, preview fallback) under the `lakesync:`
// scheme: people can read, search and copy them, and nothing asks to save them.
import * as vscode from 'vscode';
import { Disposable } from './disposable';

export const DOC_SCHEME = 'lakesync';

export class ReadOnlyDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private readonly changeEmitter = this.register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changeEmitter.event;
  private counter = 0;

  constructor() {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(DOC_SCHEME, this));
    // Forget the text of closed documents.
    this.register(vscode.workspace.onDidCloseTextDocument((d) => { if (d.uri.scheme === DOC_SCHEME) this.contents.delete(d.uri.toString()); }));
  }

  provideTextDocumentContent(uri: vscode.Uri): string { return this.contents.get(uri.toString()) ?? ''; }

  async show(title: string, content: string, language: 'markdown' | 'json' | 'plaintext' = 'markdown'): Promise<void> {
    const ext = language === 'markdown' ? 'md' : language === 'json' ? 'json' : 'txt';
    const safe = title.replace(/[\\/:*?"<>|#]/g, '_');
    const uri = vscode.Uri.from({ scheme: DOC_SCHEME, path: `/${safe}.${ext}`, query: String(++this.counter) });
    this.contents.set(uri.toString(), content);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, language);
    await vscode.window.showTextDocument(doc, { preview: false });
  }
}
