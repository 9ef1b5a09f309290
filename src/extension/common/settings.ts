// The extension's settings, read fresh each time (they can change while tasks run).
import * as vscode from 'vscode';
import type { LogLevel } from '../../protocol/ipc';

export interface Settings { runtime: string; memoryMb: number; logLevel: LogLevel }

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('lakesync');
  return {
    runtime: c.get<string>('engine.runtime', '') ?? '',
    memoryMb: c.get<number>('engine.memoryMb', 2048) ?? 2048,
    logLevel: c.get<LogLevel>('logLevel', 'info') ?? 'info',
  };
}

const ORDER: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];
export function levelAtLeast(level: LogLevel, min: LogLevel): boolean {
  return ORDER.indexOf(level) >= ORDER.indexOf(min);
}
