// The Iceberg table writer, read by readers no one here wrote: after every step of a realistic
// sequence (bulk load, rounds of upserts and deletes, deletes of rows written in the same round's
// predecessors, truncate, schema evolution, a crash between commit and index update, orphan
// files), pyiceberg and DuckDB's iceberg extension each return exactly the rows of a model table
// that plain SQL maintains beside it, with every value equal as text.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { IcebergTableWriter, type ColumnSpec } from '../../src/engine/sink/iceberg/writer';
import { IcebergTable } from '../../src/engine/sink/iceberg/table';
import { Maintenance } from '../../src/engine/sink/iceberg/maintenance';
import { duckType, writeDataFile } from '../../src/engine/sink/iceberg/parquet';
import { assertReadersInstalled, outputRelation, READERS, readWith } from './readers';

const COLUMNS: ColumnSpec[] = [
  { name: 'id', duckType: 'INTEGER' },
  { name: 'name', duckType: 'VARCHAR' },
  { name: 'amount', duckType: 'DECIMAL(12,2)' },
  { name: 'big', duckType: 'DECIMAL(38,10)' },
  { name: 'ts', duckType: 'TIMESTAMPTZ' },
  { name: 'local ts', duckType: 'TIMESTAMP' },
  { name: 'u', duckType: 'UUID' },
  { name: 'tags', duckType: 'VARCHAR[]' },
  { name: 'nums', duckType: 'BIGINT[]' },
  { name: 'b', duckType: 'BLOB' },
  { name: 't', duckType: 'TIME' },
  { name: 'd', duckType: 'DATE' },
  { name: 'iv', duckType: 'INTERVAL' },
  { name: 'small', duckType: 'SMALLINT' },
  { name: 'ubig', duckType: 'UBIGINT' },
  { name: 'f', duckType: 'FLOAT' },
  { name: 'dbl', duckType: 'DOUBLE' },
  { name: 'ok', duckType: 'BOOLEAN' },
  { name: 'js', duckType: 'JSON' },
  { name: 'we"ird Näme', duckType: 'VARCHAR' },
];

/** Row values as SQL expressions of `i` (the key) and `v` (a version, so updates change values). */
const VALUES: Record<string, string> = {
  id: 'i::INTEGER',
  name: `'name ' || i || ' v' || v`,
  amount: '((i * 37 + v) % 100000 / 100.0)::DECIMAL(12,2)',
  big: `CASE WHEN i % 7 = 0 THEN NULL ELSE ('1234567890123456789012345678.' || lpad((i * 13 + v)::VARCHAR, 10, '0'))::DECIMAL(38,10) END`,
  ts: `TIMESTAMPTZ '2024-03-31 01:59:59.999999+00' + to_microseconds(i::BIGINT * 1000003 + v)`,
  'local ts': `CASE WHEN i % 11 = 0 THEN TIMESTAMP '0044-03-15 12:00:00' ELSE TIMESTAMP '2000-01-01' + to_microseconds(i * 7 + v) END`,
  u: `('00000000-0000-4000-8000-' || lpad(((i * 31 + v) % 1000000000000)::VARCHAR, 12, '0'))::UUID`,
  tags: `CASE WHEN i % 5 = 0 THEN NULL WHEN i % 5 = 1 THEN []::VARCHAR[] ELSE ['a' || v, NULL, 'é ' || i] END`,
  nums: `[i::BIGINT * 90071992547, -v]`,
  b: `CASE WHEN i % 3 = 0 THEN NULL ELSE ('\\x00\\xFF' || i::VARCHAR)::BLOB END`,
  t: `TIME '00:00:00' + to_microseconds((i::BIGINT * 1000001 + v) % 86400000000)`,
  d: `CASE WHEN i % 13 = 0 THEN DATE '0001-01-01' ELSE DATE '1970-01-01' + (i - 5000 + v)::INTEGER END`,
  iv: `to_months(i % 25) + to_days(v) + to_microseconds(i * 3 - 1)`,
  small: '((i + v) % 32767)::SMALLINT',
  ubig: '(18446744073709551615 - i - v)::UBIGINT',
  f: `CASE WHEN i % 17 = 0 THEN 'NaN'::FLOAT ELSE (i / 8.0)::FLOAT END`,
  dbl: `CASE WHEN i % 19 = 0 THEN '-Infinity'::DOUBLE ELSE i / 3.0 + v END`,
  ok: 'i % 2 = 0',
  js: `'{"i": ' || i || ', "v": ' || v || '}'`,
  'we"ird Näme': `CASE WHEN i % 4 = 0 THEN NULL ELSE 'x''y "z" ' || i END`,
};

const q = (n: string) => `"${n.replace(/"/g, '""')}"`;

/** Deterministic pseudo-random numbers (the same sequence on every run). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}

describe('Iceberg table writer, read by pyiceberg, DuckDB\'s iceberg extension and Iceberg Java', function () {
  this.timeout(600_000);
  let dir: string;
  let conn: DuckDBConnection;
  let instance: DuckDBInstance;
  let columns: ColumnSpec[];

  before(async () => {
    await assertReadersInstalled();
    dir = mkdtempSync(join(tmpdir(), 'lakesync-iceberg-writer-'));
    instance = await DuckDBInstance.create(join(dir, 'state.duckdb'));
    conn = await instance.connect();
    columns = COLUMNS.slice();
    await conn.run(`CREATE TABLE model (${columns.map((c) => `${q(c.name)} ${c.duckType}`).join(', ')})`);
  });
  after(() => { conn?.closeSync(); if (dir) rmSync(dir, { recursive: true, force: true }); });

  const tableDir = () => join(dir, 'wh', 'ods', 'orders');
  const open = () => IcebergTableWriter.open(conn, tableDir(), 'ods.orders', columns, ['id']);

  /** Stages rows for keys `ids` at version `v` (ops: upsert or delete) and applies them to the model too. */
  async function stage(rows: { id: number; v: number; op: 'upsert' | 'delete' }[]): Promise<string> {
    await conn.run('CREATE OR REPLACE TEMP TABLE ops (i INTEGER, v INTEGER, op VARCHAR)');
    const values = rows.map((r) => `(${r.id}, ${r.v}, '${r.op}')`);
    for (let k = 0; k < values.length; k += 5000) await conn.run(`INSERT INTO ops VALUES ${values.slice(k, k + 5000).join(', ')}`);
    await conn.run(`CREATE OR REPLACE TEMP TABLE st AS SELECT ${columns.map((c) => `CAST(${VALUES[c.name] ?? 'NULL'} AS ${c.duckType}) AS ${q(c.name)}`).join(', ')}, op AS _op FROM ops`);
    await conn.run('DELETE FROM model WHERE id IN (SELECT id FROM temp.st)');
    await conn.run(`INSERT INTO model BY NAME SELECT ${columns.map((c) => q(c.name)).join(', ')} FROM temp.st WHERE _op <> 'delete'`);
    return 'temp.st';
  }

  /** Every reader's rows equal the model's (as text, as multisets). */
  async function assertReadersSeeModel(step: string): Promise<void> {
    const expected = Number((await conn.runAndReadAll('SELECT count(*) AS n FROM model')).getRowObjectsJS()[0].n);
    const cols = columns.map((c) => `CAST(${q(c.name)} AS VARCHAR) AS ${q(c.name)}`).join(', ');
    for (const reader of READERS) {
      const out = await readWith(reader, tableDir());
      assert.equal(out.rows, expected, `${step}: ${reader} row count`);
      const fields = (await IcebergTable.open(tableDir()))!.schema.fields;
      const rel = outputRelation(reader, out.file, fields);
      for (const [a, b] of [['model', rel], [rel, 'model']]) {
        const diff = (await conn.runAndReadAll(`SELECT ${cols} FROM ${a} EXCEPT ALL SELECT ${cols} FROM ${b} LIMIT 3`)).getRowObjectsJson();
        assert.deepEqual(diff, [], `${step}: ${reader}: rows of ${a} not in ${b}`);
      }
    }
  }

  it('bulk load, 40 rounds of upserts and deletes, truncate: every reader sees exactly the model after each phase', async () => {
    let w = await open();
    const r = await w.apply(await stage(Array.from({ length: 20_000 }, (_, i) => ({ id: i + 1, v: 0, op: 'upsert' as const }))),
      { append: true, summary: { 'lakesync.position': 'p-0' } });
    assert.equal(r.inserted, 20_000);
    await assertReadersSeeModel('bulk load');

    const rnd = lcg(17);
    for (let round = 1; round <= 40; round++) {
      const batch = new Map<number, 'upsert' | 'delete'>();
      for (let k = 0; k < 300; k++) batch.set(1 + Math.floor(rnd() * 22_000), rnd() < 0.3 ? 'delete' : 'upsert');
      await w.apply(await stage([...batch].map(([id, op]) => ({ id, v: round, op }))), { summary: { 'lakesync.position': `p-${round}` } });
    }
    await assertReadersSeeModel('40 rounds');
    assert.equal(w.table.summary('lakesync.position'), 'p-40');

    // a reopened writer (a restarted task) finds its position and a current index
    w = await open();
    assert.equal(w.table.summary('lakesync.position'), 'p-40');
    await w.apply(await stage([{ id: 5, v: 99, op: 'delete' }, { id: 6, v: 99, op: 'upsert' }, { id: 30_000, v: 99, op: 'upsert' }]), {});
    await assertReadersSeeModel('after reopen');

    await conn.run('DELETE FROM model');
    await w.apply(await stage([{ id: 7, v: 100, op: 'upsert' }, { id: 8, v: 100, op: 'upsert' }]), { truncate: true });
    await assertReadersSeeModel('truncate + inserts');
  });

  it('a crash between the Iceberg commit and the key index update: the reopened writer rebuilds the index from the table', async () => {
    const w = await open();
    await w.apply(await stage(Array.from({ length: 500 }, (_, i) => ({ id: 100 + i, v: 200, op: 'upsert' as const }))), {});
    // commit a snapshot behind the writer's back: the index no longer matches the table
    const data = await writeDataFile(conn, w.table.dir, w.fields, `SELECT ${w.fields.map((f) => `CAST(NULL AS ${duckType(f.type)}) AS ${q(f.name)}`).join(', ')} WHERE false`);
    assert.equal(data, undefined, 'an empty data file is not written');
    const t = (await IcebergTable.open(w.table.dir))!;
    await t.commit({ add: [], operation: 'append', summary: { 'lakesync.position': 'p-crash' } });
    const again = await open();
    await again.apply(await stage(Array.from({ length: 200 }, (_, i) => ({ id: 100 + i * 2, v: 201, op: i % 2 ? 'delete' as const : 'upsert' as const }))), {});
    await assertReadersSeeModel('after index rebuild');
  });

  it('files written but never committed are invisible; a stale version hint is repaired', async () => {
    const w = await open();
    // an orphan data file (a crash before the commit) in data/
    await writeDataFile(conn, w.table.dir, w.fields, `SELECT ${w.fields.map((f) => `CAST(NULL AS ${duckType(f.type)}) AS ${q(f.name)}`).join(', ')} FROM range(3)`);
    // a crash after vN+1.metadata.json, before version-hint.text: readers trust the hint, the writer the listing
    const hint = join(w.table.dir, 'metadata', 'version-hint.text');
    await w.apply(await stage([{ id: 1, v: 300, op: 'upsert' }]), {});
    const version = Number(readFileSync(hint, 'utf8'));
    writeFileSync(hint, String(version - 1));
    const reopened = (await IcebergTable.open(w.table.dir))!;
    assert.equal(reopened.version, version);
    assert.equal(Number(readFileSync(hint, 'utf8')), version);
    assert.ok(readdirSync(join(w.table.dir, 'data')).length > 0);
    await assertReadersSeeModel('orphans and hint');
  });

  it('schema evolution by field ids: add, rename, drop, int -> long and decimal widening are metadata-only; old files read under the new schema', async () => {
    let w = await open();
    const before = w.table.metadata.snapshots.length;
    columns = [
      ...COLUMNS.filter((c) => c.name !== 'js' && c.name !== 'small' && c.name !== 'amount' && c.name !== 'name'),
      { name: 'small', duckType: 'BIGINT' },          // int -> long
      { name: 'amount', duckType: 'DECIMAL(18,2)' },  // decimal(12,2) -> decimal(18,2)
      { name: 'title', duckType: 'VARCHAR' },         // renamed from name
      { name: 'added', duckType: 'DOUBLE' },          // new column
    ];
    const changes = await w.evolve(columns, ['id'], { title: 'name' });
    assert.deepEqual(changes.map((c) => c.kind).sort(), ['add', 'drop', 'promote', 'promote', 'rename']);
    assert.equal(w.table.metadata.snapshots.length, before, 'schema changes commit no snapshot');
    const fields = new Map(w.fields.map((f) => [f.name, f]));
    assert.equal(fields.get('title')!.id, 2, 'a renamed column keeps its field id');
    assert.equal(fields.get('small')!.type, 'long');
    // the model follows the same changes
    await conn.run('ALTER TABLE model DROP COLUMN js');
    await conn.run('ALTER TABLE model RENAME COLUMN name TO title');
    await conn.run('ALTER TABLE model ALTER small TYPE BIGINT');
    await conn.run('ALTER TABLE model ALTER amount TYPE DECIMAL(18,2)');
    await conn.run('ALTER TABLE model ADD COLUMN added DOUBLE');
    VALUES.title = VALUES.name;
    VALUES.added = 'i * 1.5';
    VALUES.small = `(i::BIGINT * 100000 + v)`;
    await assertReadersSeeModel('evolved schema, old files');
    w = await open();
    await w.apply(await stage(Array.from({ length: 300 }, (_, i) => ({ id: 100 + i * 3, v: 400, op: i % 4 === 0 ? 'delete' as const : 'upsert' as const }))), {});
    await assertReadersSeeModel('evolved schema, new and old files');
    await assert.rejects(w.evolve(columns.map((c) => (c.name === 'tags' ? { ...c, duckType: 'INTEGER' } : c)), ['id']), /cannot change type/);
  });

  it('maintenance while commits go on: small data files and delete files compacted, old snapshots expired, orphans removed; readers see the model throughout', async () => {
    let w = await open();
    const side = await instance.connect();
    const writers = new Map([['ods.orders', w]]);
    let chain = Promise.resolve();
    const run = <T>(fn: () => Promise<T>): Promise<T> => { const p = chain.then(fn); chain = p.then(() => undefined, () => undefined); return p; };
    const m = new Maintenance({ openWriters: () => writers, run, conn: { raw: side } },
      { enabled: true, intervalMs: 1000, targetFileSizeBytes: 128 << 20, minFiles: 4, keepSnapshotsMs: 0, orphanMinAgeMs: 0 });
    const rnd = lcg(5);
    const before = (await w.table.liveFiles()).length;
    // commits keep coming while the compaction reads and writes
    const commits = (async () => {
      for (let round = 500; round < 520; round++) {
        const batch = new Map<number, 'upsert' | 'delete'>();
        for (let k = 0; k < 50; k++) batch.set(1 + Math.floor(rnd() * 2000), rnd() < 0.3 ? 'delete' : 'upsert');
        await run(async () => { await w.apply(await stage([...batch].map(([id, op]) => ({ id, v: round, op }))), {}); });
      }
    })();
    const reports = [];
    for (let i = 0; i < 3; i++) reports.push(...await m.runOnce());
    await commits;
    reports.push(...await m.runOnce());
    assert.ok(reports.some((r) => r.compacted > 0), `a compaction ran: ${JSON.stringify(reports)}`);
    assert.ok(reports.some((r) => r.expired > 0) && reports.some((r) => r.orphansRemoved > 0), JSON.stringify(reports));
    const after = await w.table.liveFiles();
    assert.ok(after.length <= 4, `few files after compaction: ${before} -> ${after.length} (${JSON.stringify(reports)})`);
    assert.equal(w.table.metadata.snapshots.length, 1, 'expired down to the current snapshot');
    await assertReadersSeeModel('after maintenance');
    // the moved rows are found by key: updates and deletes after the compaction land right
    w = await open();
    writers.set('ods.orders', w);
    await w.apply(await stage(Array.from({ length: 100 }, (_, i) => ({ id: 1 + i * 7, v: 600, op: i % 3 ? 'upsert' as const : 'delete' as const }))), {});
    await assertReadersSeeModel('changes after maintenance');
    // no file left in the table's folder that the current metadata does not reference
    await m.runOnce();
    const live = new Set((await w.table.liveFiles()).map((f) => f.file.file_path));
    for (const f of readdirSync(join(tableDir(), 'data'))) assert.ok(live.has(join(tableDir(), 'data', f)), `orphan left: ${f}`);
  });
});
