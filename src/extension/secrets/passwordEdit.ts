// Where `${secret:NAME}` goes in a task file: replaces the source password's value, or adds a
// `password:` line to `source:`. No vscode import: unit-tested.
import { plainPasswordRange } from '../editor/diagnostics';
import { stripComment } from '../editor/yamlPath';

export interface TextEdit0 { line: number; startCol: number; endCol: number; text: string }

/** Secret names are also the keys in VS Code's secret storage and in LAKESYNC_SECRET_<NAME>. */
export function validateSecretName(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(name)) return 'Use letters, digits, ".", "_" or "-", starting with a letter.';
  return undefined;
}

/**
 * The edit that makes `path` (default source.password) say `${secret:NAME}`. A nested key (a
 * passphrase under source.ssh or source.tls) is only replaced where it has a plain value.
 */
export function passwordRefEdit(text: string, secretName: string, path: string[] = ['source', 'password']): TextEdit0 | undefined {
  const ref = `\${secret:${secretName}}`;
  const plain = plainPasswordRange(text, path);
  if (plain) return { line: plain.startLine, startCol: plain.startCol, endCol: plain.endCol, text: ref };
  if (path.join('.') !== 'source.password') return undefined;
  const lines = text.split(/\r?\n/);
  let sourceLine = -1;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (/^\S/.test(l)) {
      if (sourceLine >= 0) break;
      if (/^source\s*:\s*(#.*)?$/.test(l)) sourceLine = i;
      continue;
    }
    if (sourceLine < 0) continue;
    const m = /^(\s+)password\s*:\s*/.exec(l);
    if (m) {
      const value = stripComment(l.slice(m[0].length)).trimEnd();
      return { line: i, startCol: m[0].length, endCol: m[0].length + value.length, text: ref };
    }
  }
  if (sourceLine < 0) return undefined;
  // No password line yet: add one after the last key line of `source:` with that block's indent.
  let last = sourceLine, indent = '  ';
  for (let i = sourceLine + 1; i < lines.length && (/^\s/.test(lines[i]) || lines[i].trim() === ''); i++) {
    if (lines[i].trim() && !lines[i].trim().startsWith('#')) { last = i; indent = /^\s+/.exec(lines[i])![0]; }
  }
  const end = lines[last].length;
  return { line: last, startCol: end, endCol: end, text: `\n${indent}password: ${ref}` };
}

export function applyEdit(text: string, e: TextEdit0): string {
  const lines = text.split('\n');
  const l = lines[e.line];
  lines[e.line] = l.slice(0, e.startCol) + e.text + l.slice(e.endCol);
  return lines.join('\n');
}
