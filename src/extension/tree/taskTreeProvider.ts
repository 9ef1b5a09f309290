// The LakeSync view: renders the model through the pure node views (model/treeNodes.ts).
// It owns its change event and computes nothing itself.
import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import type { TaskModel } from '../model/taskModel';
import { taskChildren, taskNode, type NodeView } from '../model/treeNodes';

export class LakeSyncTreeItem extends vscode.TreeItem {
  constructor(public node: NodeView) {
    super(node.label, node.collapsible ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    this.update(node);
  }

  /** Re-renders this same element (its identity is what VS Code's handle maps to: see TaskTreeProvider). */
  update(node: NodeView): void {
    this.node = node;
    this.label = node.label;
    this.id = node.id;
    this.description = node.description;
    this.tooltip = node.tooltip ? new vscode.MarkdownString(node.tooltip) : undefined;
    this.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
    this.contextValue = node.contextValue;
    if (node.kind === 'task') this.resourceUri = vscode.Uri.file(node.file);
    if (node.command) this.command = { command: node.command, title: node.label, arguments: [this] };
    else if (node.kind === 'source' || node.kind === 'target') {
      this.command = { command: 'lakesync.openTaskFile', title: 'Open Task File', arguments: [this] };
    } else this.command = undefined;
  }

  /** Plain arguments for commands and webviews: `{ file, table? }`. */
  get target(): { file: string; table?: string } {
    return { file: this.node.file, ...(this.node.table ? { table: this.node.table } : {}) };
  }
}

const same = (a: NodeView, b: NodeView): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Why elements are kept and refreshed one by one: VS Code resolves a context-menu command's row
 * from the element handle at the moment the command runs. A refresh of the whole tree clears that
 * map until the view has asked for the children again, so a right-click on a running task (whose
 * status redraws the view every second) sometimes reached the command without its row, and the
 * command asked "Which sync task?". Now the whole tree is refreshed only when the set of tasks
 * changes; otherwise only the rows whose rendering changed are refreshed, as the same objects,
 * and a task's rows are refreshed as a whole only when its set of children changed.
 */
export class TaskTreeProvider extends Disposable implements vscode.TreeDataProvider<LakeSyncTreeItem> {
  private readonly changeEmitter = this.register(new vscode.EventEmitter<LakeSyncTreeItem | LakeSyncTreeItem[] | undefined | void>());
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private pending?: NodeJS.Timeout;
  /** Called when a task is expanded and nothing tells its tables yet. */
  onNeedTables?: (file: string) => void;
  /** The elements VS Code knows, by node id. */
  private readonly items = new Map<string, LakeSyncTreeItem>();
  private rootIds: string[] | undefined;
  /** Child ids per task id, for the tasks whose children the view asked for. */
  private readonly childIds = new Map<string, string[]>();

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
    this.pending = setTimeout(() => { this.pending = undefined; this.refreshChanged(); }, 250);
  }

  refresh(): void { this.rootIds = undefined; this.changeEmitter.fire(); }

  /** Fires the smallest change event that brings the view up to date (see the class comment). */
  private refreshChanged(): void {
    const now = this.now();
    const entries = this.model.list();
    const nodes = entries.map((e) => taskNode(e, now));
    if (!this.rootIds || nodes.map((n) => n.id).join('\u0000') !== this.rootIds.join('\u0000')) { this.refresh(); return; }
    const changed: LakeSyncTreeItem[] = [];
    entries.forEach((entry, i) => {
      const node = nodes[i];
      const item = this.items.get(node.id);
      if (!item) return;
      const known = this.childIds.get(node.id);
      const children = known ? taskChildren(entry, now) : [];
      if (!same(item.node, node) || (known && children.map((c) => c.id).join('\u0000') !== known.join('\u0000'))) {
        item.update(node);
        changed.push(item); // its children are asked for again
        return;
      }
      for (const c of children) {
        const child = this.items.get(c.id);
        if (child && !same(child.node, c)) { child.update(c); changed.push(child); }
      }
    });
    if (changed.length) this.changeEmitter.fire(changed);
  }

  /** The kept element of a node, brought up to date. */
  private itemOf(node: NodeView): LakeSyncTreeItem {
    const item = this.items.get(node.id);
    if (item) { item.update(node); return item; }
    const made = new LakeSyncTreeItem(node);
    this.items.set(node.id, made);
    return made;
  }

  getTreeItem(item: LakeSyncTreeItem): vscode.TreeItem { return item; }

  getChildren(item?: LakeSyncTreeItem): LakeSyncTreeItem[] {
    const now = this.now();
    if (!item) {
      const nodes = this.model.list().map((e) => taskNode(e, now));
      this.rootIds = nodes.map((n) => n.id);
      // forget the elements of tasks that are gone
      const live = new Set(this.model.list().map((e) => e.info.file));
      for (const [id, it] of this.items) if (!live.has(it.node.file)) { this.items.delete(id); this.childIds.delete(id); }
      return nodes.map((n) => this.itemOf(n));
    }
    if (item.node.kind !== 'task') return [];
    const entry = this.model.get(item.node.file);
    if (!entry) return [];
    if (!entry.status?.tables.length && !entry.previewTables && !entry.previewLoading && !entry.previewError) this.onNeedTables?.(entry.info.file);
    const children = taskChildren(entry, now);
    this.childIds.set(item.node.id, children.map((c) => c.id));
    return children.map((n) => this.itemOf(n));
  }

  getParent(item: LakeSyncTreeItem): LakeSyncTreeItem | undefined {
    if (item.node.kind === 'task') return undefined;
    const entry = this.model.get(item.node.file);
    return entry ? this.itemOf(taskNode(entry, this.now())) : undefined;
  }
}
