// A seeded concurrent write workload for fault tests: inserts, updates, deletes, primary-key
// changes and multi-row transactions against one table, on its own connection. It survives
// server restarts and killed connections (reconnects and goes on): the source is the truth the
// target is compared with afterwards, so a transaction whose commit was lost is simply not there.
import pg from 'pg';
import mysql from 'mysql2/promise';
import type { ServerHandle } from '../harness';

/** A small deterministic PRNG (mulberry32): the same seed gives the same sequence. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The table every fault test uses; `amount` and `ts` make wrong conversions visible. */
export function createTableSql(kind: 'postgres' | 'mariadb', table: string): string {
  return kind === 'postgres'
    ? `CREATE TABLE ${table} (id bigint PRIMARY KEY, v varchar(64) NOT NULL, n bigint NOT NULL, amount numeric(12,2), ts timestamp(6), note text)`
    : `CREATE TABLE ${table} (id BIGINT PRIMARY KEY, v VARCHAR(64) NOT NULL, n BIGINT NOT NULL, amount DECIMAL(12,2), ts DATETIME(6), note TEXT)`;
}

/** SQL that fills `table` with ids 1..rows (generate_series / MariaDB's sequence engine: one statement). */
export function fillSql(kind: 'postgres' | 'mariadb', table: string, rows: number): string {
  return kind === 'postgres'
    ? `INSERT INTO ${table} SELECT g, 'row ' || g, g * 3, (g % 1000) + 0.25, timestamp '2024-01-01' + g * interval '1.000001 second', CASE WHEN g % 5 = 0 THEN NULL ELSE repeat('x', g % 40) END FROM generate_series(1, ${rows}) g`
    : `INSERT INTO ${table} SELECT seq, CONCAT('row ', seq), seq * 3, (seq % 1000) + 0.25, `
      + `TIMESTAMPADD(MICROSECOND, seq * 1000001, '2024-01-01'), IF(seq % 5 = 0, NULL, REPEAT('x', seq % 40)) FROM seq_1_to_${rows}`;
}

interface Exec { run(sql: string): Promise<void>; close(): Promise<void> }

async function connect(server: ServerHandle, database: string): Promise<Exec> {
  if (server.kind === 'postgres') {
    const c = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database });
    c.on('error', () => undefined);
    await c.connect();
    return { run: async (q) => { await c.query(q); }, close: () => c.end().catch(() => undefined) };
  }
  const c = await mysql.createConnection({ host: server.host, port: server.port, user: server.user, password: server.password, database, multipleStatements: true });
  c.on('error', () => undefined);
  return { run: async (q) => { await c.query(q); }, close: () => c.end().catch(() => undefined) };
}

export interface Workload {
  /** Stops after the current transaction; resolves with the number of committed transactions. */
  stop(): Promise<{ committed: number; failed: number }>;
  committed(): number;
}

export interface WorkloadOptions {
  seed: number;
  /** Ids already in the table are 1..existing. */
  existing: number;
  /** Pause between transactions, ms (keeps the 2-core machine usable). */
  pauseMs?: number;
}

/** Starts the workload on `table` (quoted by the caller if needed). */
export function startWorkload(server: ServerHandle, database: string, table: string, opts: WorkloadOptions): Workload {
  const rand = rng(opts.seed);
  const pg = server.kind === 'postgres';
  let nextId = 1_000_001; // new ids never collide with the filled range 1..existing
  const pick = () => (rand() < 0.7 || nextId === 1_000_001
    ? 1 + Math.floor(rand() * opts.existing)
    : 1_000_001 + Math.floor(rand() * (nextId - 1_000_001)));
  let stopping = false;
  let committed = 0;
  let failed = 0;
  const stmt = (): string => {
    const r = rand();
    const id = pick();
    const n = Math.floor(rand() * 1e6);
    if (r < 0.35) {
      const nid = nextId++;
      return pg
        ? `INSERT INTO ${table} VALUES (${nid}, 'ins ${n}', ${n}, ${n % 100000}.${n % 100}, now(), ${n % 3 ? `'note ${n}'` : 'NULL'}) ON CONFLICT DO NOTHING`
        : `INSERT IGNORE INTO ${table} VALUES (${nid}, 'ins ${n}', ${n}, ${n % 100000}.${n % 100}, NOW(6), ${n % 3 ? `'note ${n}'` : 'NULL'})`;
    }
    if (r < 0.65) return `UPDATE ${table} SET n = n + 1, v = 'upd ${n}', amount = ${n % 5 ? `${n % 9999}.5` : 'NULL'} WHERE id = ${id}`;
    if (r < 0.8) return `DELETE FROM ${table} WHERE id = ${id}`;
    // primary-key change: the row moves to a fresh id
    const nid = nextId++;
    return `UPDATE ${table} SET id = ${nid}, note = 'moved from ${id}' WHERE id = ${id}`;
  };
  const loop = (async () => {
    let conn: Exec | undefined;
    while (!stopping) {
      try {
        conn ??= await connect(server, database);
        const size = rand() < 0.3 ? 2 + Math.floor(rand() * 8) : 1;
        if (size === 1) await conn.run(stmt());
        else {
          await conn.run(pg ? 'BEGIN' : 'START TRANSACTION');
          for (let i = 0; i < size; i++) await conn.run(stmt());
          await conn.run('COMMIT');
        }
        committed++;
      } catch {
        failed++;
        await conn?.close();
        conn = undefined;
        await new Promise((r) => setTimeout(r, 200));
      }
      await new Promise((r) => setTimeout(r, opts.pauseMs ?? 5));
    }
    await conn?.close();
  })();
  return {
    committed: () => committed,
    async stop() { stopping = true; await loop; return { committed, failed }; },
  };
}
