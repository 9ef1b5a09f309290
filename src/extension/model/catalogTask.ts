// The task file used to list every table of a source for completion: the same source block,
// `tables: ["*.*"]`, nothing excluded. The engine's preview of it names every table it can see.
// No vscode import: unit-tested.
import { parseDocument } from 'yaml';

export function catalogTaskText(text: string): string | undefined {
  const doc = parseDocument(text);
  if (doc.errors.length > 0 || !doc.has('source')) return undefined;
  doc.set('mode', 'multi-table-mirror');
  doc.set('tables', ['*.*']);
  for (const key of ['exclude', 'databases', 'tablesFrom', 'virtualTables']) doc.delete(key);
  return doc.toString();
}

/** The source block as text, to tell whether a cached catalog still applies. */
export function sourceSignature(text: string): string {
  try { return JSON.stringify(parseDocument(text).toJS()?.source ?? null); } catch { return ''; }
}
