// Every listener, watcher, process and panel is registered once and released once.
import * as vscode from 'vscode';

export abstract class Disposable implements vscode.Disposable {
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [];

  protected get isDisposed(): boolean { return this.disposed; }

  /** Keeps `value` until this object is disposed (disposed at once if that already happened). */
  protected register<T extends vscode.Disposable>(value: T): T {
    if (this.disposed) value.dispose();
    else this.disposables.push(value);
    return value;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // Reverse order: later things may depend on earlier ones.
    for (const d of this.disposables.reverse()) {
      try { d.dispose(); } catch { /* keep releasing the rest */ }
    }
    this.disposables.length = 0;
  }
}
