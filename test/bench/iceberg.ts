// The Iceberg sink's figures, beside the DuckDB sink's (cases.ts): the full sync of the base rows
// into an Iceberg table (rows/s), the catch-up of changes written while the engine was stopped
// (changes/s), and freshness: source COMMIT -> the first query through the running engine that
// sees the transaction, at a steady rate (p99 ms). Same workload and tables as cases.ts.
import { join } from 'node:path';
import { sleep } from '../harness';
import { sendControlRequest } from '../../src/engine/runtime/control';
import { queryWarehouse } from '../../src/engine/sink/iceberg/sink';
import { logTime, runEngine, runToEnd } from './engine';
import { load1 } from './machine';
import { task, type Ctx, type Figure, type Kind } from './cases';
import { changeBaseRows, changeTx, fillMy, fillPg, MY_DDL, PG_DDL, txMarker, writeChanges } from './workload';

const per = (n: number, ms: number) => Math.round(n / (ms / 1000));

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN;
}

async function count(warehouse: string, table: string): Promise<number> {
  return Number((await queryWarehouse(warehouse, `SELECT count(*) FROM bench.${table}`, 1)).rows[0][0]);
}

/** Snapshot rows/s, catch-up changes/s and freshness p99 into an Iceberg warehouse. */
export async function icebergCases(c: Ctx, kind: Kind, changes: number, rate: number, seconds: number): Promise<Figure[]> {
  const s = kind === 'pg' ? c.pg : c.my;
  const db = await s.createDatabase('bench_iceberg');
  const out: Figure[] = [];
  try {
    // BENCH_ICEBERG=fresh measures freshness only (commit interval experiments)
    if (process.env.BENCH_ICEBERG !== 'fresh') out.push(...await loadCases(c, kind, db, changes));
    out.push(await freshnessCase(c, kind, db, rate, seconds));
  } finally {
    await s.dropDatabase(db).catch(() => undefined);
  }
  return out;
}

/** The commit interval of the freshness case: BENCH_PARAMS' flushIntervalMs, else the task default. */
function flushInterval(): number | undefined {
  const params = process.env.BENCH_PARAMS ? JSON.parse(process.env.BENCH_PARAMS) as Record<string, number> : {};
  return params.flushIntervalMs;
}

/** 1. the full sync of the base rows, 2. the catch-up of changes written while the engine was stopped. */
async function loadCases(c: Ctx, kind: Kind, db: string, changes: number): Promise<Figure[]> {
  const s = kind === 'pg' ? c.pg : c.my;
  const label = kind === 'pg' ? 'PostgreSQL' : 'MySQL';
  const out: Figure[] = [];
  {
    const txs = Math.ceil(changes / 100);
    const base = changeBaseRows(changes);
    await s.sql(kind === 'pg' ? PG_DDL('s') : MY_DDL('s'), undefined, { database: db });
    if (kind === 'pg') await fillPg(s, db, 's', base); else await fillMy(s, db, 's', base);
    const name = `iceberg_${kind}`;
    const warehouse = join(c.dir, `${name}_lake`);
    const file = task(c, kind, name, db, 's', { target: { type: 'iceberg', warehouse, namespace: 'bench' }, parameters: { flushIntervalMs: 250 } });

    // 1. the full sync of the base rows
    const t0 = Date.now();
    const snap = await runToEnd(file, ['--until-caught-up'], { timeoutMs: 900_000 });
    const snapMs = Date.now() - t0;
    if (await count(warehouse, 's') !== base) throw new Error(`${name}: the snapshot left ${await count(warehouse, 's')} rows, the source has ${base}`);
    out.push({
      case: `${label} snapshot into Iceberg`, value: per(base, snapMs), unit: 'rows/s', peakRssMb: Math.round(snap.peakRssMb()), engineCpuS: snap.cpuSeconds(),
      seconds: snapMs / 1000, load1: load1(), extra: { rows: base }, note: 'process start to caught up, 1 table',
    });

    // 2. catch-up of changes written while the engine was stopped
    await writeChanges(s, db, kind, 's', base, txs);
    const t1 = Date.now();
    const r = await runToEnd(file, ['--until-caught-up'], { timeoutMs: 900_000 });
    const from = logTime(r, /catching up to/) ?? t1;
    const until = logTime(r, /caught up at/) ?? Date.now();
    const [src] = await s.sql<{ n: string | number }>('SELECT count(*) AS n FROM s', undefined, { database: db });
    if (await count(warehouse, 's') !== Number(src.n)) throw new Error(`${name}: target has ${await count(warehouse, 's')} rows, source ${src.n}`);
    out.push({
      case: `${label} streaming catch-up into Iceberg`, value: per(changes, until - from), unit: 'changes/s', peakRssMb: Math.round(r.peakRssMb()),
      engineCpuS: r.cpuSeconds(), seconds: (until - from) / 1000, load1: load1(), extra: { changes, transactions: txs },
      note: 'changes written while the engine was stopped; "catching up to" log line to the applied goal',
    });
    if (kind === 'pg') await s.sql('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [`ls_${name}`], { database: db }).catch(() => undefined);
  }
  return out;
}

/** 3. freshness at a steady rate: source COMMIT -> the first query through the engine that sees it. */
async function freshnessCase(c: Ctx, kind: Kind, db: string, rate: number, seconds: number): Promise<Figure> {
  const s = kind === 'pg' ? c.pg : c.my;
  const label = kind === 'pg' ? 'PostgreSQL' : 'MySQL';
  {

    // 3. freshness at a steady rate: transactions of 100 rows, a marker id each, polled every 20 ms
    const ftxs = Math.ceil((rate * seconds) / 100);
    const fbase = changeBaseRows(ftxs * 100);
    await s.sql(kind === 'pg' ? PG_DDL('f') : MY_DDL('f'), undefined, { database: db });
    if (kind === 'pg') await fillPg(s, db, 'f', fbase); else await fillMy(s, db, 'f', fbase);
    const fname = `iceberg_fresh_${kind}`;
    const flush = flushInterval();
    const ffile = task(c, kind, fname, db, 'f', { target: { type: 'iceberg', warehouse: join(c.dir, `${fname}_lake`), namespace: 'bench' } });
    await runToEnd(ffile, ['--until-caught-up'], { timeoutMs: 600_000 });
    const run = runEngine(ffile, [], { timeoutMs: 900_000 });
    const ask = async (sql: string) => {
      const reply = await sendControlRequest(ffile, { type: 'query', id: 1, sql, limit: 10 }, 10_000);
      if (!reply || reply.type !== 'reply' || !reply.ok) throw new Error(`query failed: ${JSON.stringify(reply)}`);
      return (reply.result as { rows: unknown[][] }).rows;
    };
    for (let i = 0; ; i++) {
      try { await ask('SELECT count(*) FROM bench.f'); break; } catch (err) { if (i > 300) throw err; await sleep(100); }
    }
    const commitAt: number[] = new Array(ftxs);
    const seenAt: number[] = new Array(ftxs).fill(0);
    let writing = true; let writeEnd = 0; let seenUpTo = -1;
    const poller = (async () => {
      while (writing || seenUpTo < ftxs - 1) {
        const t = Date.now();
        const maxId = Number((await ask('SELECT max(id) FROM bench.f'))[0][0]);
        const now = Date.now();
        while (seenUpTo + 1 < ftxs && txMarker(fbase, seenUpTo + 1) <= maxId) seenAt[++seenUpTo] = now;
        if (!writing && now - writeEnd > 30_000) throw new Error(`freshness: markers not visible 30 s after the last commit (${seenUpTo + 1}/${ftxs})`);
        await sleep(Math.max(0, 20 - (now - t)));
      }
    })();
    const interval = 100_000 / rate;
    const t2 = Date.now();
    try {
      for (let k = 0; k < ftxs; k++) {
        const wait = t2 + k * interval - Date.now();
        if (wait > 0) await sleep(wait);
        await s.sql(changeTx(kind, 'f', fbase, k), undefined, { database: db });
        commitAt[k] = Date.now();
      }
    } finally { writing = false; writeEnd = Date.now(); }
    try { await poller; } finally { run.kill('SIGTERM'); await run.exited; }
    const lat = commitAt.map((t, k) => seenAt[k] - t).sort((a, b) => a - b);
    const figure: Figure = {
      case: `${label} freshness p99 into Iceberg at ${rate.toLocaleString('en-US')} changes/s (flushIntervalMs ${flush ?? 'default'})`, value: pct(lat, 99), unit: 'ms',
      peakRssMb: Math.round(run.peakRssMb()), engineCpuS: run.cpuSeconds(), seconds: (writeEnd - t2) / 1000, load1: load1(),
      extra: { p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99), max: lat.at(-1)!, transactions: ftxs, achievedRate: per(ftxs * 100, writeEnd - t2) },
      note: 'source COMMIT returned -> first control-socket query (every 20 ms) over the table\'s current snapshot that sees the marker id',
    };
    if (kind === 'pg') await s.sql('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [`ls_${fname}`], { database: db }).catch(() => undefined);
    return figure;
  }
}
