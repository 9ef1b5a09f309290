// "An hour of changes" compressed: a few thousand commits of upserts and deletes through the
// Iceberg sink while its background maintenance runs (compaction, snapshot expiry, orphan
// removal, on a compressed clock: rounds every second, snapshots kept 5 s). The warehouse stays
// healthy: live data and delete files, snapshots and the files in data/ and metadata/ stay
// bounded however many commits were made, and at the end pyiceberg, DuckDB's iceberg extension
// and Iceberg Java each return exactly the rows of a model kept beside the sink.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { IcebergSink } from '../../src/engine/sink/iceberg/sink';
import { IcebergTable } from '../../src/engine/sink/iceberg/table';
import { DEFAULT_MAINTENANCE } from '../../src/engine/sink/iceberg/maintenance';
import { BatchReducer } from '../../src/engine/pipeline/batch';
import { lsn } from '../../src/engine/positions';
import { route, table, tempDir } from '../unit/sink/helpers';
import { sleep } from '../harness';
import { READERS, assertReadersInstalled, readWith } from './readers';
import { DuckDBInstance } from '@duckdb/node-api';

const COMMITS = Number(process.env.LAKESYNC_HEALTH_COMMITS ?? 1500);
const KEYS = 2000;
const src = table('shop', 'events', [['id', 'INTEGER'], ['v', 'BIGINT'], ['note', 'VARCHAR']]);
const r = route(src, ['INTEGER', 'BIGINT', 'VARCHAR']);

interface Health { dataFiles: number; deleteFiles: number; snapshots: number; inData: number; inMetadata: number }

async function health(dir: string): Promise<Health> {
  const t = (await IcebergTable.open(dir))!;
  return {
    dataFiles: Number(t.summary('total-data-files') ?? 0),
    deleteFiles: Number(t.summary('total-delete-files') ?? 0),
    snapshots: t.metadata.snapshots.length,
    inData: readdirSync(join(dir, 'data')).length,
    inMetadata: readdirSync(join(dir, 'metadata')).length,
  };
}

describe('Iceberg warehouse health under thousands of commits with maintenance running', function () {
  this.timeout(900_000);
  before(assertReadersInstalled);

  it(`${COMMITS} commits of upserts and deletes: files and snapshots stay bounded; every reader returns the model's rows`, async () => {
    const tmp = tempDir();
    const warehouse = join(tmp.dir, 'lake');
    const dir = join(warehouse, 'ods', 'events');
    const settings = { ...DEFAULT_MAINTENANCE, intervalMs: 1000, minFiles: 16, keepSnapshotsMs: 5000, orphanMinAgeMs: 3000 };
    const sink = await IcebergSink.open({ warehouse, statePath: join(warehouse, '.lakesync', 'state.duckdb'), maintenance: settings });
    const model = new Map<number, [string, string]>();
    const samples: Health[] = [];
    try {
      await sink.ensureTable(r.mapping);
      let seed = 17;
      const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
      const started = Date.now();
      for (let c = 1; c <= COMMITS; c++) {
        const red = new BatchReducer(() => r);
        // a few changes per commit, as a busy stream flushed often: upserts, and deletes of live keys
        for (let k = 0, n = 1 + rand(8); k < n; k++) {
          const id = rand(KEYS);
          const had = model.get(id);
          if (had && rand(4) === 0) {
            red.add({ kind: 'delete', table: src.id, before: [String(id), ...had] }, Date.now());
            model.delete(id);
          } else {
            const row: [string, string] = [String(c * 10 + k), `n${id}-${c}`];
            red.add(had ? { kind: 'update', table: src.id, before: [String(id), ...had], after: [String(id), ...row] }
              : { kind: 'insert', table: src.id, after: [String(id), ...row] }, Date.now());
            model.set(id, row);
          }
        }
        await sink.applyBatch([...red.tables.values()], lsn(BigInt(c)));
        if (c % 100 === 0) samples.push(await health(dir));
      }
      const seconds = (Date.now() - started) / 1000;
      // past the retention and the orphan age, one more round: what a quiet hour ends with
      await sleep(settings.keepSnapshotsMs + settings.orphanMinAgeMs);
      await sink.maintenance.runOnce();
      await sink.maintenance.runOnce();
      const end = await health(dir);
      const worst = (k: keyof Health) => Math.max(...samples.map((s) => s[k]));
      const report = `${COMMITS} commits in ${seconds.toFixed(0)} s; worst during the run ${JSON.stringify(Object.fromEntries((['dataFiles', 'deleteFiles', 'snapshots', 'inData', 'inMetadata'] as const).map((k) => [k, worst(k)])))}; end ${JSON.stringify(end)}`;
      // bounded: what the table holds does not grow with the number of commits (the second half of
      // the run peaks no higher than twice the first half, plus a round's worth), and stays far
      // below one file or snapshot per commit (without maintenance: one data file, up to one
      // delete file and one snapshot per commit)
      const half = Math.floor(samples.length / 2);
      const peak = (k: keyof Health, from: number, to: number) => Math.max(...samples.slice(from, to).map((s) => s[k]));
      for (const k of ['dataFiles', 'deleteFiles', 'snapshots', 'inData', 'inMetadata'] as const) {
        assert.ok(peak(k, half, samples.length) <= 2 * peak(k, 0, half) + settings.minFiles, `${k} grows with the commits: ${report}`);
      }
      for (const k of ['dataFiles', 'deleteFiles', 'snapshots', 'inData'] as const) assert.ok(worst(k) <= COMMITS / 8, `${k} not bounded: ${report}`);
      // metadata/: per retained snapshot a manifest list and its new manifests, plus the 20 listed metadata files
      assert.ok(worst('inMetadata') <= 4 * worst('snapshots') + 30, `files in metadata/ not bounded: ${report}`);
      // ... and small once the commits stop: one round compacts, expires and removes what is unreferenced
      assert.ok(end.dataFiles <= settings.minFiles && end.deleteFiles <= settings.minFiles, `live files at the end: ${report}`);
      assert.ok(end.snapshots <= 3, `snapshots at the end: ${report}`);
      // files the last 20 metadata versions still reference stay for readers holding them (docs/iceberg.md)
      assert.ok(end.inData <= worst('inData'), `files in data/ at the end: ${report}`);
      assert.ok(end.inMetadata <= worst('inMetadata') / 2, `files in metadata/ at the end: ${report}`);
      console.log(`      ${report}`);
    } finally {
      await sink.close();
    }

    // every reader returns exactly the model's rows
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      await conn.run('CREATE TABLE model (id INTEGER, v BIGINT, note VARCHAR)');
      const rows = [...model.entries()];
      for (let i = 0; i < rows.length; i += 500) {
        await conn.run(`INSERT INTO model VALUES ${rows.slice(i, i + 500).map(([id, [v, note]]) => `(${id}, ${v}, '${note}')`).join(', ')}`);
      }
      for (const reader of READERS) {
        const out = await readWith(reader, dir);
        const f = `read_parquet('${out.file.replace(/'/g, "''")}')`;
        const diff = await conn.runAndReadAll(`SELECT count(*) AS n FROM ((SELECT id, v, note FROM model EXCEPT ALL SELECT id, v, note FROM ${f}) `
          + `UNION ALL (SELECT id, v, note FROM ${f} EXCEPT ALL SELECT id, v, note FROM model))`);
        assert.equal(Number((diff.getRowObjectsJS()[0] as { n: bigint }).n), 0, `${reader} differs from the model (${out.rows} rows read, ${model.size} in the model)`);
        assert.equal(out.rows, model.size, reader);
      }
    } finally {
      conn.closeSync();
      db.closeSync();
      tmp.cleanup();
    }
  });
});
