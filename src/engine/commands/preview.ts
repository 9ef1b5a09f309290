// `lakesync preview FILE [--json]`: every source table -> target table and every column, source
// type -> target type, keys, notes and warnings; in merge mode the sources of each virtual table.
import type { CliArgs } from './args';
import { loadTaskForCommand } from './task-input';
import type { TaskPlan } from '../config/plan';
import { describeNaming } from '../config/naming';
import { discoverTables, planMappings } from '../source/discover';
import { tableKey } from '../source/types';
import type { TableMapping } from '../typemap/types';
import type { PreviewColumn, PreviewJson, PreviewTable } from '../../protocol/webview';

export async function previewCommand(args: CliArgs): Promise<number> {
  const { plan } = await loadTaskForCommand(args);
  const tables = await discoverTables(plan);
  const { mappings, warnings, errors } = planMappings(plan, tables);
  const doc = previewDocument(plan, mappings, [...(plan.warnings ?? []), ...warnings], errors);
  console.log(args.flags.json ? JSON.stringify(doc, null, 2) : previewText(doc, plan));
  return errors.length ? 1 : 0;
}

/** The stable JSON document (src/protocol/webview.ts PreviewJson). */
export function previewDocument(plan: TaskPlan, mappings: TableMapping[], warnings: string[], errors: string[] = []): PreviewJson {
  const s = plan.source;
  return {
    task: plan.name,
    source: `${s.type} ${s.host}:${s.port}${s.database ? `/${s.database}` : ''}`,
    mode: plan.mode,
    tables: mappings.map((m): PreviewTable => ({
      target: `${m.namespace}.${m.table}`,
      sources: m.sources.map(tableKey),
      key: [...m.key],
      columns: m.columns.map((c): PreviewColumn => ({
        name: c.name,
        sourceType: [...new Set((c.mergedFrom?.map((f) => f.column) ?? [c.source]).map(sourceType))].join(' | '),
        targetType: c.targetType,
        nullable: c.source.nullable,
        key: m.key.includes(c.name),
        ...(c.note ? { note: c.note } : {}),
        ...(c.warning ? { warning: c.warning } : {}),
      })),
      warnings: [...m.warnings],
    })),
    warnings,
    ...(errors.length ? { errors } : {}),
  };
}

function sourceType(c: { domain?: string; fullType: string }): string {
  return c.domain ? `${c.domain} (${c.fullType})` : c.fullType;
}

export function previewText(doc: PreviewJson, plan: TaskPlan): string {
  const out: string[] = [];
  out.push(`task ${doc.task}: ${doc.source}, ${doc.mode} -> ${plan.target.path} (tables as ${describeNaming(plan)})`);
  if (!doc.tables.length) out.push('', 'no source table matches this task');
  for (const t of doc.tables) {
    out.push('');
    const sources = t.sources.length > 1 ? `\n  sources (${t.sources.length}): ${t.sources.join(', ')}` : ` <- ${t.sources[0] ?? '?'}`;
    out.push(`${t.target}${sources}`);
    out.push(`  key: ${t.key.length ? t.key.join(', ') : '(none)'}`);
    const nameW = Math.max(4, ...t.columns.map((c) => c.name.length));
    const srcW = Math.max(6, ...t.columns.map((c) => c.sourceType.length));
    const tgtW = Math.max(6, ...t.columns.map((c) => c.targetType.length));
    for (const c of t.columns) {
      const flags = [c.key ? 'key' : '', c.nullable ? '' : 'not null'].filter(Boolean).join(', ');
      const tail = [flags, c.note ? `note: ${c.note}` : '', c.warning ? `WARNING: ${c.warning}` : ''].filter(Boolean).join('; ');
      out.push(`  ${c.name.padEnd(nameW)}  ${c.sourceType.padEnd(srcW)} -> ${c.targetType.padEnd(tgtW)}${tail ? `  ${tail}` : ''}`.trimEnd());
    }
    for (const w of t.warnings) out.push(`  warning: ${w}`);
  }
  if (doc.errors?.length) {
    out.push('', 'errors (the task cannot run):');
    for (const e of doc.errors) out.push(`  ${e}`);
  }
  if (doc.warnings.length) {
    out.push('', 'warnings:');
    for (const w of doc.warnings) out.push(`  ${w}`);
  }
  return out.join('\n');
}
