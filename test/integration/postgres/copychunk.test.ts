// The snapshot's bulk path on PostgreSQL: copyChunk writes each chunk as CSV that DuckDB's own
// reader (the sink's) turns into exactly the canonical text readChunk gives, value for value,
// for every type the row path carries and for hostile text; tables it cannot carry say so.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Row } from '../../../src/engine/pipeline/events';
import { CHUNK_CSV, type SnapshotSession } from '../../../src/engine/source/adapter';
import { createPostgresSource, type PostgresSource } from '../../../src/engine/source/postgres';
import type { SourceTable } from '../../../src/engine/source/types';
import { dropTestSlots, testDatabase } from './helpers';
import { CASES } from './type-cases';

/** The CSV file as the sink reads it: every column VARCHAR, CHUNK_CSV's options. */
async function readCsv(file: string, width: number): Promise<Row[]> {
  const db = await DuckDBInstance.create(':memory:');
  try {
    const c = await db.connect();
    const cols = Array.from({ length: width }, (_, i) => `'s${i}': 'VARCHAR'`).join(', ');
    const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
    const r = await c.runAndReadAll(`SELECT * FROM read_csv(${q(file)}, header = false, auto_detect = false, `
      + `delim = ${q(CHUNK_CSV.delimiter)}, quote = ${q(CHUNK_CSV.quote)}, escape = ${q(CHUNK_CSV.escape)}, new_line = '\\n', `
      + `nullstr = ${q(CHUNK_CSV.null)}, allow_quoted_nulls = false, strict_mode = true, columns = {${cols}})`);
    c.closeSync();
    return r.getRowsJS().map((row) => row.map((v) => (v === null ? null : String(v))));
  } finally {
    db.closeSync();
  }
}

/** Every chunk of `table` read both ways; returns the rows of each path, in chunk order. */
async function bothPaths(session: SnapshotSession, table: SourceTable, chunkSize: number, where?: string): Promise<{ rows: Row[]; csv: Row[]; chunks: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'copychunk-'));
  try {
    const rows: Row[] = [];
    const csv: Row[] = [];
    const chunks = await session.planChunks(table, chunkSize, where);
    for (const chunk of chunks) {
      const before = rows.length;
      await session.readChunk(table, chunk, (r) => { rows.push(...r); });
      const file = join(dir, `c${chunk.index}.csv`);
      const n = await session.copyChunk!(table, chunk, file);
      assert.equal(n, rows.length - before, `chunk ${chunk.index}: rows copied`);
      csv.push(...await readCsv(file, table.columns.length));
    }
    return { rows, csv, chunks: chunks.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Values a CSV writer or reader could get wrong. */
const HOSTILE = [
  '', ' ', '  padded  ', '\\N', 'N', 'NULL', '"', '""', 'a"b', '"quoted"', ',', 'a,b', ',,', '\n', 'a\nb', '\r', '\r\n', 'a\r\nb',
  '\t', '\\', '\\\\', '\\n', "'", 'é', '日本語', '😀', 'x'.repeat(5000), '\u2028', '\u00a0', '#comment', '=1+1',
];

describe('PostgreSQL source: copyChunk (the bulk snapshot path)', function () {
  this.timeout(120_000);
  let src: PostgresSource | undefined;
  afterEach(async () => { await src?.close(); src = undefined; await dropTestSlots(); });

  it('writes every type the row path carries as the same canonical text, arrays excepted', async () => {
    const t = await testDatabase();
    await t.sql("CREATE TYPE mood AS ENUM ('sad', 'happy')");
    await t.sql('CREATE DOMAIN posint AS int CHECK (VALUE > 0)');
    const cases = CASES.filter(([type]) => !type.endsWith('[]'));
    const extra: [string, string][] = [
      ['interval', "'100 hours 59 minutes 0.000001 seconds'"], ['interval', "'-3 mons +4 days -02:00:00'"],
      ['interval', "'178000000 years'"], ['interval', "'-0.5 seconds'"], ['interval', "'1 mon -1 day'"],
      ['interval', "'2562047788:00:54.775807'"], ['interval', "'-2562047788:00:54.775807'"],
      ['money', "'-0.01'"], ['money', "'92233720368547758.07'"], ['money', "'-92233720368547758.08'"],
      ['bytea', "'\\x0a0d2c22'::bytea"], ['bool', 'NULL'], ['interval', 'NULL'], ['money', 'NULL'],
    ];
    const all = [...cases.map(([type, lit]) => [type, lit] as [string, string]), ...extra];
    await t.sql(`CREATE TABLE types (id int PRIMARY KEY, ${all.map(([type], i) => `c${i} ${type}`).join(', ')})`);
    for (let id = 1; id <= 3; id++) await t.sql(`INSERT INTO types VALUES (${id}, ${all.map(([, lit]) => lit).join(', ')})`);
    await t.sql('CREATE TABLE with_array (id int PRIMARY KEY, a int[])');
    src = createPostgresSource(t.plan());
    const tables = await src.discover();
    const session = await src.openSnapshot(tables, 2);
    try {
      const types = tables.find((x) => x.id.table === 'types')!;
      const { rows, csv } = await bothPaths(session, types, 2);
      assert.equal(rows.length, 3);
      const problems: string[] = [];
      rows.forEach((row, r) => row.forEach((v, i) => {
        if (csv[r][i] !== v) problems.push(`${i === 0 ? 'id' : all[i - 1].join(' ')}: copyChunk ${JSON.stringify(csv[r][i])}, readChunk ${JSON.stringify(v)}`);
      }));
      assert.deepEqual(problems, []);
      const arrays = tables.find((x) => x.id.table === 'with_array')!;
      const [chunk] = await session.planChunks(arrays, 1000);
      assert.equal(await session.copyChunk!(arrays, chunk, join(tmpdir(), 'never-written.csv')), undefined);
    } finally {
      await session.close();
    }
  });

  it('keeps hostile text, NULL and empty apart over many chunks, with key bounds and a filter', async () => {
    const t = await testDatabase();
    await t.sql('CREATE TABLE hostile (k1 int, k2 text, t text, v varchar(50), b bytea, j jsonb, PRIMARY KEY (k1, k2))');
    const values: string[] = [];
    let seed = 7;
    const pick = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return HOSTILE[seed % HOSTILE.length]; };
    const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
    for (let i = 0; i < 3000; i++) {
      const a = pick(), b = pick();
      const v = i % 11 === 0 ? 'NULL' : lit((a + b).slice(0, 50));
      values.push(`(${i % 37}, ${lit(`${pick()}#${i}`)}, ${i % 13 === 0 ? 'NULL' : lit(a + b)}, ${v}, `
        + `convert_to(${lit(b)}, 'UTF8'), ${lit(JSON.stringify({ a, b }))})`);
    }
    await t.sql(`INSERT INTO hostile VALUES ${values.join(', ')}`);
    src = createPostgresSource(t.plan());
    const tables = await src.discover();
    const session = await src.openSnapshot(tables, 2);
    try {
      const table = tables[0];
      for (const where of [undefined, "k1 % 3 <> 0 AND t IS DISTINCT FROM ''"]) {
        const { rows, csv, chunks } = await bothPaths(session, table, 400, where);
        assert.ok(chunks > 3, `several chunks (${chunks})`);
        assert.ok(rows.length > (where ? 1000 : 2999), `rows read (${rows.length})`);
        assert.equal(csv.length, rows.length);
        const bad = rows.findIndex((r, i) => JSON.stringify(r) !== JSON.stringify(csv[i]));
        assert.equal(bad, -1, bad < 0 ? '' : `row ${bad}: readChunk ${JSON.stringify(rows[bad])}, copyChunk ${JSON.stringify(csv[bad])}`);
      }
    } finally {
      await session.close();
    }
  });
});
