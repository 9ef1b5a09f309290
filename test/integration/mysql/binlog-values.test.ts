// The binlog path lands the same values as the snapshot path: every MariaDB spatial type as its
// stored bytes (SRID + WKB), and negative and fractional TIME of every precision, around every
// carry. Each row is copied by the snapshot, then the same values are inserted again under another
// id so they travel through the binlog; the two copies must be identical in the target.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, sharedMariadb, tempDir, uniqueName, writeTask, type CliResult } from '../../harness';
import { targetRows } from '../postgres/e2e-helpers';

function ok(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what} failed:\nstdout:\n${r.stdout.slice(-3000)}\nstderr:\n${r.stderr.slice(-3000)}`);
}

const SPATIAL: [string, string][] = [
  ['geometry', "ST_GeomFromText('POINT(1.5 -2.25)', 4326)"],
  ['point', "ST_GeomFromText('POINT(-0.000001 1e300)')"],
  ['linestring', "ST_GeomFromText('LINESTRING(0 0, 1 1, 2 0.5)', 3857)"],
  ['polygon', "ST_GeomFromText('POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 3 2, 3 3, 2 2))')"],
  ['multipoint', "ST_GeomFromText('MULTIPOINT(0 0, 1 1, -1 2)')"],
  ['multilinestring', "ST_GeomFromText('MULTILINESTRING((0 0, 1 1), (2 2, 3 3, 4 5))')"],
  ['multipolygon', "ST_GeomFromText('MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))')"],
  ['geometrycollection', "ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(0 0, 1 1), POLYGON((0 0, 1 0, 1 1, 0 0)))', 4326)"],
];

/** TIME values around every carry and at both ends of the range; the fraction is cut to each precision. */
const TIMES = ['-838:59:59.000000', '838:59:59.000000', '-00:00:00.000001', '-01:01:01.000000', '-00:59:59.999999',
  '-01:01:00.000000', '-01:00:00.000000', '-100:00:00.000000', '-00:00:01.000000', '-00:01:00.500000', '00:00:00.000000',
  '12:34:56.123456', '-12:34:56.654321', '-99:59:59.999999'];

function atPrecision(t: string, fsp: number): string {
  const [whole, frac] = t.split('.');
  return fsp === 0 ? whole : `${whole}.${frac.slice(0, fsp)}`;
}

describe('MariaDB binlog values equal the snapshot values: spatial types and TIME of every precision', function () {
  this.timeout(180_000);

  it('every spatial type lands as SRID + WKB bytes, and every TIME exactly, through both paths', async () => {
    const s = await sharedMariadb();
    const db = await s.createDatabase();
    const sql = (q: string) => s.sql(q, [], { database: db });
    try {
      const fsps = [0, 1, 2, 3, 4, 5, 6];
      await sql(`CREATE TABLE v (id int PRIMARY KEY, ${SPATIAL.map(([t]) => `g_${t} ${t}`).join(', ')}, ${fsps.map((f) => `t${f} time(${f})`).join(', ')})`);
      const rowValues = (id: number, i: number) => `(${id}, ${SPATIAL.map(([, v]) => v).join(', ')}, ${fsps.map((f) => `'${atPrecision(TIMES[i], f)}'`).join(', ')})`;
      const insert = (offset: number) => `INSERT INTO v VALUES ${TIMES.map((_, i) => rowValues(offset + i, i)).join(', ')}`;
      await sql(insert(1));
      const dir = tempDir('binlog-values');
      const file = writeTask({ name: uniqueName('bv'), source: s.source(db), mode: 'multi-table-mirror', tables: [`${db}.v`], target: { path: 'lake.duckdb', namespace: 'ods' } }, dir);
      const duckdb = join(dir, 'lake.duckdb');
      ok(await runCli(['run', file, '--until-caught-up'], { timeoutMs: 120_000 }), 'the snapshot');
      // the same values again, now through the binlog; and one update of spatial and TIME values
      await sql(insert(1001));
      await sql(`UPDATE v SET g_point = ST_GeomFromText('POINT(7 8)', 4326), t6 = '-02:00:00.000000' WHERE id = 1002`);
      await sql(`UPDATE v SET g_point = ST_GeomFromText('POINT(7 8)', 4326), t6 = '-02:00:00.000000' WHERE id = 2`);
      ok(await runCli(['run', file, '--until-caught-up'], { timeoutMs: 120_000 }), 'streaming');

      const cols = [...SPATIAL.map(([t]) => `hex(g_${t})`), ...fsps.map((f) => `t${f}::VARCHAR`)];
      const rows = await targetRows(duckdb, `SELECT id, ${cols.join(', ')} FROM ods.v ORDER BY id`);
      assert.equal(rows.length, TIMES.length * 2);
      const byId = new Map(rows.map((r) => [Number(r[0]), r.slice(1)]));
      for (let i = 0; i < TIMES.length; i++) {
        assert.deepEqual(byId.get(1001 + i), byId.get(1 + i), `row ${i} (${TIMES[i]}): binlog copy vs snapshot copy`);
      }
      // and the bytes are the source's own (what HEX() of the column says)
      const src = await sql(`SELECT id, ${SPATIAL.map(([t]) => `HEX(g_${t}) AS g_${t}`).join(', ')} FROM v WHERE id IN (1, 1002) ORDER BY id`);
      for (const r of src as Record<string, string>[]) {
        const got = byId.get(Number(r.id))!;
        SPATIAL.forEach(([t], j) => assert.equal(got[j]?.toLowerCase(), r[`g_${t}`].toLowerCase(), `${t} of row ${r.id}`));
      }
      // the TIME values themselves, as DuckDB intervals (spot checks at the carries)
      const t6 = fsps.length - 1 + SPATIAL.length;
      const at = (t: string) => byId.get(1001 + TIMES.indexOf(t))![t6];
      assert.equal(at('-01:01:00.000000'), '-01:01:00');
      assert.equal(at('-01:00:00.000000'), '-01:00:00');
      assert.equal(at('-00:00:00.000001'), '-00:00:00.000001');
      assert.equal(at('-00:59:59.999999'), '-00:59:59.999999');
      assert.equal(at('-838:59:59.000000'), '-838:59:59');
      assert.equal(byId.get(1002)![t6], '-02:00:00');
    } finally {
      await s.dropDatabase(db).catch(() => undefined);
    }
  });
});
