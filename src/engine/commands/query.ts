// `lakesync query FILE --sql SQL [--json]`: a read-only query of the task's lakehouse. DuckDB
// allows one writer process, so while the task runs the query goes through its engine (control
// socket); otherwise the task's sink is opened read-only here.
import type { CliArgs } from './args';
import { UserError } from '../errors';
import { sendControlRequest } from '../runtime/control';
import { loadTaskOffline } from '../runtime/offline';
import { openReadOnlySink } from '../sink/registry';
import type { QueryResult } from '../../protocol/ipc';
import { existsSync } from 'node:fs';

export async function queryCommand(args: CliArgs): Promise<number> {
  const sql = (args.flags.sql as string | undefined) ?? args.positionals.join(' ');
  if (!sql.trim()) throw new UserError('lakesync query: give the SQL with --sql "SELECT ..."', 2);
  const limit = 1000;
  const result = await viaEngine(args.file, sql, limit) ?? await offline(args.file, sql, limit);
  if (args.flags.json) console.log(JSON.stringify(result));
  else console.log(formatTable(result));
  return 0;
}

async function viaEngine(file: string, sql: string, limit: number): Promise<QueryResult | undefined> {
  const reply = await sendControlRequest(file, { type: 'query', id: 1, sql, limit }, 60_000);
  if (!reply) return undefined;
  if (reply.type !== 'reply') throw new UserError('lakesync query: the running engine sent an unexpected answer');
  if (!reply.ok) throw new UserError(`lakesync query: ${reply.error}`);
  return reply.result as QueryResult;
}

async function offline(file: string, sql: string, limit: number): Promise<QueryResult> {
  const plan = await loadTaskOffline(file);
  if (!existsSync(plan.target.path)) throw new UserError(`lakesync query: ${plan.target.path} does not exist yet; run the task first (lakesync run ${file})`);
  const sink = await openReadOnlySink(plan.target);
  if (!sink) throw new UserError(`lakesync query: ${plan.target.path} does not exist yet; run the task first (lakesync run ${file})`);
  try { return await sink.query(sql, limit); }
  catch (err) { throw new UserError(`lakesync query: ${(err as Error).message}`); }
  finally { await sink.close(); }
}

/** A plain text table, columns padded to their widest value (capped so wide values stay readable). */
export function formatTable(r: QueryResult): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return s.length > 40 ? s.slice(0, 39) + '…' : s;
  };
  const rows = r.rows.map((row) => row.map(cell));
  const widths = r.columns.map((c, i) => Math.max(c.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' │ ').trimEnd();
  const out = [line(r.columns), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...rows.map(line)];
  out.push(`(${r.rows.length} row${r.rows.length === 1 ? '' : 's'}${r.truncated ? ', truncated' : ''})`);
  return out.join('\n');
}
