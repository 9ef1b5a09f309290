// Bench case: one large PostgreSQL table (10M rows of the bench shape at full scale) snapshotted
// from nothing, with the engine's resident set (VmRSS, not only its peak) and its rows written
// sampled along the run: memory must not grow with the rows already written.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { logTime, runEngine } from './engine';
import { load1 } from './machine';
import { task, type Ctx, type Figure } from './cases';
import { fillPg, PG_DDL } from './workload';

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch { return 0; }
}

export async function bigTable(c: Ctx, rows: number): Promise<Figure> {
  const s = c.pg;
  const db = await s.createDatabase('bench_big');
  await s.sql(PG_DDL('t'), undefined, { database: db });
  await fillPg(s, db, 't', rows);
  const name = 'big_pg';
  const file = task(c, 'pg', name, db, 't', { snapshot: { enabled: true, concurrency: 1, chunkSize: 50_000 } });
  const t0 = Date.now();
  const r = runEngine(file, ['--until-caught-up'], { timeoutMs: 3_600_000 });
  // [ms since start, rows written, VmRSS MB] every 500 ms
  const samples: [number, number, number][] = [];
  const sampler = setInterval(() => {
    const last = [...r.lines].reverse().find((l) => l.type === 'status' && l.status);
    samples.push([Date.now() - t0, last?.status?.rowsWritten ?? 0, rssMb(r.pid)]);
  }, 500);
  const code = await r.exited.finally(() => clearInterval(sampler));
  if (code !== 0) throw new Error(`${name}: exited ${code}:\n${r.stderr().slice(-3000)}`);
  const done = logTime(r, /full sync done/);
  if (!done) throw new Error(`${name}: no "full sync done" in the engine's log`);
  await s.sql('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [`ls_${name}`], { database: db })
    .catch(() => undefined);
  await s.dropDatabase(db);
  rmSync(join(c.dir, `${name}.duckdb`), { force: true });
  // RSS and rate at each quarter of the rows written (the highest RSS seen up to that point)
  const quarters: string[] = [];
  const rates: string[] = [];
  let from: [number, number, number] = [0, 0, 0];
  for (const q of [0.25, 0.5, 0.75, 1]) {
    const i = samples.findIndex(([, w]) => w >= rows * q);
    const upTo = i < 0 ? samples : samples.slice(0, i + 1);
    const at = upTo.at(-1) ?? from;
    quarters.push(`${q * 100}%:${Math.max(...upTo.map(([, , m]) => m))}`);
    rates.push(`${q * 100}%:${Math.round((at[1] - from[1]) / Math.max(0.001, (at[0] - from[0]) / 1000))}`);
    from = at;
  }
  const ms = done - t0;
  return {
    case: `PostgreSQL snapshot of one ${rows.toLocaleString('en-US')}-row table, RSS along the run`, value: Math.round(rows / (ms / 1000)), unit: 'rows/s',
    peakRssMb: Math.round(r.peakRssMb()), engineCpuS: r.cpuSeconds(), seconds: ms / 1000, load1: load1(),
    extra: { rows, rssMbAtQuarters: quarters.join(' '), rowsPerSecondByQuarter: rates.join(' ') },
    note: 'RSS at a quarter, half, three quarters and the end of the rows written (highest VmRSS seen up to there); rows/s of each quarter',
  };
}
