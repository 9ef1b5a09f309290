// Without binlog_row_metadata=FULL the binlog carries no column names: replaying rows written
// before an ALTER TABLE must still put every value under its own column (LakeSync's schema history).
import assert from 'node:assert/strict';
import { startMariadb, type ServerHandle } from '../../harness';
import { createMysqlSource } from '../../../src/engine/source/mysql';
import type { SchemaHistoryStore } from '../../../src/engine/source/adapter';
import type { RowChange } from '../../../src/engine/pipeline/events';
import type { SourceTable, TableId } from '../../../src/engine/source/types';
import { collect, planFor, rowChanges } from './helpers';

/** The same contract as the DuckDB state store, in memory. */
function memoryStore(): SchemaHistoryStore & { saved: { table: string; position: string }[] } {
  const rows: { key: string; position: string; table: SourceTable }[] = [];
  const saved: { table: string; position: string }[] = [];
  return {
    saved,
    async saveSchema(table: TableId, position: string, definition: SourceTable) {
      rows.push({ key: `${table.db}.${table.table}`, position, table: structuredClone(definition) });
      saved.push({ table: `${table.db}.${table.table}`, position });
    },
    async schemaHistory(table: TableId) {
      return rows.filter((r) => r.key === `${table.db}.${table.table}`).map((r) => ({ position: r.position, savedAt: '', table: r.table }));
    },
  };
}

describe('MySQL source: replay across ALTER TABLE without FULL row metadata', function () {
  this.timeout(120_000);
  let server: ServerHandle;

  before(async () => { server = await startMariadb({ binlogRowMetadata: 'NO_LOG' }); });
  after(async () => { await server?.stop(); });

  it('names replayed values by the shape they were written with', async () => {
    await server.sql('CREATE DATABASE app');
    await server.sql('CREATE TABLE app.t (id INT PRIMARY KEY, a INT, b INT)');
    const store = memoryStore();
    const first = createMysqlSource(planFor(server, ['app.t']));
    first.attachState!(store);
    const [before] = await first.discover();
    const start = await first.currentPosition();
    await server.sql('INSERT INTO app.t VALUES (1, 100, 10)');
    // First run: streams the insert and records the shape at its start.
    const run1 = await collect(first, start, [before], (t) => rowChanges(t).length >= 1);
    assert.deepEqual((rowChanges(run1)[0] as RowChange).after, ['1', '100', '10']);
    await first.close();
    assert.equal(store.saved.length, 1);

    // While it is stopped: same column count, different order and names.
    await server.sql('ALTER TABLE app.t DROP COLUMN a, ADD COLUMN z INT FIRST');
    await server.sql('INSERT INTO app.t VALUES (7, 2, 20)');

    // Second run replays from the same start (a crash before the checkpoint) with today's shape.
    const second = createMysqlSource(planFor(server, ['app.t']));
    second.attachState!(store);
    const [now] = await second.discover();
    assert.deepEqual(now.columns.map((c) => c.name), ['z', 'id', 'b']);
    const run2 = await collect(second, start, [now], (t) => rowChanges(t).length >= 2);
    await second.close();
    const rows = rowChanges(run2).map((c) => (c as RowChange).after);
    assert.deepEqual(rows[0], [undefined, '1', '10'], 'id 1, b 10; a is gone and z did not exist yet');
    assert.deepEqual(rows[1], ['7', '2', '20']);
    assert.equal(store.saved.length, 2, 'the ALTER recorded the new shape');
  });
});
