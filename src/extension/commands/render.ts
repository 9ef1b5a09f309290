// Text for the read-only documents LakeSync opens: query rows, table details and exceptions,
// check results. No vscode import: unit-tested.
import type { QueryResult } from '../../protocol/ipc';
import type { TableError, TableStatus } from '../../protocol/status';
import { formatCount, formatDuration, percent } from '../model/format';
import type { VerifyLine, VerifyTableReport } from '../../protocol/verify';

function cell(v: unknown): string {
  if (v === null || v === undefined) return '*NULL*';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function queryMarkdown(sql: string, r: QueryResult): string {
  const lines = ['```sql', sql, '```', ''];
  if (r.columns.length === 0) return [...lines, '*The statement returned no columns.*'].join('\n');
  lines.push(`| ${r.columns.map(cell).join(' | ')} |`, `| ${r.columns.map(() => '---').join(' | ')} |`);
  for (const row of r.rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
  lines.push('', `${formatCount(r.rows.length)} row${r.rows.length === 1 ? '' : 's'}${r.truncated ? ' (truncated: add a LIMIT or a WHERE to see the rest)' : ''}`);
  return lines.join('\n');
}

export function tableDetailsMarkdown(task: string, t: TableStatus): string {
  const row = (k: string, v: string | undefined) => (v === undefined ? [] : [`| ${k} | ${v} |`]);
  return [
    `# ${t.source} → ${t.target}`, '', `Task **${task}** · phase **${t.phase}**`, '', '| | |', '|---|---|',
    ...row('Full sync', `${t.chunksDone}/${t.chunksTotal} chunks (${percent(t.chunksDone, t.chunksTotal)}%)`),
    ...row('Snapshot rows', formatCount(t.snapshotRows)),
    ...row('Snapshot started', t.snapshotStartedAt), ...row('Snapshot ended', t.snapshotEndedAt),
    ...row('Rows read', formatCount(t.rowsRead)), ...row('Rows written', formatCount(t.rowsWritten)),
    ...row('Position', t.position ? `\`${t.position}\`` : undefined),
    ...row('Last source commit', t.lastSourceTime), ...row('Last update', t.lastUpdate),
    ...row('Latency', t.latencyMs === undefined ? undefined : formatDuration(t.latencyMs)),
    ...row('Latency p50 / p99', t.latencyP50Ms === undefined ? undefined : `${formatDuration(t.latencyP50Ms)} / ${formatDuration(t.latencyP99Ms ?? NaN)}`),
    ...row('Errors', String(t.errors.length)),
    '',
  ].join('\n');
}

export function exceptionsMarkdown(table: string, errors: TableError[]): string {
  if (errors.length === 0) return `# Exceptions of ${table}\n\nNone recorded.\n`;
  const out = [`# Exceptions of ${table}`, ''];
  for (const e of [...errors].reverse()) {
    out.push(`## ${e.time}${e.position ? ` at \`${e.position}\`` : ''}`, '', '```', e.message, '```', '');
  }
  return out.join('\n');
}

export interface CheckItem { title: string; status: 'ok' | 'fail' | 'warn'; detail?: string; fix?: string }

/** Reads `lakesync check --json`: { ok, checks: [{ title, status, detail?, fix? }] }. */
export function readCheck(json: unknown): { ok: boolean; checks: CheckItem[] } | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const o = json as { ok?: unknown; checks?: unknown };
  if (!Array.isArray(o.checks)) return undefined;
  const checks: CheckItem[] = [];
  for (const c of o.checks) {
    if (!c || typeof c !== 'object') continue;
    const r = c as Record<string, unknown>;
    const status = r.status === 'fail' || r.status === 'warn' ? r.status : 'ok';
    checks.push({ title: String(r.title ?? r.id ?? 'check'), status,
      ...(typeof r.detail === 'string' ? { detail: r.detail } : {}), ...(typeof r.fix === 'string' ? { fix: r.fix } : {}) });
  }
  return { ok: o.ok === true || (o.ok === undefined && !checks.some((c) => c.status === 'fail')), checks };
}

/** The table results of `lakesync verify --json` output (JSON lines). */
export function readVerify(stdout: string): VerifyTableReport[] {
  const out: VerifyTableReport[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const l = JSON.parse(line) as VerifyLine;
      if (l.event === 'table') { const { event: _e, ...r } = l; out.push(r); }
    } catch { /* not a result line */ }
  }
  return out;
}

const VERIFY_ROWS = 200;

/** A readable report of verify results: per table the outcome, then the differing rows side by side. */
export function verifyMarkdown(task: string, reports: VerifyTableReport[]): string {
  const short = (v: string | null) => (v === null ? '*NULL*' : cell(v.length > 80 ? `${v.slice(0, 79)}…` : v));
  const lines = [`# Verify ${task}`, '', '| Table | Target | Result | Rows | Verified at |', '|---|---|---|---|---|'];
  for (const r of reports) {
    const result = r.result === 'different' ? `**${r.differences.length} different**` : r.result === 'equal' ? `equal${r.repaired ? ' (repaired)' : ''}` : `${r.result}: ${cell(r.message ?? '')}`;
    lines.push(`| ${cell(r.source)} | ${cell(r.target)} | ${result} | ${formatCount(r.rows)} | ${r.verifiedAt} |`);
  }
  for (const r of reports.filter((x) => x.differences.length)) {
    lines.push('', `## ${r.source}`, '', '| Key | Kind | Column | Source | Target |', '|---|---|---|---|---|');
    for (const d of r.differences.slice(0, VERIFY_ROWS)) {
      const key = d.key ? Object.entries(d.key).map(([k, v]) => `${k}=${v ?? 'NULL'}`).join(', ') : `row${d.count && d.count > 1 ? ` ×${d.count}` : ''}`;
      const kind = d.kind === 'missing' ? 'missing in the target' : d.kind === 'extra' ? 'only in the target' : 'differs';
      d.values.forEach((v, i) => lines.push(`| ${i === 0 ? cell(key) : ''} | ${i === 0 ? kind : ''} | ${cell(v.column)} | ${short(v.source)} | ${short(v.target)} |`));
    }
    if (r.differences.length > VERIFY_ROWS) lines.push('', `… and ${r.differences.length - VERIFY_ROWS} more (lakesync verify --json lists all).`);
  }
  for (const r of reports.filter((x) => x.notCompared.length)) lines.push('', `${r.source}: not compared: ${r.notCompared.join(', ')} (see docs/verify.md).`);
  return lines.join('\n');
}
