// The dashboard panel of one task: forwards status (≤ 1/s), keeps the metric history while the
// page is hidden, and turns the page's table operations into calls on the feed.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isTableOp, tableOpInfo, type TableOp } from '../../protocol/table-ops';
import type { TaskStatus } from '../../protocol/status';
import type { DashboardToHost, HostToDashboard, MetricSample } from '../../protocol/webview';
import { appendSample, sampleOf } from '../../../webview/dashboard/series';
import type { DashboardFeed } from './feed';
import { errorMessage, WebviewHost } from './host';
import { LatestThrottle } from './throttle';

export class DashboardPanel extends WebviewHost<DashboardToHost, HostToDashboard> {
  private status: TaskStatus | undefined;
  private history: MetricSample[];
  private readonly throttle: LatestThrottle<TaskStatus>;

  constructor(context: vscode.ExtensionContext, readonly taskFile: vscode.Uri, private readonly feed: DashboardFeed) {
    super(context, 'lakesync.dashboard', `LakeSync: ${path.basename(taskFile.fsPath).replace(/\.sync\.ya?ml$/, '')}`, 'dashboard');
    this.history = feed.history?.() ?? [];
    this.status = feed.current();
    if (this.status) this.history = appendSample(this.history, sampleOf(this.status, Date.now()));
    this.throttle = new LatestThrottle((s) => {
      const sample = sampleOf(s, Date.now());
      this.history = appendSample(this.history, sample);
      this.post({ type: 'status', status: s, sample });
    });
    this.register({ dispose: () => this.throttle.dispose() });
    this.register(feed.onStatus((s) => { this.status = s; this.throttle.push(s); }));
    this.load();
  }

  protected onReady(): void {
    this.post({ type: 'init', taskFile: this.taskFile.fsPath, status: this.status, history: this.history });
  }

  protected async onMessage(msg: DashboardToHost): Promise<void> {
    switch (msg.type) {
      case 'ready': return;
      case 'open-task-file': await vscode.window.showTextDocument(this.taskFile); return;
      case 'table-op': return this.tableOp(msg.requestId, msg.op, msg.table, msg.where);
      case 'verify':
        if (typeof msg.table === 'string') await this.feed.verify(msg.table, msg.repair === true);
        return;
      case 'query': {
        try {
          this.post({ type: 'query-result', requestId: msg.requestId, ok: true, result: await this.feed.query(String(msg.sql)) });
        } catch (e) {
          this.post({ type: 'query-result', requestId: msg.requestId, ok: false, error: errorMessage(e) });
        }
        return;
      }
    }
  }

  private async tableOp(requestId: number, op: TableOp, table: string, where?: string): Promise<void> {
    if (!isTableOp(op) || typeof table !== 'string') return;
    const reply = (ok: boolean, result?: unknown, error?: string) => this.post({ type: 'op-result', requestId, op, table, ok, result, error });
    // Details are in the status the page already has.
    if (op === 'details') return reply(true);
    const confirm = tableOpInfo(op).confirm?.(table);
    if (confirm && (await vscode.window.showWarningMessage(confirm.question, { modal: true }, confirm.button)) !== confirm.button) {
      return reply(false, undefined, 'not confirmed');
    }
    try {
      reply(true, await this.feed.runTableOp(op, table, typeof where === 'string' && where.trim() ? where : undefined));
    } catch (e) {
      // Without a running engine the page still shows the exceptions the status carries.
      if (op === 'exceptions') return reply(true);
      reply(false, undefined, errorMessage(e));
    }
  }
}
