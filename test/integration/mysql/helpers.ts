// Helpers of the MySQL adapter tests: a TaskPlan for a harness server, and a stream collector.
import type { TaskPlan } from '../../../src/engine/config/plan';
import type { ServerHandle } from '../../harness';
import type { Transaction } from '../../../src/engine/pipeline/events';
import type { SourceAdapter, StreamHandle } from '../../../src/engine/source/adapter';
import type { Position } from '../../../src/engine/positions';
import type { SourceTable } from '../../../src/engine/source/types';

let nextServerId = 7100;

export function planFor(server: ServerHandle, tables: string[], over: Partial<TaskPlan['parameters']> = {}): TaskPlan {
  return {
    name: 'mysql-test', file: '/dev/null',
    source: { type: 'mysql', host: server.host, port: server.port, user: server.user, password: server.password,
      serverId: nextServerId++, slot: '', publication: '', connectTimeoutMs: 5000 },
    mode: 'multi-table-mirror', databases: [], tables, exclude: [], virtualTables: {},
    target: { type: 'duckdb', path: '/dev/null', namespace: 'ods' },
    rules: { newTables: 'sync', addColumn: 'apply', dropColumn: 'keep', renameColumn: 'apply', changeType: 'apply', dropTable: 'keep',
      events: ['insert', 'update', 'delete', 'truncate'] },
    snapshot: { enabled: true, concurrency: 2, chunkSize: 1000 },
    parameters: { memoryMb: 512, flushIntervalMs: 200, batchSize: 1000, maxTransactionChanges: 10_000, ...over },
  };
}

/** Streams from `from` and collects transactions until `until` says enough (or the timeout). */
export async function collect(adapter: SourceAdapter, from: Position, tables: SourceTable[],
  until: (txs: Transaction[]) => boolean, timeoutMs = 60_000): Promise<Transaction[]> {
  const txs: Transaction[] = [];
  let started: Promise<StreamHandle> | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stream: condition not met in ${timeoutMs} ms; got ${JSON.stringify(txs)}`)), timeoutMs);
      started = adapter.stream(from, tables, (tx) => {
        txs.push(tx);
        if (until(txs)) { clearTimeout(timer); resolve(); }
      });
      started.then((h) => {
        h.done.catch((err) => { clearTimeout(timer); reject(err); });
        if (until(txs)) { clearTimeout(timer); resolve(); }
      }, (err) => { clearTimeout(timer); reject(err); });
    });
  } finally {
    const h = await started?.catch(() => undefined);
    await h?.stop();
  }
  return txs;
}

/** Row changes of the collected transactions, in order. */
export function rowChanges(txs: Transaction[]) {
  return txs.flatMap((t) => t.changes).filter((c) => c.kind === 'insert' || c.kind === 'update' || c.kind === 'delete');
}
