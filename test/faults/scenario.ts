// Fault scenarios shared by the PostgreSQL and MariaDB suites. Each scenario runs the real CLI
// against a private server while a seeded write workload changes the table, injects faults, lets
// the task resume, and finally compares the target with the source row by row.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  runCli, sleep, spawnCli, startMariadb, startPostgres, tempDir, waitUntil, writeTask, type CliProcess, type ServerHandle,
} from '../harness';

export { waitUntil };
import type { TaskStatus } from '../../src/protocol/status';
import { assertTablesEqual } from '../support/compare';
import { createTableSql, fillSql, rng, startWorkload, type Workload } from './workload';

export type Kind = 'postgres' | 'mariadb';

/** The base seed: LAKESYNC_FAULT_SEED=<n> replays a run. */
export const BASE_SEED = Number(process.env.LAKESYNC_FAULT_SEED ?? 20261124);

export interface Fixture {
  server: ServerHandle;
  db: string;
  schema: string;
  table: string;
  dir: string;
  file: string;
  lake: string;
}

export async function startServer(kind: Kind): Promise<ServerHandle> {
  return kind === 'postgres' ? startPostgres() : startMariadb();
}

let taskNo = 0;
/** A database with one filled table and a task file with small snapshot chunks. */
/** PostgreSQL's logical decoding plugin for the suite's tasks (the suite runs once per plugin). */
export type Plugin = 'pgoutput' | 'decoderbufs';

export async function fixture(server: ServerHandle, rows: number, chunkSize: number, plugin: Plugin = 'pgoutput'): Promise<Fixture> {
  const n = ++taskNo;
  const db = await server.createDatabase(`faults_${n}`);
  const schema = server.kind === 'postgres' ? 'public' : db;
  const table = 'items';
  await server.sql(createTableSql(server.kind, table), [], { database: db });
  await server.sql(fillSql(server.kind, table, rows), [], { database: db });
  const dir = tempDir(`faults-${server.kind}`);
  const lake = join(dir, 'lake.duckdb');
  const source = server.kind === 'postgres'
    ? server.source(db, { slot: `lakesync_faults_${n}`, publication: `lakesync_faults_${n}`, ...(plugin === 'decoderbufs' ? { plugin } : {}) })
    : server.source(db, { serverId: 6100 + n });
  const file = writeTask({
    name: `faults${n}`, source, mode: 'multi-table-mirror', tables: [`${schema}.${table}`],
    target: { type: 'duckdb', path: lake, namespace: 'ods' },
    snapshot: { enabled: true, concurrency: 2, chunkSize },
    parameters: { flushIntervalMs: 200 },
  }, dir);
  return { server, db, schema, table, dir, file, lake };
}

export function workload(f: Fixture, seed: number, existing: number): Workload {
  return startWorkload(f.server, f.db, f.table, { seed, existing, pauseMs: 5 });
}

/** The newest status line a `run --json` printed (under --supervise: of the current engine). */
export function lastStatus(p: CliProcess): TaskStatus | undefined {
  const lines = p.stdout().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i];
    if (!l.startsWith('{"type":"status"')) continue;
    try { return (JSON.parse(l) as { status: TaskStatus }).status; } catch { /* a line being written */ }
  }
  return undefined;
}

export function logged(p: CliProcess, re: RegExp): boolean {
  return p.stdout().split('\n').some((l) => l.startsWith('{"type":"log"') && re.test(l)) || re.test(p.stderr());
}

export const phaseOf = (p: CliProcess): string => {
  const s = lastStatus(p);
  const t = s?.tables[0];
  return t ? `${t.phase} ${t.chunksDone}/${t.chunksTotal}` : (s?.phase ?? 'starting');
};

/** Runs the task until it has applied everything committed so far, then compares. */
export async function catchUpAndCompare(f: Fixture, context: string): Promise<void> {
  const r = await runCli(['run', f.file, '--until-caught-up'], { timeoutMs: 180_000 });
  assert.equal(r.code, 0, `run --until-caught-up failed (${context})\nstdout:\n${r.stdout.slice(-3000)}\nstderr:\n${r.stderr.slice(-3000)}`);
  assert.doesNotMatch(r.stderr, /\n\s+at .+\(.+:\d+:\d+\)/, 'no stack trace');
  await assertTablesEqual([{ server: f.server, database: f.db, table: { db: f.schema, table: f.table }, duckdbPath: f.lake }], context);
}

/** Kills the server's replication connection(s) of the task: walsender / binlog dump thread. */
export async function killReplicationConnection(server: ServerHandle): Promise<number> {
  if (server.kind === 'postgres') {
    const rows = await server.sql<{ ok: boolean }>(
      "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE backend_type = 'walsender'");
    return rows.length;
  }
  const rows = await server.sql<{ ID: number }>(
    "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'");
  for (const r of rows) await server.sql(`KILL ${Number(r.ID)}`).catch(() => undefined);
  return rows.length;
}

export interface KillPoint { run: number; phase: string; afterMs: number }

/**
 * kill -9 of `lakesync run` at seeded random points: first while the full sync runs (a random
 * delay after the snapshot started), then while streaming. Each run must still be alive when it is
 * killed (it resumed instead of failing). Returns where each kill landed.
 */
export async function killNineRuns(f: Fixture, seed: number, kills: number, log: (m: string) => void): Promise<KillPoint[]> {
  const rand = rng(seed);
  const points: KillPoint[] = [];
  let snapshotDone = false;
  for (let run = 1; run <= kills; run++) {
    const p = spawnCli(['run', f.file, '--json']);
    try {
      let afterMs: number;
      // the first half of the kills hit the full sync (while it lasts), the rest hit streaming
      if (!snapshotDone && run <= Math.ceil(kills / 2)) {
        // while the full sync runs: a random moment after the engine's first status line (start-up,
        // snapshot setup, chunk copies and their commits all get hit)
        await waitUntil('the engine to start', () => lastStatus(p) !== undefined, 60_000, p);
        afterMs = 100 + Math.floor(rand() * 1000);
      } else {
        await waitUntil('streaming', () => lastStatus(p)?.tables[0]?.phase === 'incremental', 120_000, p);
        afterMs = 200 + Math.floor(rand() * 2500);
      }
      await sleep(afterMs);
      const exitedEarly = await Promise.race([p.exited.then(() => true), sleep(0).then(() => false)]);
      assert.equal(exitedEarly, false, `run ${run} exited by itself before the kill:\n${p.stdout().slice(-2000)}\n${p.stderr().slice(-2000)}`);
      // status lines come at most once a second; the log line of the finished full sync is immediate
      const inSnapshot = !logged(p, /full sync done/) && !snapshotDone;
      const phase = `${inSnapshot ? 'full sync' : 'streaming'} (last status: ${phaseOf(p)})`;
      p.kill('SIGKILL');
      await p.exited;
      if (logged(p, /full sync done/)) snapshotDone = true;
      points.push({ run, phase, afterMs });
      log(`  kill -9 #${run}: ${phase} (+${afterMs} ms)`);
    } finally {
      p.kill('SIGKILL');
      await p.exited;
    }
  }
  return points;
}
