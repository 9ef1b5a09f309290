// Shared pieces of the mode / rule / operation tests: one source kind behind one small interface
// (PostgreSQL schemas and MariaDB databases are both "spaces", the `db` part of `db.table`),
// task files, the CLI, and row-by-row comparisons of a source table with its lakehouse copy.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, sharedMariadb, sharedPostgres, sleep, spawnCli, tempDir, uniqueName, writeTask, type CliProcess, type ServerHandle } from '../../harness';

export type Kind = 'postgres' | 'mariadb';
export const KINDS: Kind[] = ['postgres', 'mariadb'];

export type Cell = string | null;

/** One test's source: its own database (PostgreSQL) or databases (MariaDB). */
export class Source {
  private readonly spaces: string[] = [];
  private slot?: string;

  private constructor(readonly kind: Kind, readonly server: ServerHandle, readonly pgDb: string | undefined) {}

  static async create(kind: Kind): Promise<Source> {
    if (kind === 'postgres') {
      const server = await sharedPostgres();
      return new Source(kind, server, await server.createDatabase());
    }
    return new Source(kind, await sharedMariadb(), undefined);
  }

  /** A source on a server of the test's own (e.g. a MariaDB with other binlog settings). */
  static async on(kind: Kind, server: ServerHandle): Promise<Source> {
    return new Source(kind, server, kind === 'postgres' ? await server.createDatabase() : undefined);
  }

  /** A new namespace for tables: a schema (PostgreSQL) or a database (MariaDB). */
  async space(prefix = 'sp', exact?: string): Promise<string> {
    const name = exact ?? uniqueName(prefix).toLowerCase();
    if (this.kind === 'postgres') await this.sql(`CREATE SCHEMA ${name}`);
    else await this.server.createDatabase(name);
    this.spaces.push(name);
    return name;
  }

  /** Runs SQL (table names qualified with their space). */
  async sql(q: string): Promise<Record<string, unknown>[]> {
    return this.server.sql(q, [], this.pgDb ? { database: this.pgDb } : {});
  }

  /** `ALTER TABLE ... change a column's type` in the source's dialect. */
  retype(table: string, column: string, type: string): string {
    return this.kind === 'postgres'
      ? `ALTER TABLE ${table} ALTER COLUMN ${column} TYPE ${type}`
      : `ALTER TABLE ${table} MODIFY ${column} ${type}`;
  }

  /** `CAST(x AS text)` in the source's dialect. */
  text(expr: string): string {
    return this.kind === 'postgres' ? `(${expr})::text` : `CAST(${expr} AS CHAR)`;
  }

  /** Writes a task file for this source; returns its path and the lakehouse path. */
  task(over: Record<string, unknown>): Task {
    const name = uniqueName('modes');
    const dir = tempDir('modes');
    const extra = this.kind === 'postgres' ? { slot: `ls_${name}`, publication: `ls_${name}` } : {};
    if (this.kind === 'postgres') this.slot = `ls_${name}`;
    const file = writeTask({
      name, source: this.server.source(this.pgDb, extra),
      target: { path: 'lake.duckdb', namespace: 'ods' },
      snapshot: { concurrency: 2, chunkSize: 10 },
      ...over,
    }, dir);
    return new Task(this, file, join(dir, 'lake.duckdb'));
  }

  /** Drops what the test made (the shared PostgreSQL server has few replication slots). */
  async cleanup(): Promise<void> {
    if (this.kind === 'postgres') {
      if (this.slot) {
        await this.server.sql(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`, [this.slot]).catch(() => undefined);
      }
      await this.server.dropDatabase(this.pgDb!).catch(() => undefined);
    } else {
      for (const s of this.spaces) await this.server.dropDatabase(s).catch(() => undefined);
    }
  }
}

function norm(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

export class Task {
  run?: CliProcess;

  constructor(readonly src: Source, readonly file: string, readonly lake: string) {}

  /** Runs `lakesync <args...> FILE <rest>`; asserts exit 0 unless `expectFail`. */
  async cli(cmd: string, rest: string[] = [], expectFail = false): Promise<string> {
    const r = await runCli([cmd, this.file, ...rest], { timeoutMs: 90_000 });
    if (!expectFail) assert.equal(r.code, 0, `lakesync ${cmd} ${rest.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    else assert.notEqual(r.code, 0, `lakesync ${cmd} ${rest.join(' ')} should fail:\n${r.stdout}`);
    return r.stdout + r.stderr;
  }

  async json<T = unknown>(cmd: string, rest: string[] = []): Promise<T> {
    const r = await runCli([cmd, this.file, ...rest, '--json'], { timeoutMs: 90_000 });
    assert.equal(r.code, 0, `lakesync ${cmd} ${rest.join(' ')} --json exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  /** Starts `lakesync run FILE --json` in the background (with `env` added) and waits until its control socket answers. */
  async start(extra: string[] = [], env?: Record<string, string>): Promise<CliProcess> {
    this.run = spawnCli(['run', this.file, '--json', ...extra], env ? { env } : {});
    await this.waitFor('the engine to answer', async () => {
      const r = await runCli(['status', this.file, '--json'], { timeoutMs: 30_000 });
      return r.code === 0 && (JSON.parse(r.stdout) as { running?: boolean }).running === true;
    });
    return this.run;
  }

  /** Graceful stop (SIGINT); asserts exit 0. */
  async stop(): Promise<void> {
    const p = this.run;
    if (!p) return;
    this.run = undefined;
    p.kill('SIGINT');
    const r = await p.exited;
    assert.equal(r.code, 0, `lakesync run ended with ${r.code ?? r.signal}:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  }

  /** The running engine's output without its status lines (for failure messages). */
  runLog(): string {
    const lines = `${this.run?.stdout() ?? ''}\n${this.run?.stderr() ?? ''}`.split('\n').filter((l) => l.trim() && !l.startsWith('{"type":"status"'));
    return lines.slice(-40).join('\n');
  }

  /** Kills a run left behind by a failed test. */
  kill(): void { this.run?.kill(); this.run = undefined; }

  /** `lakesync run --until-caught-up`; returns its output. */
  async runUntilCaughtUp(extra: string[] = []): Promise<string> {
    const r = await runCli(['run', this.file, '--until-caught-up', ...extra], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, `lakesync run --until-caught-up exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout + r.stderr;
  }

  /** A query of the lakehouse through `lakesync query` (the engine when running, else the file). */
  async query(sql: string): Promise<Cell[][]> {
    const r = await this.json<{ rows: unknown[][] }>('query', ['--sql', sql]);
    return r.rows.map((row) => row.map(norm));
  }

  async status(): Promise<TaskStatusJson> { return this.json<TaskStatusJson>('status'); }

  async table(source: string): Promise<TableStatusJson> {
    const t = (await this.status()).tables.find((x) => x.source === source);
    assert.ok(t, `${source} is not in lakesync status`);
    return t;
  }

  /** Polls `fn` until it returns true (or fails with the last error after `timeoutMs`). */
  async waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try { if (await fn()) return; last = undefined; } catch (err) { last = err; }
      if (this.run && (this.run.child.exitCode !== null || this.run.child.signalCode !== null)) {
        throw new Error(`lakesync run exited while waiting for ${what}:\n${this.runLog()}`);
      }
      if (Date.now() > until) {
        throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}\n${this.runLog()}`);
      }
      await sleep(300);
    }
  }

  async waitPhase(source: string, phase: string, timeoutMs = 60_000): Promise<void> {
    await this.waitFor(`${source} to be ${phase}`, async () => (await this.table(source)).phase === phase, timeoutMs);
  }

  /** Source rows of `table` (qualified), columns as text, ordered by `order`. */
  async sourceRows(table: string, columns: string[], order = columns[0]): Promise<Cell[][]> {
    const rows = await this.src.sql(`SELECT ${columns.map((c, i) => `${this.src.text(c)} AS c${i}`).join(', ')} FROM ${table} ORDER BY ${order}`);
    return rows.map((r) => columns.map((_c, i) => norm(r[`c${i}`])));
  }

  /** Target rows of `ods.<table>` (or of `<namespace>.<table>` when qualified), columns as text, ordered by `order`. */
  async targetRows(table: string, columns: string[], order = columns[0], where = ''): Promise<Cell[][]> {
    // `lakesync query` answers at most 1000 rows: read in pages
    const out: Cell[][] = [];
    for (;;) {
      const page = await this.query(`SELECT ${columns.map((c) => `CAST(${c} AS VARCHAR)`).join(', ')} FROM ${qualifiedTarget(table)}`
        + `${where ? ` WHERE ${where}` : ''} ORDER BY ${order} LIMIT 1000 OFFSET ${out.length}`);
      out.push(...page);
      if (page.length < 1000) return out;
    }
  }

  /** Waits until the target copy equals the source table row by row (`targetTable` in ods). */
  async waitSame(sourceTable: string, targetTable: string, columns: string[], timeoutMs = 60_000): Promise<void> {
    let src: Cell[][] = [];
    let dst: Cell[][] = [];
    try {
      await this.waitFor(`${qualifiedTarget(targetTable)} to equal ${sourceTable}`, async () => {
        src = await this.sourceRows(sourceTable, columns);
        dst = await this.targetRows(targetTable, columns);
        return JSON.stringify(src) === JSON.stringify(dst);
      }, timeoutMs);
    } catch (err) {
      assert.deepEqual(dst, src, (err as Error).message);
      throw err;
    }
  }

  async count(table: string, where = ''): Promise<number> {
    const r = await this.query(`SELECT count(*) FROM ods.${table}${where ? ` WHERE ${where}` : ''}`);
    return Number(r[0][0]);
  }
}

/** `orders` -> `ods.orders`; a name with a dot is already qualified (`ns.table`, quoted as needed). */
const qualifiedTarget = (table: string) => (table.includes('.') ? table : `ods.${table}`);

export interface TableStatusJson {
  source: string; target: string; phase: string; chunksDone: number; chunksTotal: number; snapshotRows: number;
  rowsWritten: number; snapshotStartedAt?: string; snapshotEndedAt?: string; errors: { time: string; message: string; position?: string }[];
}
export interface TaskStatusJson { running: boolean; phase: string; tables: TableStatusJson[]; error?: string; neverRun?: boolean; position?: string }

/** `INSERT INTO t VALUES (...), ...` of `n` rows made by `row(i)` for i = from..from+n-1. */
export function insertRows(table: string, from: number, n: number, row: (i: number) => string): string {
  return `INSERT INTO ${table} VALUES ${Array.from({ length: n }, (_, k) => `(${row(from + k)})`).join(', ')}`;
}
