// The LakeSync view: renders the model through the pure node views (model/treeNodes.ts).
// It owns its change event and computes nothing itself.
import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import type { TaskModel } from '../model/taskModel';
import { taskChildren, taskNode, type NodeView } from '../model/treeNodes';

export class LakeSyncTreeItem extends vscode.TreeItem {
  constructor(readonly node: NodeView) {
    super(node.label, node.collapsible ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    this.id = node.id;
    this.description = node.description;
    this.tooltip = node.tooltip ? new vscode.MarkdownString(node.tooltip) : undefined;
    this.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
    this.contextValue = node.contextValue;
    if (node.kind === 'task') this.resourceUri = vscode.Uri.file(node.file);
    if (node.command) this.command = { command: node.command, title: node.label, arguments: [this] };
    else if (node.kind === 'source' || node.kind === 'target') {
      this.command = { command: 'lakesync.openTaskFile', title: 'Open Task File', arguments: [this] };
    }
  }

  /** Plain arguments for commands and webviews: `{ file, table? }`. */
  get target(): { file: string; table?: string } {
    return { file: this.node.file, ...(this.node.table ? { table: this.node.table } : {}) };
  }
}

export class TaskTreeProvider extends Disposable implements vscode.TreeDataProvider<LakeSyncTreeItem> {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<LakeSyncTreeItem | undefined | void>());
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private pending?: NodeJS.Timeout;
  /** Called when a task is expanded and nothing tells its tables yet. */
  onNeedTables?: (file: string) => void;

  constructor(private readonly model: TaskModel, private readonly now: () => number = Date.now) {
    super();
    this.register(model.onChange(() => this.refreshSoon()));
    // Countdowns ("restarting in 4 s") and staleness need a tick even without events.
    const tick = setInterval(() => { if (model.list().some((e) => e.run !== 'stopped')) this.refreshSoon(); }, 1000);
    this.register({ dispose: () => { clearInterval(tick); clearTimeout(this.pending); } });
  }

  /** Status arrives several times a second with many tasks: redraw at most every 250 ms. */
  refreshSoon(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => { this.pending = undefined; this.changeEmitter.fire(); }, 250);
  }

  refresh(): void { this.changeEmitter.fire(); }

  getTreeItem(item: LakeSyncTreeItem): vscode.TreeItem { return item; }

  getChildren(item?: LakeSyncTreeItem): LakeSyncTreeItem[] {
    const now = this.now();
    if (!item) return this.model.list().map((e) => new LakeSyncTreeItem(taskNode(e, now)));
    if (item.node.kind !== 'task') return [];
    const entry = this.model.get(item.node.file);
    if (!entry) return [];
    if (!entry.status?.tables.length && !entry.previewTables && !entry.previewLoading && !entry.previewError) this.onNeedTables?.(entry.info.file);
    return taskChildren(entry, now).map((n) => new LakeSyncTreeItem(n));
  }

  getParent(item: LakeSyncTreeItem): LakeSyncTreeItem | undefined {
    if (item.node.kind === 'task') return undefined;
    const entry = this.model.get(item.node.file);
    return entry ? new LakeSyncTreeItem(taskNode(entry, this.now())) : undefined;
  }
}
