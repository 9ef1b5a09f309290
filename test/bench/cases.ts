// The benchmark cases. Each measures LakeSync (the built engine as its own process) and, in the
// same run on the same server and data, the raw limit of that path on this machine.
import { execFile } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { sleep, writeTask, type ServerHandle } from '../harness';
import { sendControlRequest } from '../../src/engine/runtime/control';
import { logTime, runEngine, runToEnd, type EngineRun } from './engine';
import { load1 } from './machine';
import { changeBaseRows, changeTx, DUCK_COLUMNS, fillMy, fillPg, MY_DDL, PG_DDL, txMarker, writeChanges } from './workload';

export interface Figure {
  case: string;
  /** LakeSync's figure and its unit (rows/s, changes/s, ms). */
  value: number;
  unit: string;
  /** The raw limit measured in the same run (same unit), when the case has one. */
  raw?: number;
  rawMethod?: string;
  /** value / raw (for latencies: lower is better, no ratio). */
  ratio?: number;
  peakRssMb?: number;
  /** CPU seconds the engine process used (all threads): efficiency that others' load barely moves. */
  engineCpuS?: number;
  seconds?: number;
  load1: number;
  note?: string;
  extra?: Record<string, number | string>;
}

export type Kind = 'pg' | 'my';

const ratio = (v: number, raw: number) => Math.round((v / raw) * 1000) / 1000;
const per = (n: number, ms: number) => Math.round(n / (ms / 1000));

function sh(cmd: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 1 << 20, timeout: 600_000 }, (err, _out, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`)); else resolve(Date.now() - t0);
    });
  });
}

export function pgBin(s: ServerHandle, tool: string): string {
  const m = /^(\d+)/.exec(s.version);
  return `/usr/lib/postgresql/${m ? m[1] : '15'}/bin/${tool}`;
}

export interface Ctx { pg: ServerHandle; my: ServerHandle; scale: number; dir: string }

export function task(c: Ctx, kind: Kind, name: string, db: string, table: string, extra: Record<string, unknown> = {}): string {
  const s = kind === 'pg' ? c.pg : c.my;
  const source = kind === 'pg'
    ? s.source(db, { slot: `ls_${name}`, publication: `ls_${name}` })
    : s.source(db, { serverId: 7000 + Math.floor(Math.random() * 1000) });
  // BENCH_PARAMS='{"batchSize":20000}' sets engine parameters in every task (tuning experiments)
  const envParams = process.env.BENCH_PARAMS ? JSON.parse(process.env.BENCH_PARAMS) as Record<string, number> : undefined;
  const params = { ...envParams, ...(extra.parameters as Record<string, number> | undefined) };
  return writeTask({
    name, source, mode: 'multi-table-mirror', tables: [kind === 'pg' ? `public.${table}` : `${db}.${table}`],
    target: { type: 'duckdb', path: join(c.dir, `${name}.duckdb`), namespace: 'bench' },
    ...extra,
    ...(Object.keys(params).length ? { parameters: params } : {}),
  }, join(c.dir, name));
}

/** Drops the engine's slot (PostgreSQL) so finished cases do not hold WAL. */
async function dropSlot(c: Ctx, db: string, name: string): Promise<void> {
  await c.pg.sql(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`, [`ls_${name}`], { database: db })
    .catch(() => undefined);
}

async function duckCount(path: string, table: string): Promise<number> {
  const inst = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  try {
    const conn = await inst.connect();
    const r = await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${table}`);
    const n = Number(r.getRowObjectsJS()[0].n);
    conn.closeSync();
    return n;
  } finally { inst.closeSync(); }
}

async function sourceCount(s: ServerHandle, db: string, table: string): Promise<number> {
  const [r] = await s.sql<{ n: string | number }>(`SELECT count(*) AS n FROM ${table}`, undefined, { database: db });
  return Number(r.n);
}

/** DuckDB read_csv of a file into a fresh file-backed table: the other half of the raw snapshot limit. */
async function duckLoad(file: string, opts: string, dir: string): Promise<number> {
  const path = join(dir, 'raw.duckdb');
  rmSync(path, { force: true });
  const inst = await DuckDBInstance.create(path);
  try {
    const conn = await inst.connect();
    const t0 = Date.now();
    await conn.run(`CREATE TABLE t AS SELECT * FROM read_csv('${file}', header = false, columns = ${DUCK_COLUMNS}${opts})`);
    await conn.run('CHECKPOINT');
    const ms = Date.now() - t0;
    conn.closeSync();
    return ms;
  } finally { inst.closeSync(); rmSync(path, { force: true }); rmSync(`${path}.wal`, { force: true }); }
}

// ---------------------------------------------------------------- snapshot

export async function prepareSnapshotData(c: Ctx, kind: Kind, rows: number): Promise<{ db: string; ms: number }> {
  const s = kind === 'pg' ? c.pg : c.my;
  const db = await s.createDatabase('bench_snap');
  const t0 = Date.now();
  await s.sql(kind === 'pg' ? PG_DDL('t') : MY_DDL('t'), undefined, { database: db });
  if (kind === 'pg') await fillPg(s, db, 't', rows); else await fillMy(s, db, 't', rows);
  return { db, ms: Date.now() - t0 };
}

export async function rawSnapshot(c: Ctx, kind: Kind, db: string, rows: number): Promise<Figure> {
  const s = kind === 'pg' ? c.pg : c.my;
  let exportMs: number;
  let file: string;
  let opts: string;
  if (kind === 'pg') {
    file = join(s.baseDir, 'raw_t.csv');
    const t0 = Date.now();
    await s.sql(`COPY t TO '${file}' (FORMAT csv)`, undefined, { database: db });
    exportMs = Date.now() - t0;
    opts = '';
  } else {
    file = join(s.baseDir, 'tmp', 'raw_t.tsv');
    const t0 = Date.now();
    await s.sql(`SELECT * INTO OUTFILE '${file}' FROM t`, undefined, { database: db });
    exportMs = Date.now() - t0;
    opts = ", delim = '\\t', quote = '', escape = '', nullstr = '\\N'";
  }
  const bytes = statSync(file).size;
  const loadMs = await duckLoad(file, opts, c.dir);
  rmSync(file, { force: true });
  const ms = exportMs + loadMs;
  return {
    case: `${kind === 'pg' ? 'PostgreSQL' : 'MySQL'} snapshot raw`, value: per(rows, ms), unit: 'rows/s', seconds: ms / 1000, load1: load1(),
    extra: { exportMs, loadMs, bytesPerRow: Math.round(bytes / rows) },
    rawMethod: kind === 'pg' ? 'COPY t TO file (csv) + DuckDB read_csv' : 'SELECT INTO OUTFILE + DuckDB read_csv',
  };
}

export async function lakesyncSnapshot(c: Ctx, kind: Kind, db: string, rows: number, concurrency: number, raw: Figure): Promise<Figure> {
  const name = `snap_${kind}_c${concurrency}`;
  // BENCH_SNAPSHOT='{"chunkSize":125000}' adds snapshot settings (tuning experiments)
  const envSnapshot = process.env.BENCH_SNAPSHOT ? JSON.parse(process.env.BENCH_SNAPSHOT) as Record<string, number> : {};
  const file = task(c, kind, name, db, 't', { snapshot: { enabled: true, ...envSnapshot, concurrency } });
  const t0 = Date.now();
  const r = await runToEnd(file, ['--until-caught-up'], { timeoutMs: 900_000 });
  const done = logTime(r, /full sync done/);
  const started = logTime(r, /snapshot consistent with/);
  if (!done) throw new Error(`${name}: no "full sync done" in the engine's log`);
  const target = await duckCount(join(c.dir, `${name}.duckdb`), 'bench.t');
  if (target !== rows) throw new Error(`${name}: target has ${target} rows, source ${rows}`);
  if (kind === 'pg') await dropSlot(c, db, name);
  rmSync(join(c.dir, `${name}.duckdb`), { force: true });
  const ms = done - t0;
  const v = per(rows, ms);
  return {
    case: `${kind === 'pg' ? 'PostgreSQL' : 'MySQL'} snapshot, concurrency ${concurrency}`, value: v, unit: 'rows/s', raw: raw.value,
    rawMethod: raw.rawMethod, ratio: ratio(v, raw.value), peakRssMb: Math.round(r.peakRssMb()), engineCpuS: r.cpuSeconds(), seconds: ms / 1000, load1: load1(),
    extra: { rows, engineSnapshotMs: started ? done - started : -1 },
    note: 'process start to "full sync done" (includes start-up, slot/snapshot set-up, commit of the last chunk)',
  };
}

// ---------------------------------------------------------------- streaming

/** Times the engine catching up on `changes` changes written while it was stopped (PostgreSQL or MySQL). */
export async function streaming(c: Ctx, kind: Kind, changes: number): Promise<Figure[]> {
  const s = kind === 'pg' ? c.pg : c.my;
  const label = kind === 'pg' ? 'PostgreSQL' : 'MySQL';
  const db = await s.createDatabase('bench_stream');
  const base = changeBaseRows(changes);
  const txs = Math.ceil(changes / 100);
  await s.sql(kind === 'pg' ? PG_DDL('s') : MY_DDL('s'), undefined, { database: db });
  if (kind === 'pg') await fillPg(s, db, 's', base); else await fillMy(s, db, 's', base);
  const name = `stream_${kind}`;
  const file = task(c, kind, name, db, 's');
  // 1. full sync of the base rows; the engine stops with a checkpoint
  await runToEnd(file, ['--until-caught-up'], { timeoutMs: 600_000 });
  // 2. the raw reader's starting point: a copy of the engine's slot / the binlog position now
  let startPos = '';
  if (kind === 'pg') {
    await s.sql(`SELECT pg_copy_logical_replication_slot('ls_${name}', 'raw_${name}')`, undefined, { database: db });
  } else {
    const [m] = await s.sql<{ File: string; Position: number }>('SHOW MASTER STATUS');
    startPos = `${m.File}:${m.Position}`;
  }
  // 3. the changes, back to back, while the engine is stopped
  const writeMs = await writeChanges(s, db, kind, 's', base, txs);
  let endPos: string;
  if (kind === 'pg') {
    const [r] = await s.sql<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn', undefined, { database: db });
    endPos = r.lsn;
  } else {
    const [m] = await s.sql<{ File: string; Position: number }>('SHOW MASTER STATUS');
    endPos = `${m.File}:${m.Position}`;
  }
  // 4. raw limit: the server's own log reader, output thrown away
  let rawMs: number;
  let rawMethod: string;
  if (kind === 'pg') {
    rawMethod = 'pg_recvlogical (pgoutput v1, from a copy of the slot) to /dev/null';
    rawMs = await sh(pgBin(s, 'pg_recvlogical'), ['-h', s.host, '-p', String(s.port), '-U', s.user, '-d', db, '--slot', `raw_${name}`,
      '--start', '--no-loop', `--endpos=${endPos}`, '-o', 'proto_version=1', '-o', `publication_names=ls_${name}`, '-f', '/dev/null'],
    { PGPASSWORD: s.password });
    await s.sql(`SELECT pg_drop_replication_slot('raw_${name}')`, undefined, { database: db });
  } else {
    rawMethod = 'mariadb-binlog --read-from-remote-server -v to /dev/null';
    const [f1, p1] = startPos.split(':');
    const [f2, p2] = endPos.split(':');
    const logs = (await s.sql<{ Log_name: string }>('SHOW BINARY LOGS')).map((l) => l.Log_name).filter((l) => l >= f1 && l <= f2);
    rawMs = await shToNull('mariadb-binlog', ['--read-from-remote-server', `--host=${s.host}`, `--port=${s.port}`, `--user=${s.user}`,
      `--password=${s.password}`, '-v', `--start-position=${p1}`, `--stop-position=${p2}`, ...logs]);
  }
  // 5. LakeSync catches up from its checkpoint
  const t0 = Date.now();
  const r = await runToEnd(file, ['--until-caught-up'], { timeoutMs: 900_000 });
  const from = logTime(r, /catching up to/) ?? t0;
  const until = logTime(r, /caught up at/)!; // by positions only: no idle time to subtract
  const tgt = await duckCount(join(c.dir, `${name}.duckdb`), 'bench.s');
  const src = await sourceCount(s, db, 's');
  if (tgt !== src) throw new Error(`${name}: target has ${tgt} rows, source ${src}`);
  if (kind === 'pg') await dropSlot(c, db, name);
  await s.dropDatabase(db);
  const ms = until - from;
  const v = per(changes, ms);
  const raw = per(changes, rawMs);
  return [{
    case: `${label} streaming catch-up`, value: v, unit: 'changes/s', raw, rawMethod, ratio: ratio(v, raw), peakRssMb: Math.round(r.peakRssMb()),
    engineCpuS: r.cpuSeconds(),
    seconds: ms / 1000, load1: load1(),
    extra: { changes, transactions: txs, sourceCommitRate: per(changes, writeMs), processWallMs: Date.now() - t0 },
    note: 'changes written while the engine was stopped; "catching up to" log line to the applied goal',
  }];
}

function shToNull(cmd: string, args: string[]): Promise<number> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 1 << 30, timeout: 600_000, encoding: 'buffer' }, (err, _o, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${err.message}\n${stderr}`)); else resolve(Date.now() - t0);
    });
    child.stdout?.resume();
  });
}

// ---------------------------------------------------------------- freshness

/**
 * Freshness transaction j: `blocks` of the change workload's 100-change transactions in one.
 * PostgreSQL commits it with synchronous_commit on (the server's default; the bench's servers run
 * with it off for the bulk cases): with it off a commit's WAL reaches the disk, and so logical
 * decoding, only on the WAL writer's next round (wal_writer_delay, 200 ms), which alone put ~150 ms
 * into the median: a delay of the source's configuration, not of the engine.
 */
function freshTx(kind: Kind, base: number, j: number, blocks: number): string {
  const parts = Array.from({ length: blocks }, (_, b) => changeTx(kind, 'f', base, j * blocks + b)
    .replace(/^(BEGIN|START TRANSACTION); /, '').replace(/; COMMIT$/, ''));
  return `${kind === 'pg' ? 'SET synchronous_commit = on; BEGIN' : 'START TRANSACTION'}; ${parts.join('; ')}; COMMIT`;
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * A steady `rate` changes/s for `seconds`: a transaction every 20 ms of rate/50 changes (100 at
 * 5,000/s, 1,000 at 50,000/s), each one or more blocks of the change workload (see freshTx).
 * Each transaction's newest inserted id is its marker; a client polls the running engine through its control socket
 * (what the extension's Query command does) every 20 ms for max(id). Latency of a transaction = the
 * first poll that saw its marker minus the moment its COMMIT returned at the source.
 */
export async function freshness(c: Ctx, kind: Kind, rate: number, seconds: number, params: Record<string, number> = {}): Promise<Figure> {
  const s = kind === 'pg' ? c.pg : c.my;
  const label = kind === 'pg' ? 'PostgreSQL' : 'MySQL';
  const variant = `${rate === 5000 ? '' : `_${rate}`}${Object.keys(params).length ? '_tuned' : ''}`;
  const db = await s.createDatabase(`bench_fresh${variant}`);
  const blocks = Math.max(1, Math.round(rate / 5000));
  const txs = Math.ceil((rate * seconds) / (100 * blocks));
  const base = changeBaseRows(txs * blocks * 100);
  const marker = (j: number) => txMarker(base, j * blocks + blocks - 1);
  await s.sql(kind === 'pg' ? PG_DDL('f') : MY_DDL('f'), undefined, { database: db });
  if (kind === 'pg') await fillPg(s, db, 'f', base); else await fillMy(s, db, 'f', base);
  const name = `fresh_${kind}${variant}`;
  const file = task(c, kind, name, db, 'f', Object.keys(params).length ? { parameters: params } : {});
  await runToEnd(file, ['--until-caught-up'], { timeoutMs: 600_000 });
  const r = runEngine(file, [], { timeoutMs: 900_000 });
  const ask = async (sql: string) => {
    const reply = await sendControlRequest(file, { type: 'query', id: 1, sql, limit: 10 }, 10_000);
    if (!reply || reply.type !== 'reply' || !reply.ok) throw new Error(`query failed: ${JSON.stringify(reply)}`);
    return (reply.result as { rows: unknown[][] }).rows;
  };
  for (let i = 0; ; i++) {
    try { await ask('SELECT count(*) FROM bench.f'); break; } catch (err) {
      if (i > 300) throw err;
      await sleep(100);
    }
  }
  const commitAt: number[] = new Array(txs);
  const seenAt: number[] = new Array(txs).fill(0);
  let writing = true;
  let writeEnd = 0;
  // how long the engine may take to catch up after the last commit: an engine behind the writer
  // (50,000 changes/s on a loaded machine) has a backlog to apply; its latencies are the figure
  let patienceMs = 30_000;
  let seenUpTo = -1;
  const poller = (async () => {
    while (writing || seenUpTo < txs - 1) {
      const t = Date.now();
      const rows = await ask('SELECT max(id) FROM bench.f');
      const now = Date.now();
      const maxId = Number(rows[0][0]);
      while (seenUpTo + 1 < txs && marker(seenUpTo + 1) <= maxId) seenAt[++seenUpTo] = now;
      if (!writing && now - writeEnd > patienceMs) throw new Error(`freshness: markers not visible ${patienceMs / 1000} s after the last commit (${seenUpTo + 1}/${txs})`);
      await sleep(Math.max(0, 20 - (now - t)));
    }
  })();
  const interval = (100_000 * blocks) / rate;
  const t0 = Date.now();
  let behindMax = 0;
  try {
    for (let k = 0; k < txs; k++) {
      const due = t0 + k * interval;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait); else behindMax = Math.max(behindMax, -wait);
      await s.sql(freshTx(kind, base, k, blocks), undefined, { database: db });
      commitAt[k] = Date.now();
    }
  } finally { writing = false; writeEnd = Date.now(); patienceMs = 30_000 + 4 * (writeEnd - t0); }
  await poller;
  const achieved = per(txs * blocks * 100, writeEnd - t0);
  r.kill('SIGTERM');
  await r.exited;
  if (kind === 'pg') await dropSlot(c, db, name);
  await s.dropDatabase(db);
  const lat = commitAt.map((t, k) => seenAt[k] - t).sort((a, b) => a - b);
  // the stream's own count of commits (runtime/stream.ts logs it when it ends)
  const streamed = r.lines.map((l) => /^stream: (\d+) batches, (\d+) changes, apply (\d+) ms/.exec(l.message ?? '')).find((m) => m);
  const commits: Record<string, number> = streamed ? { commits: Number(streamed[1]), applyMs: Number(streamed[3]) } : {};
  return {
    case: `${label} freshness p99 at ${rate.toLocaleString('en-US')} changes/s${Object.keys(params).length ? ` (${Object.entries(params).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`,
    value: pct(lat, 99), unit: 'ms', peakRssMb: Math.round(r.peakRssMb()), engineCpuS: r.cpuSeconds(), seconds: (writeEnd - t0) / 1000, load1: load1(),
    extra: { p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99), max: lat.at(-1)!, transactions: txs, changesPerTransaction: blocks * 100, achievedRate: achieved, writerBehindMaxMs: Math.round(behindMax), ...commits },
    note: 'source COMMIT returned -> first control-socket query (every 20 ms) that sees the transaction\'s marker id',
  };
}

// ---------------------------------------------------------------- one large transaction

export async function bigTransaction(c: Ctx, kind: Kind, rows: number): Promise<Figure> {
  const s = kind === 'pg' ? c.pg : c.my;
  const label = kind === 'pg' ? 'PostgreSQL' : 'MySQL';
  const db = await s.createDatabase('bench_bigtx');
  await s.sql(kind === 'pg' ? PG_DDL('big') : MY_DDL('big'), undefined, { database: db });
  const name = `bigtx_${kind}`;
  const file = task(c, kind, name, db, 'big');
  await runToEnd(file, ['--until-caught-up'], { timeoutMs: 600_000 });
  const t0w = Date.now();
  if (kind === 'pg') {
    await s.sql(`INSERT INTO big SELECT ${'g, (g * 7) % 100000, g * 1000003, \'customer \' || (g % 100000), ((g % 100000) / 100.0)::numeric(12,2), '
      + 'timestamp \'2024-01-01\' + g * interval \'1 second\', g % 2 = 0, NULL, g / 7.0::float8, lpad(to_hex(g), 8, \'0\')'} FROM generate_series(1::bigint, ${rows}) g`,
    undefined, { database: db });
  } else {
    await s.sql(`INSERT INTO big SELECT seq, (seq * 7) % 100000, seq * 1000003, CONCAT('customer ', seq % 100000), (seq % 100000) / 100.0, `
      + `TIMESTAMPADD(SECOND, seq, '2024-01-01 00:00:00'), seq % 2 = 0, NULL, seq / 7e0, LPAD(HEX(seq), 8, '0') FROM seq_1_to_${rows}`,
    undefined, { database: db });
  }
  const writeMs = Date.now() - t0w;
  const t0 = Date.now();
  const r = await runToEnd(file, ['--until-caught-up'], { timeoutMs: 900_000 });
  const from = logTime(r, /catching up to/) ?? t0;
  const until = logTime(r, /caught up at/)!; // by positions only: no idle time to subtract
  const tgt = await duckCount(join(c.dir, `${name}.duckdb`), 'bench.big');
  if (tgt !== rows) throw new Error(`${name}: target has ${tgt} rows, source ${rows}`);
  if (kind === 'pg') await dropSlot(c, db, name);
  await s.dropDatabase(db);
  const ms = until - from;
  return {
    case: `${label} one ${rows.toLocaleString('en-US')}-row transaction`, value: per(rows, ms), unit: 'changes/s',
    peakRssMb: Math.round(r.peakRssMb()), engineCpuS: r.cpuSeconds(), seconds: ms / 1000, load1: load1(), extra: { rows, sourceWriteMs: writeMs },
    note: 'peak RSS is the figure of interest here',
  };
}

export type { EngineRun };
