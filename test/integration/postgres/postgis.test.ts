// PostGIS geometry and geography land as the exact EWKB bytes PostGIS holds, by the snapshot and
// by the stream, with a restart in between (Debezium's postgis_create_tables.ddl and Flink CDC's
// column_type_test columns, plus random shapes of every kind with Z, M, SRIDs and empties), and
// `lakesync verify` finds them equal. Needs the Debian package postgresql-15-postgis-3 (.ci/run).
import assert from 'node:assert/strict';
import { e2eTask, runUntilCaughtUp, targetRows, verifyEqual } from './e2e-helpers';
import { dropTestSlots, testDatabase } from './helpers';

/** Random rows from..to: coordinates at full double precision, every geometry kind. */
const rows = (from: number, to: number) => `INSERT INTO spatial
  SELECT g,
    ST_SetSRID(ST_MakePoint(random() * 360 - 180, random() * 180 - 90), 3187),
    ST_GeogFromText('MULTILINESTRING((' || (random() * 20 + 160) || ' ' || (random() * 10 - 45) || ', 167.8974 -44.6414), (1 2, 3 4))'),
    CASE g % 9
      WHEN 0 THEN ST_GeomFromEWKT('SRID=4326;POINT Z (' || random() || ' ' || -random() || ' ' || g || ')')
      WHEN 1 THEN ST_GeomFromText('LINESTRING M (0 0 1, ' || g || ' ' || random() || ' 2)')
      WHEN 2 THEN ST_Buffer(ST_MakePoint(g, -g), 1 + random(), 2)
      WHEN 3 THEN ST_GeomFromText('MULTIPOINT ZM ((1 2 3 4), (' || random() || ' 0 0 -1))')
      WHEN 4 THEN ST_GeomFromText('GEOMETRYCOLLECTION (POINT (1 1), LINESTRING (0 0, ' || g || ' 1), POLYGON EMPTY)')
      WHEN 5 THEN ST_GeomFromText('POINT EMPTY')
      WHEN 6 THEN ST_GeomFromText('MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 ' || (6 + random()) || ', 5 5)))', 32633)
      WHEN 7 THEN NULL
      ELSE ST_GeomFromText('CIRCULARSTRING (0 0, 1 1, 2 ' || random() || ')')
    END,
    CASE WHEN g % 4 = 0 THEN NULL ELSE ARRAY[ST_MakePoint(g, random()), NULL, ST_GeomFromText('LINESTRING (1 1, 2 2)', 4326)] END
  FROM generate_series(${from}, ${to}) g`;

describe('PostGIS geometry and geography (issue 15)', function () {
  this.timeout(600_000);
  afterEach(dropTestSlots);

  it('every shape lands as PostGIS EWKB by snapshot and stream, across a restart; verify finds the tables equal', async () => {
    const t = await testDatabase();
    await t.sql('CREATE EXTENSION postgis');
    await t.sql(`CREATE TABLE spatial (pk int PRIMARY KEY, p geometry(POINT,3187), ml geography(MULTILINESTRING), g geometry, ga geometry[])`);
    await t.sql(rows(1, 2500));
    const task = e2eTask(t, { tables: ['public.spatial'] }); // not PostGIS's own spatial_ref_sys
    await runUntilCaughtUp(task);                                  // snapshot
    await t.sql(rows(2501, 4500));                                 // stream, a new process
    await t.sql(`UPDATE spatial SET g = ST_Translate(g, 0.1, -0.2), p = ST_SetSRID(ST_MakePoint(pk, random()), 3187) WHERE pk % 3 = 0`);
    await t.sql('DELETE FROM spatial WHERE pk % 10 = 0');
    await runUntilCaughtUp(task);

    const src = (await t.sql<Record<string, string | null>>(
      `SELECT pk::text, lower(p::text) AS p, lower(ml::text) AS ml, lower(g::text) AS g, (SELECT string_agg(coalesce(lower(e::text), 'N'), ',' ORDER BY o) FROM unnest(ga) WITH ORDINALITY u(e, o)) AS ga
         FROM spatial ORDER BY spatial.pk`)).map((r) => Object.values(r));
    const dst = await targetRows(task.duckdb,
      `SELECT pk::VARCHAR, lower(hex(p)), lower(hex(ml)), lower(hex(g)), array_to_string(list_transform(ga, e -> coalesce(lower(hex(e)), 'N')), ','),
              typeof(p), typeof(ga) FROM ods.spatial ORDER BY pk`);
    assert.equal(dst.length, src.length);
    for (let i = 0; i < src.length; i++) {
      assert.deepEqual(dst[i].slice(0, 5), src[i], `row ${src[i][0]}`);
      assert.deepEqual(dst[i].slice(5), ['BLOB', 'BLOB[]']);
    }
    // the SRID travels inside: 3187 = 0x0c73, little endian after the type word with the SRID flag
    assert.match(dst[0][1]!, /^0101000020730c0000/);

    await verifyEqual(task, 1);
  });
});
