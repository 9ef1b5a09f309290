// Every type of issue 3 through `lakesync run` into DuckDB: the row that came by the snapshot and
// the row that came by the stream are identical in the lakehouse, column by column, and hold the
// source's values.
import assert from 'node:assert/strict';
import { runCli } from '../../harness';
import { e2eTask, runUntilCaughtUp, targetRows } from './e2e-helpers';
import { testDatabase, dropTestSlots } from './helpers';
import { CASES, createTypesTable } from './type-cases';

/** The lakehouse value of each case in CASES order, as DuckDB prints it (`::VARCHAR`). */
const IN_DUCKDB: (string | null)[] = [
  "10110",
  "",
  "0101",
  "\\x00\\xFF\\x10",
  "",
  "10:11:12.345678+05:30",
  "1 year 2 months 3 days 04:05:06.789",
  "-1 year 2 days -00:00:00.000001",
  "a name",
  "123456789012345678901234567890123456789012.000000000000000000001",
  "NaN",
  "-12.50",
  "1234567890123456789012345678.1234567891",
  "-1234567.89",
  "0.01",
  "[1, NULL, -3]",
  "['a,b', 'c\"d', NULL, 'NULL', x\\y, '']",
  "[[1, 2], [3, 4]]",
  "[true, false]",
  "[\\x01]",
  "[]",
  "{\"b\": 1, \"a\": [9007199254740993, 1.10]}",
  "{\"a\": [9007199254740993, 1.10], \"b\": 1}",
  "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
  "happy",
  "42",
  "192.168.0.1/24",
  "10.0.0.0/8",
  "::1",
  "2024-02-29",
  "infinity",
  "-infinity",
  "0044-03-15 (BC)",
  "2024-01-02 03:04:05.123456",
  "infinity",
  "2024-01-02 01:04:05.5+00",
  "-infinity",
  "nan",
  "inf",
  "-inf",
  "0.1",
  "1e-310",
  "3.4028235e+38",
  "true",
  "false",
  "-9223372036854775808",
  "tab\there\nnew line\\ back é 😀",
  "",
  null,
  "\\N",
  "a  ",
  "23:59:59.999999",
];

describe('lakesync run (PostgreSQL): every type through both paths', function () {
  this.timeout(180_000);
  afterEach(dropTestSlots);

  it('snapshot row and streamed row land identically, with the source values', async () => {
    const t = await testDatabase();
    const values = await createTypesTable(t);
    await t.sql(`INSERT INTO types VALUES (1, ${values})`);
    const task = e2eTask(t);
    await runUntilCaughtUp(task);            // row 1: snapshot (COPY)
    await t.sql(`INSERT INTO types VALUES (2, ${values})`);
    await runUntilCaughtUp(task);            // row 2: stream (pgoutput)
    const cols = CASES.map((_, i) => `c${i}::VARCHAR`).join(', ');
    const rows = await targetRows(task.duckdb, `SELECT id::VARCHAR, ${cols}, _lakesync_op FROM ods.types ORDER BY types.id`);
    assert.equal(rows.length, 2);
    const [snap, streamed] = rows;
    assert.notEqual(snap.at(-1), streamed.at(-1), 'one row per path');
    const problems: string[] = [];
    CASES.forEach(([type, lit], i) => {
      if (snap[i + 1] !== streamed[i + 1]) problems.push(`${type} ${lit}: snapshot ${JSON.stringify(snap[i + 1])}, stream ${JSON.stringify(streamed[i + 1])}`);
    });
    CASES.forEach(([type, lit], i) => {
      if (snap[i + 1] !== IN_DUCKDB[i]) problems.push(`${type} ${lit}: in DuckDB ${JSON.stringify(snap[i + 1])}, expected ${JSON.stringify(IN_DUCKDB[i])}`);
    });
    assert.deepEqual(problems, []);
  });

  it('a table without arrays takes the bulk path (COPY as CSV into DuckDB read_csv) and lands identically', async () => {
    const t = await testDatabase();
    await t.sql("CREATE TYPE mood AS ENUM ('sad', 'happy')");
    await t.sql('CREATE DOMAIN posint AS int CHECK (VALUE > 0)');
    const kept = CASES.map((c, i) => ({ c, i })).filter(({ c }) => !c[0].endsWith('[]'));
    await t.sql(`CREATE TABLE types (id int PRIMARY KEY, ${kept.map(({ c }, j) => `c${j} ${c[0]}`).join(', ')})`);
    const values = kept.map(({ c }) => c[1]).join(', ');
    await t.sql(`INSERT INTO types SELECT g, ${values} FROM generate_series(1, 1200) g`);
    const task = e2eTask(t);
    const first = await runCli(['run', task.file, '--until-caught-up', '--json'], { timeoutMs: 120_000 });
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stdout + first.stderr, /row by row/, `the bulk path was taken:\n${(first.stdout + first.stderr).split('\n').filter((l) => /row by row/.test(l)).join('\n')}`);
    await t.sql(`INSERT INTO types VALUES (0, ${values})`);
    await runUntilCaughtUp(task);
    const cols = kept.map((_, j) => `c${j}::VARCHAR`).join(', ');
    const rows = await targetRows(task.duckdb, `SELECT id::VARCHAR, ${cols}, _lakesync_op FROM ods.types ORDER BY types.id`);
    assert.equal(rows.length, 1201);
    const streamed = rows[0];
    const problems: string[] = [];
    for (const snap of [rows[1], rows[600], rows[1200]]) {
      assert.equal(snap.at(-1), 'snapshot');
      kept.forEach(({ c: [type, lit], i }, j) => {
        if (snap[j + 1] !== streamed[j + 1]) problems.push(`${type} ${lit}: snapshot ${JSON.stringify(snap[j + 1])}, stream ${JSON.stringify(streamed[j + 1])}`);
        if (snap[j + 1] !== IN_DUCKDB[i]) problems.push(`${type} ${lit}: in DuckDB ${JSON.stringify(snap[j + 1])}, expected ${JSON.stringify(IN_DUCKDB[i])}`);
      });
    }
    assert.deepEqual(problems, []);
  });
});
