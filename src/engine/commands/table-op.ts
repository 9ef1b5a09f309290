// `lakesync resync|backfill|prioritize|cancel|force-stop|details|exceptions FILE --table DB.TABLE [--where SQL]`
// Acts on the running task through its control socket; when it is not running, details and
// exceptions are read from the task's sink and the other operations are queued for its next start.
import type { CliArgs } from './args';
import { UserError } from '../errors';
import { sendControlRequest } from '../runtime/control';
import { loadTaskOffline, readOfflineState } from '../runtime/offline';
import { openSink } from '../sink/registry';
import { TABLE_OP_NAMES, TABLE_OPS, type TableOp } from '../../protocol/table-ops';

/** `db.table`: the part before the first dot is the database (PostgreSQL: schema). */
export function validTableName(text: string | undefined): string {
  const t = (text ?? '').trim();
  const dot = t.indexOf('.');
  if (!t || dot <= 0 || dot === t.length - 1) throw new UserError(`--table needs DB.TABLE (PostgreSQL: SCHEMA.TABLE), e.g. --table shop.orders${t ? `; got "${t}"` : ''}`, 2);
  return t;
}

function print(result: unknown, json: boolean): void {
  if (json) { console.log(JSON.stringify(result, null, 2)); return; }
  if (Array.isArray(result)) {
    if (result.length === 0) console.log('no errors recorded');
    for (const e of result as { time: string; position?: string; message: string }[]) {
      console.log(`${e.time}${e.position ? `  at ${e.position}` : ''}  ${e.message}`);
    }
    return;
  }
  for (const [k, v] of Object.entries(result as Record<string, unknown>)) {
    console.log(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  }
}

export function tableOpCommand(op: TableOp) {
  return async (args: CliArgs): Promise<number> => {
    const table = validTableName(typeof args.flags.table === 'string' ? args.flags.table : undefined);
    const where = typeof args.flags.where === 'string' ? args.flags.where : undefined;
    if (TABLE_OPS[op].where && !where?.trim()) throw new UserError(`${op} needs --where SQL, a filter in the source's SQL, e.g. --where "id BETWEEN 1 AND 1000"`, 2);
    if (!TABLE_OPS[op].where && where) throw new UserError(`--where only goes with ${TABLE_OP_NAMES.filter((o) => TABLE_OPS[o].where).join(', ')}`, 2);
    const json = Boolean(args.flags.json);
    const plan = await loadTaskOffline(args.file);
    const live = await sendControlRequest(plan.file, { type: 'table-op', id: 1, op, table, ...(where ? { where } : {}) }, 30_000);
    if (live?.type === 'reply') {
      if (!live.ok) throw new UserError(`${op} ${table}: ${live.error}`);
      print(live.result, json);
      return 0;
    }
    // not running
    const state = await readOfflineState(plan.target);
    const st = state?.tables.find((t) => t.source === table);
    if (!state || !st) {
      const known = state?.tables.map((t) => t.source) ?? [];
      throw new UserError(`${table} is not a table of task ${plan.name}${known.length ? ` (its tables: ${known.slice(0, 20).join(', ')})` : ' (the task has not run yet)'}`);
    }
    if (op === 'details') {
      print({ status: 'not running', ...st }, json);
      return 0;
    }
    if (op === 'exceptions') {
      print(state.errors.filter((e) => e.source === table), json);
      return 0;
    }
    const sink = await openSink(plan.target);
    try { await sink.state.queueOp(op, table, where); } finally { await sink.close(); }
    const msg = `task ${plan.name} is not running: ${op} ${table} is queued for its next start`;
    print(json ? { queued: true, op, table, ...(where ? { where } : {}) } : { queued: msg }, json);
    return 0;
  };
}
