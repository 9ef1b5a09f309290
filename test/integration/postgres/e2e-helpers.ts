// End-to-end pieces: a task file for a test database, a writer that keeps changing the source,
// and a row-by-row comparison of source tables with their lakehouse copies.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { runCli, sleep, spawnCli, tempDir, uniqueName, writeTask, type CliResult } from '../../harness';
import type { PgTestDb } from './helpers';

export interface E2eTask { file: string; duckdb: string; dir: string; slot: string }

export function e2eTask(t: PgTestDb, over: Record<string, unknown> = {}, dir = tempDir('pg-e2e')): E2eTask {
  const name = uniqueName('pge2e');
  const slot = `ls_${name}`;
  const task = {
    name,
    source: t.server.source(t.db, { slot, publication: slot }),
    mode: 'multi-table-mirror',
    tables: ['public.*'],
    target: { path: 'lake.duckdb', namespace: 'ods' },
    snapshot: { concurrency: 4, chunkSize: 500 },
    ...over,
  };
  return { file: writeTask(task, dir), duckdb: join(dir, 'lake.duckdb'), dir, slot };
}

export async function runUntilCaughtUp(task: E2eTask, extra: string[] = [], timeoutMs = 120_000): Promise<CliResult> {
  const res = await runCli(['run', task.file, '--until-caught-up', ...extra], { timeoutMs });
  assert.equal(res.code, 0, `lakesync run --until-caught-up failed:\n${res.stdout}\n${res.stderr}`);
  return res;
}

/** Workload tables: a simple key, a composite key, big TOASTed text, a numeric and a timestamptz. */
export async function createWorkload(t: PgTestDb, rows: number): Promise<void> {
  await t.sql(`CREATE TABLE items (id int PRIMARY KEY, name text, qty int, price numeric(12,2), updated timestamptz)`);
  await t.sql(`CREATE TABLE pairs (a int, b int, payload text, PRIMARY KEY (a, b))`);
  await t.sql(`CREATE TABLE docs (id bigint PRIMARY KEY, title text, body text)`);
  await t.sql(`INSERT INTO items SELECT g, 'item ' || g, g % 7, g * 1.25, '2026-01-01'::timestamptz + g * interval '1 minute' FROM generate_series(1, ${rows}) g`);
  await t.sql(`INSERT INTO pairs SELECT g % 50, g, md5(g::text) FROM generate_series(1, ${rows}) g`);
  await t.sql(`INSERT INTO docs SELECT g, 't' || g, repeat(md5(g::text), 200) FROM generate_series(1, ${Math.ceil(rows / 10)}) g`);
}

/** Random small transactions (insert, update, pk change, delete, big-text update) until stopped. */
export class Writer {
  private stopped = false;
  private loop: Promise<void> | undefined;
  transactions = 0;
  private seed = 42;

  constructor(private readonly t: PgTestDb) {}

  private rnd(n: number): number {
    this.seed = (this.seed * 1103515245 + 12345) & 0x7fffffff;
    return this.seed % n;
  }

  start(): void {
    this.loop = (async () => {
      const c = new pg.Client({ host: this.t.server.host, port: this.t.server.port, user: this.t.server.user, password: this.t.server.password, database: this.t.db });
      await c.connect();
      let nextId = 10_000_000;
      try {
        while (!this.stopped) {
          await c.query('BEGIN');
          const ops = 1 + this.rnd(4);
          for (let i = 0; i < ops; i++) {
            const id = 1 + this.rnd(3000);
            switch (this.rnd(7)) {
              case 0: await c.query(`INSERT INTO items VALUES ($1, 'new', 1, 9.99, now())`, [nextId++]); break;
              case 1: await c.query(`UPDATE items SET qty = qty + 1, price = price + 0.01, updated = now() WHERE id = $1`, [id]); break;
              case 2: await c.query(`DELETE FROM items WHERE id = $1`, [id]); break;
              case 3: await c.query(`UPDATE items SET id = $2 WHERE id = $1`, [id, nextId++]); break;
              case 4: await c.query(`UPDATE pairs SET payload = md5(random()::text) WHERE a = $1 AND b = $2`, [id % 50, id]); break;
              case 5: await c.query(`INSERT INTO pairs VALUES ($1, $2, 'p') ON CONFLICT DO NOTHING`, [id % 50, nextId++]); break;
              default: await c.query(`UPDATE docs SET title = title || '+' WHERE id = $1`, [1 + (id % 300)]); break; // body: unchanged TOAST
            }
          }
          await c.query('COMMIT');
          this.transactions++;
          await new Promise((r) => setTimeout(r, 5));
        }
      } finally {
        await c.end();
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

/** Source rows as comparable text, per table, ordered by key (qualified: the output columns are text). */
const SOURCE_QUERIES: Record<string, string> = {
  items: `SELECT id::text, name, qty::text, price::text, (extract(epoch from updated) * 1000000)::bigint::text FROM items ORDER BY items.id`,
  pairs: `SELECT a::text, b::text, payload FROM pairs ORDER BY pairs.a, pairs.b`,
  docs: `SELECT id::text, title, md5(body) FROM docs ORDER BY docs.id`,
};
const TARGET_QUERIES: Record<string, string> = {
  items: `SELECT id::VARCHAR, name, qty::VARCHAR, price::VARCHAR, epoch_us(updated)::VARCHAR FROM ods.items ORDER BY items.id`,
  pairs: `SELECT a::VARCHAR, b::VARCHAR, payload FROM ods.pairs ORDER BY pairs.a, pairs.b`,
  docs: `SELECT id::VARCHAR, title, md5(body) FROM ods.docs ORDER BY docs.id`,
};

export async function targetRows(duckdbFile: string, sql: string): Promise<(string | null)[][]> {
  const db = await DuckDBInstance.create(duckdbFile, { access_mode: 'READ_ONLY' });
  try {
    const c = await db.connect();
    try {
      const r = await c.runAndReadAll(sql);
      return r.getRowsJS().map((row) => row.map((v) => (v === null ? null : String(v))));
    } finally {
      c.closeSync();
    }
  } finally {
    db.closeSync();
  }
}

/** Asserts that every workload table of the target equals the source, row by row. */
export async function assertWorkloadEqual(t: PgTestDb, duckdbFile: string): Promise<void> {
  for (const table of Object.keys(SOURCE_QUERIES)) {
    const src = (await t.server.sql<Record<string, string>>(SOURCE_QUERIES[table], [], { database: t.db })).map((r) => Object.values(r));
    const dst = await targetRows(duckdbFile, TARGET_QUERIES[table]);
    assert.equal(dst.length, src.length, `${table}: ${dst.length} rows in the target, ${src.length} in the source`);
    for (let i = 0; i < src.length; i++) {
      if (JSON.stringify(src[i]) !== JSON.stringify(dst[i])) {
        assert.fail(`${table} row ${i}: source ${JSON.stringify(src[i])}, target ${JSON.stringify(dst[i])}`);
      }
    }
  }
}

interface TableLine { event: string; table?: string; result: string; rows: number; differences: unknown[] }

/** `lakesync verify` against the running task (it holds the stream at each chunk's position): every table equal. */
export async function verifyEqual(task: { file: string }, tables: number): Promise<void> {
  const run = spawnCli(['run', task.file, '--json']);
  try {
    await run.waitFor(/"type":"status"/, 60_000);
    let r = await runCli(['verify', task.file, '--json'], { timeoutMs: 240_000 });
    for (let i = 0; i < 60 && /is not running/.test(r.stdout + r.stderr); i++) {
      await sleep(500); // the control socket opens a moment after the first status
      r = await runCli(['verify', task.file, '--json'], { timeoutMs: 240_000 });
    }
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as TableLine).filter((l) => l.event === 'table');
    assert.equal(r.code, 0, `verify:\n${r.stdout}\n${r.stderr}`);
    assert.equal(lines.length, tables, r.stdout);
    for (const l of lines) assert.equal(l.result, 'equal', JSON.stringify(l));
  } finally {
    run.kill('SIGINT');
    await run.exited;
  }
}
