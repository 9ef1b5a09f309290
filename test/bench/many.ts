// Bench case: a database mirror of many small tables (1,000 x 100 rows at full scale), as a new
// user would run one: `lakesync run --until-caught-up` from nothing. Time to caught up, peak RSS
// and RSS sampled along the run. Raw limit, same data: each table COPY'd / SELECT INTO OUTFILE'd to
// a file and loaded by one DuckDB into a keyed table of its own (one commit per table), then
// CHECKPOINT: what the server and DuckDB need for that many tables, with nothing of LakeSync.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeTask } from '../harness';
import { logTime, runEngine } from './engine';
import { load1 } from './machine';
import type { Ctx, Figure, Kind } from './cases';

const name = (i: number) => `t${String(i).padStart(4, '0')}`;

const PG_TABLE = (t: string, i: number, rows: number) => `CREATE TABLE ${t} (id bigint PRIMARY KEY, a int, name varchar(40), amount numeric(10,2), created timestamp);
  INSERT INTO ${t} SELECT g, g * ${i + 1}, 'name ' || g, g / 10.0, timestamp '2024-01-01' + g * interval '1 minute' FROM generate_series(1, ${rows}) g;`;
const MY_TABLE = (t: string, i: number, rows: number) => `CREATE TABLE ${t} (id bigint PRIMARY KEY, a int, name varchar(40), amount decimal(10,2), created datetime);
  INSERT INTO ${t} SELECT seq, seq * ${i + 1}, CONCAT('name ', seq), seq / 10.0, TIMESTAMPADD(MINUTE, seq, '2024-01-01') FROM seq_1_to_${rows};`;
const DUCK_TABLE = (t: string) => `CREATE TABLE ${t} (id BIGINT PRIMARY KEY, a INTEGER, name VARCHAR, amount DECIMAL(10,2), created TIMESTAMP)`;
const DUCK_COLUMNS = "{'id':'BIGINT','a':'INTEGER','name':'VARCHAR','amount':'DECIMAL(10,2)','created':'TIMESTAMP'}";

async function rawLimit(c: Ctx, kind: Kind, db: string, tables: number): Promise<number> {
  const s = kind === 'pg' ? c.pg : c.my;
  const path = join(c.dir, 'raw_many.duckdb');
  rmSync(path, { force: true });
  const inst = await DuckDBInstance.create(path);
  const t0 = Date.now();
  try {
    const conn = await inst.connect();
    for (let i = 0; i < tables; i++) {
      const file = kind === 'pg' ? join(s.baseDir, `raw_${name(i)}.csv`) : join(s.baseDir, 'tmp', `raw_${name(i)}.tsv`);
      await s.sql(kind === 'pg' ? `COPY ${name(i)} TO '${file}' (FORMAT csv)` : `SELECT * INTO OUTFILE '${file}' FROM ${name(i)}`, undefined, { database: db });
      const opts = kind === 'pg' ? '' : ", delim = '\\t', quote = '', escape = '', nullstr = '\\N'";
      await conn.run('BEGIN');
      await conn.run(DUCK_TABLE(name(i)));
      await conn.run(`INSERT INTO ${name(i)} SELECT * FROM read_csv('${file}', header = false, columns = ${DUCK_COLUMNS}${opts})`);
      await conn.run('COMMIT');
      rmSync(file, { force: true });
    }
    await conn.run('CHECKPOINT');
    conn.closeSync();
    return Date.now() - t0;
  } finally {
    inst.closeSync();
    rmSync(path, { force: true });
    rmSync(`${path}.wal`, { force: true });
  }
}

async function targetRows(path: string, tables: number): Promise<number> {
  const inst = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  try {
    const conn = await inst.connect();
    let n = 0;
    for (let from = 0; from < tables; from += 200) {
      const parts = Array.from({ length: Math.min(200, tables - from) }, (_, k) => `SELECT count(*) AS n FROM bench.${name(from + k)}`);
      n += Number((await conn.runAndReadAll(`SELECT sum(n)::BIGINT AS n FROM (${parts.join(' UNION ALL ')})`)).getRowObjectsJS()[0].n);
    }
    conn.closeSync();
    return n;
  } finally { inst.closeSync(); }
}

/** `tables` tables of `rows` rows, mirrored from nothing to caught up. */
export async function manyTables(c: Ctx, kind: Kind, tables: number, rows: number): Promise<Figure> {
  const s = kind === 'pg' ? c.pg : c.my;
  const label = kind === 'pg' ? 'PostgreSQL' : 'MySQL';
  const db = await s.createDatabase('bench_many');
  for (let i = 0; i < tables; i += 50) {
    const ddl = Array.from({ length: Math.min(50, tables - i) }, (_, k) => (kind === 'pg' ? PG_TABLE : MY_TABLE)(name(i + k), i + k, rows));
    await s.sql(ddl.join('\n'), undefined, { database: db });
  }
  const raw = await rawLimit(c, kind, db, tables);
  const taskName = `many_${kind}`;
  const source = kind === 'pg'
    ? s.source(db, { slot: `ls_${taskName}`, publication: `ls_${taskName}` })
    : s.source(db, { serverId: 7000 + Math.floor(Math.random() * 1000) });
  const envParams = process.env.BENCH_PARAMS ? JSON.parse(process.env.BENCH_PARAMS) as Record<string, number> : undefined;
  const target = join(c.dir, `${taskName}.duckdb`);
  const file = writeTask({
    name: taskName, source, mode: 'database-mirror', databases: [kind === 'pg' ? 'public' : db],
    target: { type: 'duckdb', path: target, namespace: 'bench' },
    ...(envParams ? { parameters: envParams } : {}),
  }, join(c.dir, taskName));
  const t0 = Date.now();
  const r = runEngine(file, ['--until-caught-up'], { timeoutMs: 900_000 });
  // RSS along the run (every 5 s), to show whether it grows with the tables written
  const samples: string[] = [];
  const sampler = setInterval(() => samples.push(`${Math.round((Date.now() - t0) / 1000)}s:${Math.round(r.peakRssMb())}`), 5000);
  const code = await r.exited.finally(() => clearInterval(sampler));
  if (code !== 0) throw new Error(`${taskName}: lakesync run --until-caught-up exited ${code}:\n${r.stderr().slice(-3000)}`);
  const until = logTime(r, /caught up at/);
  if (!until) throw new Error(`${taskName}: no "caught up at" in the engine's log`);
  const landed = await targetRows(target, tables);
  if (landed !== tables * rows) throw new Error(`${taskName}: target has ${landed} rows, source ${tables * rows}`);
  if (kind === 'pg') {
    await s.sql('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [`ls_${taskName}`], { database: db })
      .catch(() => undefined);
  }
  await s.dropDatabase(db);
  rmSync(target, { force: true });
  const ms = until - t0;
  return {
    case: `${label} database mirror of ${tables.toLocaleString('en-US')} tables x ${rows} rows, time to caught up`, value: Math.round(ms / 100) / 10, unit: 's',
    raw: Math.round(raw / 100) / 10, rawMethod: 'per table: COPY / INTO OUTFILE + DuckDB read_csv into a keyed table, one commit each; then CHECKPOINT',
    ratio: Math.round((raw / ms) * 1000) / 1000, peakRssMb: Math.round(r.peakRssMb()), engineCpuS: r.cpuSeconds(), seconds: ms / 1000, load1: load1(),
    extra: { tables, rowsPerTable: rows, rssSamplesMb: samples.join(' ') },
    note: 'engine process start to "caught up at" (start-up, slot, catalog, every table\'s full sync, catch-up); ratio = raw time / LakeSync time',
  };
}
