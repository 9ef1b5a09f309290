// What the rest of the extension uses: one mapping preview and one dashboard per task file;
// opening again reveals (and for the preview, refreshes) the existing panel.
import type * as vscode from 'vscode';
import type { PreviewJson } from '../../protocol/webview';
import { DashboardPanel } from './dashboard';
import type { DashboardFeed } from './feed';
import { MappingPreviewPanel } from './preview';

export type { DashboardFeed } from './feed';

const previews = new Map<string, MappingPreviewPanel>();
const dashboards = new Map<string, DashboardPanel>();
const hooked = new WeakSet<vscode.ExtensionContext>();

/** Open panels close with the extension; registered once, not once per panel (closed ones drop out). */
function disposeWith(context: vscode.ExtensionContext): void {
  if (hooked.has(context)) return;
  hooked.add(context);
  context.subscriptions.push({ dispose: () => { for (const p of [...previews.values(), ...dashboards.values()]) p.dispose(); } });
}

export function openMappingPreview(context: vscode.ExtensionContext, taskFile: vscode.Uri, load: () => Promise<PreviewJson>): vscode.WebviewPanel {
  const key = taskFile.toString();
  const open = previews.get(key);
  if (open) {
    open.setLoader(load);
    open.reveal();
    void open.refresh();
    return open.webviewPanel;
  }
  const panel = new MappingPreviewPanel(context, taskFile, load);
  previews.set(key, panel);
  panel.onDidDispose(() => previews.delete(key));
  disposeWith(context);
  return panel.webviewPanel;
}

export function openDashboard(context: vscode.ExtensionContext, taskFile: vscode.Uri, feed: DashboardFeed): vscode.WebviewPanel {
  const key = taskFile.toString();
  const open = dashboards.get(key);
  if (open) {
    open.reveal();
    return open.webviewPanel;
  }
  const panel = new DashboardPanel(context, taskFile, feed);
  dashboards.set(key, panel);
  panel.onDidDispose(() => dashboards.delete(key));
  disposeWith(context);
  return panel.webviewPanel;
}
