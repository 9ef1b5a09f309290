// Shared pieces of the PostgreSQL source tests: a task plan for a test database, a fresh
// database per test on the shared server, and a collector of streamed transactions.
import type { TaskPlan } from '../../../src/engine/config/plan';
import type { Transaction } from '../../../src/engine/pipeline/events';
import { formatPosition, type Position } from '../../../src/engine/positions';
import type { CliProcess, ServerHandle } from '../../harness';
import { sharedPostgres, sleep, uniqueName, waitUntil } from '../../harness';

export interface PgTestDb {
  server: ServerHandle;
  db: string;
  sql<T = Record<string, string>>(q: string, params?: unknown[]): Promise<T[]>;
  plan(over?: Partial<TaskPlan>): TaskPlan;
}

const created: { server: ServerHandle; db: string }[] = [];

/**
 * Drops the replication slots that tests left in their databases (the shared server has a limited
 * number, and every test file of the run shares it). Call from afterEach.
 */
export async function dropTestSlots(): Promise<void> {
  for (const { server, db } of created.splice(0)) {
    if (!server.isRunning()) continue;
    for (let i = 0; i < 20; i++) {
      const rows = await server.sql<{ slot_name: string; active: boolean }>(
        'SELECT slot_name, active FROM pg_replication_slots WHERE database = $1', [db]).catch(() => []);
      for (const r of rows.filter((x) => !x.active)) {
        await server.sql('SELECT pg_drop_replication_slot($1)', [r.slot_name]).catch(() => undefined);
      }
      if (rows.every((x) => !x.active)) break;
      await sleep(250); // a walsender of a stopped stream exits a moment later
    }
  }
}

/**
 * Waits until a walsender holds `slot`: a stream is started once START_REPLICATION is sent, and the
 * server marks the slot active a moment later (a "slot in use" test must not start before that).
 */
export async function waitSlotActive(server: ServerHandle, slot: string, p?: CliProcess): Promise<void> {
  await waitUntil(`a walsender to hold slot ${slot}`, async () => (await server.sql<{ active: boolean }>(
    'SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]))[0]?.active === true, 60_000, p);
}

export async function testDatabase(onServer?: ServerHandle): Promise<PgTestDb> {
  const server = onServer ?? await sharedPostgres();
  const db = await server.createDatabase(uniqueName('pgsrc'));
  created.push({ server, db });
  const name = uniqueName('t');
  return {
    server, db,
    sql: <T>(q: string, params?: unknown[]) => server.sql<T>(q, params, { database: db }),
    plan: (over = {}) => ({
      name, file: `/tmp/${name}.sync.yaml`,
      source: {
        type: 'postgres', host: server.host, port: server.port, user: server.user, password: server.password,
        database: db, serverId: 1, slot: `ls_${name}`.toLowerCase().replace(/[^a-z0-9_]/g, '_'),
        publication: `ls_${name}`.toLowerCase().replace(/[^a-z0-9_]/g, '_'), connectTimeoutMs: 10_000,
      },
      mode: 'multi-table-mirror', databases: [], tables: ['public.*'], exclude: [], virtualTables: {},
      target: { type: 'duckdb', path: `/tmp/${name}.duckdb`, namespace: 'ods' },
      rules: { newTables: 'sync', addColumn: 'apply', dropColumn: 'keep', renameColumn: 'apply', changeType: 'apply', dropTable: 'keep', events: ['insert', 'update', 'delete', 'truncate'] },
      snapshot: { enabled: true, concurrency: 4, chunkSize: 1000 },
      parameters: { memoryMb: 1024, flushIntervalMs: 1000, batchSize: 10000, maxTransactionChanges: 10000 },
      ...over,
    }),
  };
}

/** Collects streamed transactions; `until` waits for a condition on them. */
export class Collector {
  readonly txs: Transaction[] = [];
  onTransaction = (tx: Transaction): void => { this.txs.push(tx); };
  get changes() { return this.txs.flatMap((t) => t.changes); }
  async until(what: string, cond: (txs: Transaction[]) => boolean, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (!cond(this.txs)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.txs.map((t) => ({ ...t, position: formatPosition(t.position) })), null, 1).slice(0, 3000)}`);
      await sleep(50);
    }
  }
}

export function pos(p: Position): string { return formatPosition(p); }
