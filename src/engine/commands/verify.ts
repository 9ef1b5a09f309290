// `lakesync verify FILE [--table DB.TABLE] [--where SQL] [--json] [--repair] [--rate N]`
// Proves, chunk by chunk, that the target equals the source, against the running task: each
// chunk's source checksum is taken at a known position and the target's while the engine holds
// its stream at that position (docs/verify.md). Exit 0: every table equal; 1: differences; 2: error.
import type { CliArgs } from './args';
import { UserError } from '../errors';
import { loadTaskForCommand } from './task-input';
import { validTableName } from './table-op';
import type { TaskPlan } from '../config/plan';
import { sendControlRequest } from '../runtime/control';
import { planRoutes } from '../pipeline/routing';
import type { Route } from '../pipeline/route';
import type { SourceAdapter } from '../source/adapter';
import { sourceModule } from '../source/registry';
import type { VerifyReader } from '../verify/types';
import { isIntegerType, targetTable } from '../verify/target';
import { rangeWhere, type Dialect } from '../verify/rowsql';
import { duckdbDialect } from '../verify/target';
import { ChunkVerifier, type Difference, type EngineLink, type VerifiedTable } from '../verify/compare';
import { repairWhere } from '../verify/repair';
import { sinkFactory } from '../sink/registry';
import type { EngineRequest, QueryResult } from '../../protocol/ipc';
import type { TableVerified, TaskStatus } from '../../protocol/status';
import type { VerifyTableReport } from '../../protocol/verify';

export type TableReport = VerifyTableReport;

const SHOW = 20;
const MAX_VALUE = 60;

export function engineLink(file: string): EngineLink {
  const ask = async (req: EngineRequest, timeout = 120_000): Promise<unknown> => {
    const reply = await sendControlRequest(file, req, timeout);
    if (!reply) throw new UserError('the task stopped running during verify; start it again and repeat', 2);
    if (reply.type !== 'reply') throw new Error('the running engine sent an unexpected answer');
    if (!reply.ok) throw new Error(reply.error);
    return reply.result;
  };
  return {
    async hold(until, ttlMs) {
      try { return ((await ask({ type: 'hold', id: 1, until, ttlMs })) as { hold: number }).hold; } catch (err) {
        if (/^passed/.test((err as Error).message)) return 'passed';
        throw err;
      }
    },
    async query(sql, hold, limit) { return (await ask({ type: 'query', id: 1, sql, limit, hold })) as QueryResult; },
    async release(hold) { return ((await ask({ type: 'release', id: 1, hold })) as { released: boolean }).released; },
  };
}

export async function createSource(plan: TaskPlan): Promise<{ adapter: SourceAdapter; reader: VerifyReader }> {
  const source = await sourceModule(plan.source.type);
  return { adapter: source.createAdapter(plan), reader: source.openVerify(plan) };
}

/** The target's actual column types (schema evolution may have changed them since the mapping). */
async function targetTypes(file: string, route: Route): Promise<Map<string, string>> {
  const reply = await sendControlRequest(file, { type: 'query', id: 1, sql: `DESCRIBE ${targetTable(route.mapping, route.merged, route.source.id, []).from}`, limit: 10_000 });
  if (reply?.type !== 'reply' || !reply.ok) return new Map();
  const r = reply.result as QueryResult;
  const name = r.columns.indexOf('column_name'); const type = r.columns.indexOf('column_type');
  // DESCRIBE spells two types long: back to the type map's names
  const short = (t: string) => t.replace(/TIMESTAMP WITH TIME ZONE/g, 'TIMESTAMPTZ').replace(/TIME WITH TIME ZONE/g, 'TIMETZ');
  return new Map(r.rows.map((row) => [String(row[name]), short(String(row[type]))]));
}

/** Target types kept as text by every sink: their canonical text is the stored text, no cast back. */
const TEXT_TYPE = /^(VARCHAR|JSON|ENUM)/;

function describeTable(route: Route, reader: VerifyReader, types: Map<string, string>, storedType?: (t: string) => string):
  { t: VerifiedTable; notCompared: string[]; rangeKey?: string[] } {
  const { mapping, source } = route;
  // a column the sink stores in another lossless form (storedType) is compared as its target type, cast back
  const cast = mapping.columns.map((c) => {
    const actual = types.get(c.name);
    return !!storedType && actual !== undefined && actual !== c.targetType && !TEXT_TYPE.test(c.targetType) && actual === storedType(c.targetType);
  });
  const columns = mapping.columns.map((c, i) => ({
    source: route.columnIndex[i] >= 0 ? source.columns[route.columnIndex[i]] : undefined,
    targetType: cast[i] ? c.targetType : types.get(c.name) ?? c.targetType,
  }));
  const sourceColumns = columns.map((c) => reader.canonical(c));
  const compared = sourceColumns.map((c) => c !== undefined);
  const notCompared = mapping.columns.filter((_, i) => !compared[i]).map((c) => c.name);
  const m = { ...mapping, columns: mapping.columns.map((c, i) => ({ ...c, targetType: columns[i].targetType })) };
  const key = route.fullRowKey ? [] : route.keyColumns;
  const t: VerifiedTable = {
    source, target: targetTable(m, route.merged, source.id, compared, cast), sourceColumns,
    names: mapping.columns.map((c) => c.name), types: columns.map((c) => c.targetType), key,
  };
  // integer keys split into key ranges (planned like the snapshot's chunks); any other key, or
  // none, is one range bisected by hash (text orders differently under each side's collation)
  const keyNames = key.map((i) => mapping.columns[i].source.name);
  const rangeKey = key.length && key.every((i) => isIntegerType(columns[i].targetType) && compared[i] && columns[i].source) ? keyNames : undefined;
  return { t, notCompared, rangeKey };
}

/** Shortens a value for people. */
function short(v: string | null): string {
  if (v === null) return 'NULL';
  return v.length > MAX_VALUE ? `${v.slice(0, MAX_VALUE - 1)}… (${v.length} chars)` : v;
}

export function formatDifference(d: Difference): string {
  const key = d.key ? Object.entries(d.key).map(([k, v]) => `${k}=${short(v)}`).join(', ') : `row${d.count && d.count > 1 ? ` x${d.count}` : ''}`;
  const what = d.kind === 'missing' ? 'missing in the target' : d.kind === 'extra' ? 'only in the target' : 'differs';
  const vals = d.kind === 'different'
    ? d.values.map((v) => `${v.column}: source ${short(v.source)} | target ${short(v.target)}`)
    : d.values.map((v) => `${v.column}=${short(d.kind === 'missing' ? v.source : v.target)}`);
  return `  ${key}: ${what}${vals.length ? `\n      ${vals.join(d.kind === 'different' ? '\n      ' : ', ')}` : ''}`;
}

interface Options { where?: string; json: boolean; repair: boolean; rate?: number; tty: boolean; chunkSize: number }

async function tableStatus(file: string): Promise<TaskStatus | undefined> {
  const reply = await sendControlRequest(file, { type: 'status', id: 1 }, 15_000);
  return reply?.type === 'reply' && reply.ok ? reply.result as TaskStatus : undefined;
}

export interface Range { src: string[]; tgt: string[] }

/** The pieces verifying one table needs: its description, its chunks' filters, and a chunk verifier. */
export async function prepareTable(plan: TaskPlan, route: Route, adapter: SourceAdapter, reader: VerifyReader, chunkSize: number, where?: string):
  Promise<{ t: VerifiedTable; notCompared: string[]; ranges: Range[]; verifier: ChunkVerifier }> {
  const types = await targetTypes(plan.file, route);
  const { t, notCompared, rangeKey } = describeTable(route, reader, types, (await sinkFactory(plan.target)).storedType);
  const userWhere = where ? [`(${where})`] : [];
  let ranges: Range[] = [{ src: userWhere, tgt: userWhere }];
  if (rangeKey) {
    const chunks = adapter.planChunks ? await adapter.planChunks(route.source, chunkSize, where) : [{ from: null, to: null }];
    const tgtKey = t.key.map((i) => t.names[i]);
    ranges = chunks.map((c) => ({
      src: [...rangeWhere(reader.dialect(), rangeKey, c.from, c.to), ...userWhere],
      tgt: [...rangeWhere(duckdbDialect, tgtKey, c.from, c.to), ...userWhere],
    }));
  }
  return { t, notCompared, ranges, verifier: new ChunkVerifier(reader, engineLink(plan.file), t) };
}

async function verifyTable(plan: TaskPlan, route: Route, adapter: SourceAdapter, reader: VerifyReader, o: Options,
  progress: (done: number, total: number) => void): Promise<TableReport> {
  const { t, notCompared, ranges, verifier } = await prepareTable(plan, route, adapter, reader, o.chunkSize, o.where);
  const report: TableReport = {
    source: route.key, target: `${route.mapping.namespace}.${route.mapping.table}`, result: 'equal', rows: 0, chunks: 0,
    differences: [], notCompared, verifiedAt: new Date().toISOString(),
  };
  const started = Date.now();
  const differing: Range[] = [];
  for (let i = 0; i < ranges.length; i++) {
    const r = await verifier.verify(ranges[i].src, ranges[i].tgt);
    report.rows += r.rows;
    report.chunks++;
    if (r.differences.length) { report.differences.push(...r.differences); differing.push(ranges[i]); }
    progress(i + 1, ranges.length);
    if (o.rate) {
      // --rate: never read more than N source rows per second on average
      const due = (report.rows / o.rate) * 1000 - (Date.now() - started);
      if (due > 0) await new Promise((res) => setTimeout(res, due));
    }
  }
  if (report.differences.length) report.result = 'different';
  if (o.repair && report.differences.length) {
    await repair(plan, route, t, report, reader.dialect());
    // verify the repaired ranges again
    const again: Difference[] = [];
    for (const r of differing) again.push(...(await verifier.verify(r.src, r.tgt)).differences);
    report.repaired = again.length === 0;
    report.differences = again;
    report.result = again.length ? 'different' : 'equal';
  }
  report.verifiedAt = new Date().toISOString();
  return report;
}

/** Backfills the differing keys through the task's backfill path, then waits until it is done. */
async function repair(plan: TaskPlan, route: Route, t: VerifiedTable, report: TableReport, dialect: Dialect): Promise<void> {
  const { where, targetWhere } = repairWhere(t, report.differences, dialect);
  const before = (await tableStatus(plan.file))?.tables.find((x) => x.source === route.key)?.snapshotEndedAt;
  const reply = await sendControlRequest(plan.file, {
    type: 'table-op', id: 1, op: where ? 'backfill' : 'resync', table: route.key, ...(where ? { where, targetWhere } : {}),
  }, 30_000);
  if (reply?.type !== 'reply' || !reply.ok) throw new Error(`repair of ${route.key}: ${reply?.type === 'reply' && !reply.ok ? reply.error : 'the task is not running'}`);
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    await new Promise((res) => setTimeout(res, 300));
    const st = (await tableStatus(plan.file))?.tables.find((x) => x.source === route.key);
    if (st?.phase === 'incremental' && st.snapshotEndedAt && st.snapshotEndedAt !== before) return;
    if (st?.phase === 'failed') throw new Error(`repair of ${route.key} failed: ${st.errors.at(-1)?.message ?? 'see lakesync exceptions'}`);
    if (Date.now() > deadline) throw new Error(`repair of ${route.key} did not finish within 10 minutes`);
  }
}

export async function verifyCommand(args: CliArgs): Promise<number> {
  const f = args.flags;
  const { plan } = await loadTaskForCommand(args);
  const only = typeof f.table === 'string' ? validTableName(f.table) : undefined;
  const rate = typeof f.rate === 'string' ? Number(f.rate) : undefined;
  if (rate !== undefined && !(rate > 0)) throw new UserError(`--rate needs a number of rows per second above 0, e.g. --rate 20000; got "${String(f.rate)}"`, 2);
  const o: Options = {
    where: typeof f.where === 'string' && f.where.trim() ? f.where : undefined, json: Boolean(f.json), repair: Boolean(f.repair), rate,
    tty: !f.json && Boolean(process.stdout.isTTY), chunkSize: plan.snapshot.chunkSize,
  };
  const status = await tableStatus(plan.file);
  if (!status) {
    throw new UserError(`task ${plan.name} is not running: verify compares the source with the target of the running task, holding its stream `
      + `at each chunk's source position. Start it (lakesync run ${args.file}, or from VS Code) and run verify again.`, 2);
  }
  const { adapter, reader } = await createSource(plan);
  const reports: TableReport[] = [];
  let failed = false;
  try {
    const { routes } = planRoutes(plan, await adapter.discover());
    const chosen = routes.filter((r) => !only || r.key === only);
    if (only && chosen.length === 0) throw new UserError(`${only} is not a table of task ${plan.name} (its tables: ${routes.map((r) => r.key).slice(0, 20).join(', ')})`, 2);
    for (const route of chosen) {
      const phase = status.tables.find((x) => x.source === route.key)?.phase;
      const base = { source: route.key, target: `${route.mapping.namespace}.${route.mapping.table}`, rows: 0, chunks: 0, differences: [], notCompared: [], verifiedAt: new Date().toISOString() };
      let report: TableReport;
      if (phase !== 'incremental') {
        report = { ...base, result: 'skipped', message: `not verified: the table is ${phase ?? 'not synced yet'} (verify compares tables whose full sync is done)` };
      } else {
        try {
          report = await verifyTable(plan, route, adapter, reader, o, (done, total) => {
            if (o.tty) process.stdout.write(`\r${route.key}: chunk ${done}/${total}\x1b[K`);
            if (o.json) console.log(JSON.stringify({ event: 'progress', table: route.key, chunk: done, chunks: total }));
          });
        } catch (err) {
          if (err instanceof UserError) throw err;
          report = { ...base, result: 'error', message: (err as Error).message };
        }
      }
      if (o.tty) process.stdout.write('\r\x1b[K');
      reports.push(report);
      print(report, o.json);
      await recordVerified(plan.file, report);
    }
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    await reader.close();
    await adapter.close().catch(() => undefined);
    if (!failed) summary(reports, o.json);
  }
  if (reports.some((r) => r.result === 'error' || r.result === 'skipped')) return 2;
  return reports.some((r) => r.result === 'different') ? 1 : 0;
}

/** Tells the running task the table's outcome, for its status and the dashboard (keys and column names, never values). */
async function recordVerified(file: string, r: TableReport): Promise<void> {
  const sample = r.differences.slice(0, 5).map((d) => {
    const key = d.key ? Object.entries(d.key).map(([k, v]) => `${k}=${short(v)}`).join(', ') : 'a row without key';
    return d.kind === 'different' ? `${key}: ${d.values.map((v) => v.column).join(', ')} differ`
      : `${key}: ${d.kind === 'missing' ? 'missing in the target' : 'only in the target'}`;
  });
  const verified: TableVerified = {
    at: r.verifiedAt, result: r.result, rows: r.rows, differences: r.differences.length,
    ...(r.repaired !== undefined ? { repaired: r.repaired } : {}), ...(r.message ? { message: r.message } : {}), ...(sample.length ? { sample } : {}),
  };
  await sendControlRequest(file, { type: 'verified', id: 1, table: r.source, verified }, 10_000).catch(() => undefined);
}

function print(r: TableReport, json: boolean): void {
  if (json) { console.log(JSON.stringify({ event: 'table', ...r })); return; }
  const head = `${r.source} -> ${r.target}: `;
  if (r.result === 'equal') console.log(`${head}equal (${r.rows} rows, ${r.chunks} chunk${r.chunks === 1 ? '' : 's'}${r.repaired ? ', repaired' : ''})`);
  else if (r.result === 'different') {
    console.log(`${head}${r.differences.length} difference${r.differences.length === 1 ? '' : 's'} (${r.rows} source rows)`);
    for (const d of r.differences.slice(0, SHOW)) console.log(formatDifference(d));
    if (r.differences.length > SHOW) console.log(`  ... and ${r.differences.length - SHOW} more (--json lists all)`);
  } else console.log(`${head}${r.result === 'error' ? 'error: ' : ''}${r.message}`);
  if (r.notCompared.length) console.log(`  not compared: ${r.notCompared.join(', ')} (see docs/verify.md)`);
}

function summary(reports: TableReport[], json: boolean): void {
  const n = (k: TableReport['result']) => reports.filter((r) => r.result === k).length;
  const diffs = reports.reduce((a, r) => a + r.differences.length, 0);
  if (json) { console.log(JSON.stringify({ event: 'summary', equal: n('equal'), different: n('different'), differences: diffs, skipped: n('skipped'), errors: n('error') })); return; }
  const parts = [`${n('equal')} table${n('equal') === 1 ? '' : 's'} equal`];
  if (n('different')) parts.push(`${n('different')} with ${diffs} difference${diffs === 1 ? '' : 's'}`);
  if (n('skipped')) parts.push(`${n('skipped')} not verified`);
  if (n('error')) parts.push(`${n('error')} failed`);
  console.log(parts.join(', '));
}
