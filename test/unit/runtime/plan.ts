// A task plan for runner unit tests (no real source behind it), and the target rows to compare.
import type { TaskPlan } from '../../../src/engine/config/plan';
import { DuckDbSink } from '../../../src/engine/sink/duckdb/sink';

export function testPlan(dir: string, over: Partial<TaskPlan> = {}): TaskPlan {
  return {
    name: 'test', file: `${dir}/test.sync.yaml`,
    source: { type: 'postgres', host: 'x', port: 1, user: 'u', password: 'secret-pw', database: 'app', serverId: 1, slot: 's', publication: 'p', connectTimeoutMs: 1000 },
    mode: 'multi-table-mirror', databases: [], tables: ['app.items', 'app.tags'], exclude: [], virtualTables: {},
    target: { type: 'duckdb', path: `${dir}/lake.duckdb`, namespace: 'ods' },
    rules: { newTables: 'sync', addColumn: 'apply', dropColumn: 'keep', renameColumn: 'apply', changeType: 'apply', dropTable: 'keep', events: ['insert', 'update', 'delete', 'truncate'] },
    snapshot: { enabled: true, concurrency: 3, chunkSize: 100 },
    parameters: { memoryMb: 512, flushIntervalMs: 50, batchSize: 40, maxTransactionChanges: 1000 },
    ...over,
  };
}

/** The rows of ods.items / ods.tags as text arrays, in id order. */
export async function targetRows(path: string, table: string): Promise<(string | null)[][]> {
  const t = await DuckDbSink.open(path);
  try {
    const cols = table === 'items' ? 'CAST(id AS VARCHAR), v, doc' : 'CAST(id AS VARCHAR), name';
    const rows = await t.conn.rows<Record<string, string | null>>(`SELECT ${cols} FROM ods.${table} ORDER BY id`);
    return rows.map((r) => Object.values(r));
  } finally { await t.close(); }
}
