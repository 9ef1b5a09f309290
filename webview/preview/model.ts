// Mapping preview logic: which tables match the filter box and the counts in the header. Pure.
import type { PreviewJson, PreviewTable } from '../../src/protocol/webview';

export interface PreviewFilter {
  text: string;
  /** Only tables with a warning (on the table or one of its columns). */
  warningsOnly: boolean;
}

export function tableWarnings(t: PreviewTable): number {
  return t.warnings.length + t.columns.filter((c) => c.warning).length;
}

/**
 * Whitespace-separated terms, all must match. A term matches the target name, a source name or a
 * column name (case-insensitive substring); `type:x` matches a source or target column type.
 */
export function filterPreviewTables(tables: readonly PreviewTable[], f: PreviewFilter): PreviewTable[] {
  const terms = f.text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  return tables.filter((t) => (!f.warningsOnly || tableWarnings(t) > 0) && terms.every((term) => tableMatches(t, term)));
}

function tableMatches(t: PreviewTable, term: string): boolean {
  if (term.startsWith('type:')) {
    const ty = term.slice(5);
    return t.columns.some((c) => c.sourceType.toLowerCase().includes(ty) || c.targetType.toLowerCase().includes(ty));
  }
  return t.target.toLowerCase().includes(term)
    || t.sources.some((s) => s.toLowerCase().includes(term))
    || t.columns.some((c) => c.name.toLowerCase().includes(term));
}

export interface PreviewSummary { tables: number; sources: number; columns: number; warnings: number; notes: number }

export function summarize(p: PreviewJson): PreviewSummary {
  let columns = 0, warnings = p.warnings.length, notes = 0;
  const sources = new Set<string>();
  for (const t of p.tables) {
    columns += t.columns.length;
    warnings += tableWarnings(t);
    notes += t.columns.filter((c) => c.note).length;
    for (const s of t.sources) sources.add(s);
  }
  return { tables: p.tables.length, sources: sources.size, columns, warnings, notes };
}

/** Merge mode: show the source list of each virtual table. */
export function isMerge(p: PreviewJson): boolean {
  return p.mode === 'multi-table-merge' || p.tables.some((t) => t.sources.length > 1);
}
