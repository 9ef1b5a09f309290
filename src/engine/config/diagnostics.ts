// Task-file problems as positioned diagnostics (for the editor) and as one UserError (for the CLI).
import { UserError } from '../errors';

export interface TaskDiagnostic {
  file: string;
  /** 1-based start of the offending node. */
  line: number;
  column: number;
  /** 1-based end (exclusive column) of the offending node. */
  endLine: number;
  endColumn: number;
  /** One sentence: what is wrong and how to fix it. */
  message: string;
  severity: 'error' | 'warning';
  /** Dotted path of the offending value, e.g. "source.port" or "tables[2]"; "" for the whole file. */
  path: string;
}

/** `shop.sync.yaml:5:9 source.port must be a number, got "abc"` (the file as given, warnings marked). */
export function formatDiagnostic(d: TaskDiagnostic): string {
  return `${d.file}:${d.line}:${d.column} ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}

export function sortDiagnostics(list: TaskDiagnostic[]): TaskDiagnostic[] {
  return list.sort((a, b) => a.line - b.line || a.column - b.column || a.message.localeCompare(b.message));
}

export class TaskFileError extends UserError {
  constructor(readonly diagnostics: TaskDiagnostic[]) {
    super(TaskFileError.describe(diagnostics));
    this.name = 'TaskFileError';
  }

  // One line per diagnostic, already sorted by position: the CLI prints this as is.
  private static describe(diagnostics: TaskDiagnostic[]): string {
    return diagnostics.map(formatDiagnostic).join('\n');
  }
}
