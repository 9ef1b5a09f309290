// PostgreSQL arrays land exactly, by the snapshot and by the stream, with a restart in between:
// Debezium's array_table types as typed LISTs (the default), PostgreSQL's own regression table
// `arrtest` (declared dimensions and lower bounds PostgreSQL does not enforce) as exact array text
// (`source.arrays: text`), and a value a LIST cannot hold stops its table instead of landing changed.
import assert from 'node:assert/strict';
import { runCli } from '../../harness';
import { e2eTask, runUntilCaughtUp, targetRows, verifyEqual } from './e2e-helpers';
import { dropTestSlots, testDatabase, type PgTestDb } from './helpers';
import { EXIT_TABLES_FAILED } from '../../../src/engine/errors';

// Debezium's postgres_create_tables.ddl array_table, plus timestamptz, bytea, bool and a matrix
const LIST_TABLE = `CREATE TABLE array_table (pk int PRIMARY KEY, int_array INT[], bigint_array BIGINT[], text_array TEXT[],
  char_array CHAR(10)[], varchar_array VARCHAR(10)[], date_array DATE[], numeric_array NUMERIC(10, 2)[], varnumeric_array NUMERIC[3],
  inet_array INET[], cidr_array CIDR[], macaddr_array MACADDR[], tsrange_array TSRANGE[], tstzrange_array TSTZRANGE[],
  daterange_array DATERANGE[], int4range_array INT4RANGE[], numerange_array NUMRANGE[], int8range_array INT8RANGE[], uuid_array UUID[],
  json_array json[], jsonb_array jsonb[], oid_array OID[], tstz_array timestamptz[], bytea_array bytea[], bool_array bool[],
  interval_array interval[], matrix int[][])`;

/** Random rows `from`..`to`: NULL arrays, NULL elements, empty arrays, quotes, commas, backslashes, braces. */
const listRows = (from: number, to: number) => `INSERT INTO array_table
  SELECT g,
    CASE WHEN g % 17 = 0 THEN NULL WHEN g % 13 = 0 THEN '{}' ELSE ARRAY[g, NULL, -g, (random() * 2e9)::int - 1000000000] END,
    ARRAY[(random() * 9e18)::bigint, -9223372036854775808],
    ARRAY['a,b', 'c"d', 'x\\y', NULL, 'NULL', '', '{br}', ' sp ', md5(random()::text), 'é 😀 ' || g],
    ARRAY['ab', NULL]::char(10)[], ARRAY['v' || g, '"q"']::varchar(10)[],
    ARRAY[date '2000-01-01' + (random() * 20000)::int, 'infinity', '0044-03-15 BC'],
    ARRAY[round((random() * 1e8)::numeric, 2) - 5e7, NULL, 0.01],
    ARRAY[round((random() * 1e12)::numeric, (g % 9)), 'NaN', 1e-30],
    ARRAY['192.168.0.' || (g % 256), '::1']::inet[], ARRAY['10.0.0.0/8']::cidr[], ARRAY['08:00:2b:01:02:03']::macaddr[],
    ARRAY['[2020-01-01 00:00,2021-01-01 00:00)']::tsrange[], ARRAY['[2020-01-01 00:00+02,)']::tstzrange[],
    ARRAY['[2020-01-01,2020-02-01)', 'empty']::daterange[], ARRAY['[1,' || (g + 2) || ')']::int4range[], ARRAY['(1.5,2.5]']::numrange[],
    ARRAY['[1,9000000000)']::int8range[], ARRAY[gen_random_uuid(), NULL],
    ARRAY['{"a": [1, "x,y"], "a": 2}', NULL]::json[], ARRAY[jsonb_build_object('k', g, 's', 'q"\\{}'), '[]']::jsonb[],
    ARRAY[g::oid, 4294967295::oid],
    ARRAY[timestamptz '2024-02-29 23:59:59.999999+00' - random() * interval '3000 days', '-infinity'],
    ARRAY[decode(md5(g::text), 'hex'), '\\x'::bytea, NULL], ARRAY[g % 2 = 0, NULL],
    ARRAY['1 year -2 mons 3 days -04:05:06.789', make_interval(secs => random() * 1e6)],
    CASE WHEN g % 11 = 0 THEN '{}' ELSE ARRAY[[g, g + 1, NULL], [-g, 0, 2147483647]] END
  FROM generate_series(${from}, ${to}) g`;

describe('PostgreSQL arrays (issue 15)', function () {
  this.timeout(600_000);
  let t: PgTestDb;
  afterEach(dropTestSlots);

  it('Debezium array types land as exact LISTs by snapshot and stream, across a restart; verify compares shapes and elements', async () => {
    t = await testDatabase();
    await t.sql(LIST_TABLE);
    await t.sql('CREATE TABLE neighbour (id int PRIMARY KEY, v text)');
    await t.sql(listRows(1, 3000));
    await t.sql(`INSERT INTO neighbour SELECT g, 'n' || g FROM generate_series(1, 100) g`);
    // 27 array columns of 2,000 streamed rows in one batch, with the default memoryMb: DuckDB's
    // share of it (sink/duckdb/db.ts) must carry the batch (an eighth of it ran out of memory)
    const task = e2eTask(t);
    await runUntilCaughtUp(task);                       // snapshot
    await t.sql(listRows(3001, 5000));                   // stream, after a restart of the task
    await t.sql(`UPDATE array_table SET text_array = text_array || ARRAY['upd,"' || pk || '"'], matrix = ARRAY[[pk], [NULL::int]] WHERE pk % 5 = 0`);
    await t.sql('DELETE FROM array_table WHERE pk % 7 = 0');
    const second = await runUntilCaughtUp(task);
    const [[n]] = await targetRows(task.duckdb, 'SELECT count(*) FROM ods.array_table');
    const [{ c }] = await t.sql<{ c: string }>('SELECT count(*)::text AS c FROM array_table');
    assert.equal(n, c, `${second.stdout.slice(-3000)}\n${second.stderr.slice(-5000)}`);
    // spot values as DuckDB holds them, then every cell through verify (PostgreSQL vs DuckDB canonical text)
    const [row] = await targetRows(task.duckdb, `SELECT to_json(text_array[1:8])::VARCHAR, text_array[10], matrix::VARCHAR, typeof(matrix), typeof(numeric_array), typeof(tstz_array)
      FROM ods.array_table WHERE pk = 2`);
    assert.deepEqual(row, ['["a,b","c\\"d","x\\\\y",null,"NULL","","{br}"," sp "]', 'é 😀 2',
      '[[2, 3, NULL], [-2, 0, 2147483647]]', 'INTEGER[][]', 'DECIMAL(10,2)[]', 'TIMESTAMP WITH TIME ZONE[]']);
    const [[updated]] = await targetRows(task.duckdb, 'SELECT matrix::VARCHAR FROM ods.array_table WHERE pk = 3005');
    assert.equal(updated, '[[3005], [NULL]]');
    await verifyEqual(task, 2);

    // a value a LIST cannot hold exactly: its table stops, nothing lands renumbered, the neighbour goes on
    await t.sql(`INSERT INTO array_table (pk, int_array) VALUES (900001, '[0:1]={1,2}')`);
    await t.sql(`INSERT INTO neighbour VALUES (900001, 'after')`);
    const r = await runCli(['run', task.file, '--until-caught-up'], { timeoutMs: 120_000 });
    assert.match(`${r.stdout}\n${r.stderr}`, /\[0:1\]=\["1","2"\].*does not fit a 1-dimensional list starting at 1.*source\.arrays: text/s);
    assert.equal(r.code, EXIT_TABLES_FAILED, 'array_table stopped: the catch-up is not a success');
    assert.deepEqual(await targetRows(task.duckdb, 'SELECT count(*) FROM ods.array_table WHERE pk = 900001'), [['0']]);
    assert.deepEqual(await targetRows(task.duckdb, 'SELECT v FROM ods.neighbour WHERE id = 900001'), [['after']]);
  });

  it('arrtest (PostgreSQL regression) and random bounds/dimensions land as exact array text with source.arrays: text', async () => {
    t = await testDatabase();
    // src/test/regress/sql/arrays.sql
    await t.sql(`CREATE TABLE arrtest (id serial PRIMARY KEY, a int2[], b int4[][][], c name[], d text[][], e float8[], f char(5)[], g varchar(5)[])`);
    const regression = async () => {
      await t.sql(`INSERT INTO arrtest (a[1:5], b[1:1][1:2][1:2], c, d, f, g) VALUES ('{1,2,3,4,5}', '{{{0,0},{1,2}}}', '{}', '{}', '{}', '{}')`);
      await t.sql(`UPDATE arrtest SET e[0] = '1.1' WHERE id = (SELECT max(id) FROM arrtest)`);
      await t.sql(`UPDATE arrtest SET e[1] = '2.2' WHERE id = (SELECT max(id) FROM arrtest)`);
      await t.sql(`INSERT INTO arrtest (f) VALUES ('{"too long"}')`.replace('too long', 'toolo'));
      await t.sql(`INSERT INTO arrtest (a, b[1:2][1:2], c, d, e, f, g) VALUES ('{11,12,23}', '{{3,4},{4,5}}', '{"foobar"}', '{{"elt1", "elt2"}}', '{"3.4", "6.7"}', '{"abc","abcde"}', '{"abc","abcde"}')`);
      await t.sql(`INSERT INTO arrtest (a, b[1:2], c, d[1:2]) VALUES ('{}', '{3,4}', '{foo,bar}', '{bar,foo}')`);
    };
    const random = (n: number) => t.sql(`INSERT INTO arrtest (a, b, c, d, e, f, g)
      SELECT ('[' || (g % 5 - 2) || ':' || (g % 5 - 1) || ']={' || g % 30000 || ',' || -(g % 30000) || '}')::int2[],
        CASE g % 3 WHEN 0 THEN ARRAY[[[g]], [[NULL::int]]] WHEN 1 THEN ('[-1:0][5:5]={{' || g || '},{' || -g || '}}')::int4[] ELSE ARRAY[g] END,
        ARRAY['n,' || g, 'q"\\'::name, NULL], ARRAY[['a b', '{', '}'], ['NULL', NULL, '']],
        ('[0:2]={' || random() || ',NaN,-Infinity}')::float8[], ARRAY['ab', NULL]::char(5)[], ARRAY[left(md5(g::text), 5)]::varchar(5)[]
      FROM generate_series(1, ${n}) g`);
    await regression();
    await random(2000);
    const task = e2eTask(t, { source: { ...t.server.source(t.db, {}), arrays: 'text' } });
    await runUntilCaughtUp(task);                        // snapshot
    await regression();                                   // stream, after a restart of the task
    await random(1500);
    await t.sql(`UPDATE arrtest SET e[-3] = -0.5, b = '{{{7}}}' WHERE id % 4 = 0`);
    await t.sql('DELETE FROM arrtest WHERE id % 9 = 0');
    await runUntilCaughtUp(task);
    const cols = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const src = (await t.sql<Record<string, string | null>>(`SELECT id::text, ${cols.map((c) => `${c}::text`).join(', ')} FROM arrtest ORDER BY arrtest.id`))
      .map((r) => Object.values(r));
    const dst = await targetRows(task.duckdb, `SELECT id::VARCHAR, ${cols.map((c) => `${c}, typeof(${c})`).join(', ')} FROM ods.arrtest ORDER BY id`);
    assert.equal(dst.length, src.length);
    assert.ok(src.some((r) => r[5] === '[0:1]={1.1,2.2}') && src.some((r) => r[2]?.startsWith('[-1:0][5:5]=')), 'the fixture holds odd bounds');
    for (let i = 0; i < src.length; i++) {
      const got = [dst[i][0], ...cols.map((_, j) => dst[i][1 + 2 * j])];
      assert.deepEqual(got, src[i], `row ${src[i][0]}`);
      cols.forEach((_, j) => assert.equal(dst[i][2 + 2 * j], 'VARCHAR'));
    }
    await verifyEqual(task, 1);
  });
});
