// One compact status bar item: how many tasks run and the worst data latency; a failed task
// turns it into a warning. Clicking opens the LakeSync view.
import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import { VIEW_CONTAINER } from '../common/commandIds';
import type { TaskModel } from '../model/taskModel';
import { statusBarText } from '../model/statusSummary';

export class StatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('lakesync.status', vscode.StatusBarAlignment.Left, 50));

  constructor(private readonly model: TaskModel) {
    super();
    this.item.name = 'LakeSync';
    this.item.command = `workbench.view.extension.${VIEW_CONTAINER}`;
    this.register(model.onChange(() => this.update()));
    const tick = setInterval(() => this.update(), 2000);
    this.register({ dispose: () => clearInterval(tick) });
    this.update();
  }

  private update(): void {
    const view = statusBarText(this.model, Date.now());
    if (!view) { this.item.hide(); return; }
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.backgroundColor = view.failed > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }
}
