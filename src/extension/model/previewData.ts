// Reads what the extension needs from `lakesync preview --json`: the mapped tables (tree),
// every source table name (completion) and the warnings (semantic diagnostics). The engine owns
// the format; this reader is lenient about it (field names the engine may use for the same thing)
// so a new optional field there never breaks the editor. No vscode import: unit-tested.
import type { PreviewTable } from './taskModel';

export interface PreviewWarning {
  message: string;
  /** Source `db.table` the warning is about, if any. */
  table?: string;
  /** Task-file path the warning is about, e.g. ['tables', 2], if the engine says. */
  path?: (string | number)[];
  /** 1-based position in the task file, if the engine says. */
  line?: number;
  column?: number;
  severity: 'error' | 'warning' | 'info';
}

export interface PreviewData {
  tables: PreviewTable[];
  /** Every table the source has (for completion); falls back to the mapped ones. */
  sourceTables: string[];
  /** Databases (PostgreSQL: schemas) seen at the source. */
  databases: string[];
  warnings: PreviewWarning[];
}

function rec(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
function s(v: unknown): string | undefined { return typeof v === 'string' && v !== '' ? v : undefined; }

/** `db.table` from a string or from an object such as {database|schema, table|name}. */
export function tableName(v: unknown): string | undefined {
  if (typeof v === 'string') return v || undefined;
  const o = rec(v);
  if (!o) return undefined;
  const full = s(o.id) ?? s(o.qualifiedName) ?? s(o.fullName);
  if (full) return full;
  const db = s(o.database) ?? s(o.schema) ?? s(o.db) ?? s(o.namespace);
  const t = s(o.table) ?? s(o.name);
  return t ? (db ? `${db}.${t}` : t) : undefined;
}

function warningOf(v: unknown, table?: string): PreviewWarning | undefined {
  if (typeof v === 'string') return { message: v, severity: 'warning', ...(table ? { table } : {}) };
  const o = rec(v);
  const message = o && (s(o.message) ?? s(o.text));
  if (!o || !message) return undefined;
  const sev = s(o.severity) ?? s(o.level);
  const w: PreviewWarning = { message, severity: sev === 'error' ? 'error' : sev === 'info' ? 'info' : 'warning' };
  const t = tableName(o.table) ?? table;
  if (t) w.table = t;
  if (Array.isArray(o.path)) w.path = o.path.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number');
  else if (typeof o.path === 'string' && o.path) w.path = o.path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  if (typeof o.line === 'number') w.line = o.line;
  if (typeof o.column === 'number') w.column = o.column;
  return w;
}

export function readPreview(json: unknown): PreviewData {
  const root = rec(json) ?? (Array.isArray(json) ? { tables: json } : {});
  const tables: PreviewTable[] = [];
  const warnings: PreviewWarning[] = [];
  const rawTables = Array.isArray(root.tables) ? root.tables : Array.isArray(root.mappings) ? root.mappings : [];
  for (const t of rawTables) {
    const o = rec(t);
    if (!o) continue;
    const target = tableName(o.target) ?? s(o.targetTable) ?? '';
    // Merged tables list several sources.
    const sources = Array.isArray(o.sources) ? o.sources.map(tableName).filter((x): x is string => !!x) : [];
    const source = tableName(o.source) ?? sources[0];
    if (source) tables.push({ source, target });
    for (const extra of sources.slice(source === sources[0] ? 1 : 0)) tables.push({ source: extra, target });
    for (const w of Array.isArray(o.warnings) ? o.warnings : []) {
      const pw = warningOf(w, source);
      if (pw) warnings.push(pw);
    }
  }
  for (const w of Array.isArray(root.warnings) ? root.warnings : []) {
    const pw = warningOf(w);
    if (pw) warnings.push(pw);
  }
  for (const e of Array.isArray(root.errors) ? root.errors : []) {
    const pw = warningOf(e);
    if (pw) warnings.push({ ...pw, severity: 'error' });
  }
  const listed = [root.sourceTables, root.availableTables, root.allTables].find(Array.isArray) as unknown[] | undefined;
  const sourceTables = [...new Set((listed ?? tables.map((t) => t.source)).map(tableName).filter((x): x is string => !!x))].sort();
  const dbList = Array.isArray(root.databases) ? root.databases.map(tableName).filter((x): x is string => !!x) : [];
  const databases = [...new Set([...dbList, ...sourceTables.filter((t) => t.includes('.')).map((t) => t.slice(0, t.indexOf('.')))])].sort();
  return { tables, sourceTables, databases, warnings };
}
