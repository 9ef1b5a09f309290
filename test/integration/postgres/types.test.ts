// Every PostgreSQL type issue 3 names, read by the snapshot (COPY) and by the stream (pgoutput):
// both paths give the identical canonical string, and that string is the documented one.
import assert from 'node:assert/strict';
import type { Row, RowChange } from '../../../src/engine/pipeline/events';
import { createPostgresSource, type PostgresSource } from '../../../src/engine/source/postgres';
import { Collector, testDatabase, type PgTestDb, dropTestSlots } from './helpers';
import { CASES, createTypesTable } from './type-cases';

describe('PostgreSQL source: every type, snapshot and stream alike', function () {
  this.timeout(120_000);
  let t: PgTestDb;
  let src: PostgresSource;
  afterEach(async () => { await src?.close(); await dropTestSlots(); });

  it('gives the documented canonical text through COPY and through pgoutput', async () => {
    t = await testDatabase();
    const values = await createTypesTable(t);
    await t.sql(`INSERT INTO types VALUES (1, ${values})`);
    src = createPostgresSource(t.plan());
    const tables = await src.discover();
    const session = await src.openSnapshot(tables, 2);
    const snap: Row[] = [];
    for (const c of await session.planChunks(tables[0], 1000)) await session.readChunk(tables[0], c, (r) => { snap.push(...r); });
    await session.close();
    await t.sql(`INSERT INTO types VALUES (2, ${values})`);
    const col = new Collector();
    const h = await src.stream(session.streamStart, tables, col.onTransaction);
    await col.until('the streamed row', () => col.changes.length >= 1);
    await h.stop();
    const streamed = (col.changes[0] as RowChange).after!;
    assert.equal(snap.length, 1);
    const problems: string[] = [];
    CASES.forEach(([type, lit, expected], i) => {
      const s = snap[0][i + 1], w = streamed[i + 1];
      if (s !== expected) problems.push(`${type} ${lit}: snapshot gave ${JSON.stringify(s)}, expected ${JSON.stringify(expected)}`);
      if (w !== s) problems.push(`${type} ${lit}: stream gave ${JSON.stringify(w)}, snapshot ${JSON.stringify(s)}`);
    });
    assert.deepEqual(problems, []);
  });
});
