// One LogOutputChannel per task, fed by its engine's log messages at their own levels, plus one
// for the extension itself.
import * as vscode from 'vscode';
import type { LogLevel } from '../../protocol/ipc';
import { Disposable } from '../common/disposable';

export class LogChannels extends Disposable {
  private readonly channels = new Map<string, vscode.LogOutputChannel>();
  readonly main = this.register(vscode.window.createOutputChannel('LakeSync', { log: true }));

  /** The channel of a task (created on first use; keyed by file, named by task). */
  forTask(file: string, name: string): vscode.LogOutputChannel {
    let ch = this.channels.get(file);
    if (!ch) {
      ch = this.register(vscode.window.createOutputChannel(`LakeSync: ${name}`, { log: true }));
      this.channels.set(file, ch);
    }
    return ch;
  }

  write(file: string, name: string, level: LogLevel, message: string): void {
    const ch = this.forTask(file, name);
    switch (level) {
      case 'trace': ch.trace(message); break;
      case 'debug': ch.debug(message); break;
      case 'info': ch.info(message); break;
      case 'warn': ch.warn(message); break;
      case 'error': ch.error(message); break;
    }
  }

  show(file: string, name: string): void { this.forTask(file, name).show(true); }
}
