// Snapshot expiry of the Iceberg sink's maintenance: snapshots older than keepSnapshotsMs expire,
// and at most maxSnapshots (the newest) stay whatever their age, so a table committed every 500 ms
// keeps a bounded metadata file (each snapshot is a few hundred bytes of it, rewritten by every
// commit and parsed by every reader). The current snapshot never expires; the rows stay.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { IcebergSink } from '../../../src/engine/sink/iceberg/sink';
import { DEFAULT_MAINTENANCE } from '../../../src/engine/sink/iceberg/maintenance';
import { IcebergTable } from '../../../src/engine/sink/iceberg/table';
import { BatchReducer } from '../../../src/engine/pipeline/batch';
import { lsn } from '../../../src/engine/positions';
import { route, table, tempDir } from './helpers';

const src = table('shop', 'items', [['id', 'INTEGER'], ['v', 'VARCHAR']]);
const r = route(src, ['INTEGER', 'VARCHAR']);

describe('Iceberg maintenance: snapshot expiry', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => { tmp = tempDir(); });
  afterEach(() => tmp.cleanup());

  async function run(settings: Partial<typeof DEFAULT_MAINTENANCE>, commits: number, wait = 0): Promise<{ ids: number[]; before: number[]; rows: number }> {
    const warehouse = join(tmp.dir, 'lake');
    const sink = await IcebergSink.open({ warehouse, statePath: join(warehouse, '.lakesync', 'state.duckdb'),
      maintenance: { ...DEFAULT_MAINTENANCE, enabled: false, minFiles: 1000, ...settings } });
    try {
      await sink.ensureTable(r.mapping);
      for (let c = 1; c <= commits; c++) {
        const red = new BatchReducer(() => r);
        red.add({ kind: 'insert', table: src.id, after: [String(c), `v${c}`] }, Date.now());
        await sink.applyBatch([...red.tables.values()], lsn(BigInt(c)));
      }
      const dir = join(warehouse, 'ods', 'items');
      const before = (await IcebergTable.open(dir))!.metadata.snapshots.map((s) => s['snapshot-id']);
      if (wait) await new Promise((res) => setTimeout(res, wait));
      await sink.maintenance.runOnce();
      const t = (await IcebergTable.open(dir))!;
      const rows = Number((await sink.query('SELECT count(*) FROM ods.items', 1)).rows[0][0]);
      return { ids: t.metadata.snapshots.map((s) => s['snapshot-id']), before, rows };
    } finally { await sink.close(); }
  }

  it('keeps at most maxSnapshots, the newest, however young', async () => {
    const { ids, before, rows } = await run({ maxSnapshots: 5 }, 12);
    assert.equal(before.length, 12);
    assert.deepEqual(ids, before.slice(-5));
    assert.equal(rows, 12);
  });

  it('keeps every snapshot younger than keepSnapshotsMs under the cap, and expires older ones (never the current)', async () => {
    const young = await run({ maxSnapshots: 1000 }, 6);
    assert.deepEqual(young.ids, young.before);
    tmp.cleanup(); tmp = tempDir();
    const old = await run({ keepSnapshotsMs: 50 }, 6, 200);
    assert.deepEqual(old.ids, old.before.slice(-1));
    assert.equal(old.rows, 6);
  });
});
