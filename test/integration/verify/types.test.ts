// Every type of the type fixtures (test/integration/postgres/type-cases.ts, the MariaDB lossless
// cases) verifies equal after a sync: the source's canonical text computed in PostgreSQL or
// MariaDB is the text DuckDB computes from the value the type map stored. Every column is compared
// (MySQL FLOAT and DOUBLE too: widened to doubles, their shortest texts in one notation).
import assert from 'node:assert/strict';
import { runCli } from '../../harness';
import { Source, type Kind } from '../modes/helpers';
import { CASES } from '../postgres/type-cases';

/** MariaDB column types with literals (test/integration/metadata/lossless.test.ts). */
const MARIADB: [string, string[]][] = [
  ['TINYINT UNSIGNED', ['255']], ['BIGINT UNSIGNED', ['18446744073709551615']], ['BIGINT', ['-9223372036854775808']],
  ['DECIMAL(65,30)', [`-${'9'.repeat(35)}.${'9'.repeat(30)}`, '0.5']], ['DECIMAL(12,2) UNSIGNED', ['9999999999.99']],
  ['FLOAT', ['3.40282e38', '0.1', '-1.5e-7', '0', '16777217', '1e-38']],
  ['DOUBLE', ['1.7976931348623157e308', '5e-324', '0.1e0 + 0.2e0', '-1.5e-7', '1e20', '123456789.123456789e0', '1e16', '0', '-2.2250738585072014e-308']],
  ['BIT(64)', ["b'1111111111111111111111111111111111111111111111111111111111111111'", "b'1010'"]], ['BIT(1)', ["b'1'"]],
  ['YEAR', ['2155', "'0000'"]], ['DATE', ["'1000-01-01'", "'9999-12-31'", "'0000-00-00'", "'2024-00-10'"]],
  ['DATETIME(6)', ["'9999-12-31 23:59:59.999999'", "'0000-00-00 00:00:00'"]],
  ['TIMESTAMP(6) NULL', ["'2038-01-19 03:14:07.999999'", "'1970-01-01 00:00:01'", "'0000-00-00 00:00:00'"]],
  ['TIME(6)', ["'-838:59:59'", "'838:59:59.000000'", "'-00:00:00.5'", "'25:00:00.000001'"]],
  ['VARCHAR(20) CHARACTER SET latin1', ["'café €'"]], ['VARCHAR(20) CHARACTER SET utf8mb4', ["'héllo 日本 😀'", "'a\\\\b''c\"'"]],
  ["ENUM('a','b c')", ["'b c'"]], ["SET('x','y')", ["'x,y'"]], ['JSON', [`'{"k": [1, "é", null, 1.50]}'`]],
  ['BLOB', ["X'00FF10'", "''"]], ['BINARY(4)', ["X'61'"]], ['VARCHAR(4) CHARACTER SET binary', ["X'00FF'"]],
  ['UUID', ["'123e4567-e89b-12d3-a456-426614174000'"]], ['INET6', ["'::ffff:1.2.3.4'", "'2001:db8::1'"]],
  ['GEOMETRY', ["ST_GeomFromText('POINT(1 2)')"]],
];

interface TableLine { event: string; result: string; rows: number; notCompared: string[]; differences: unknown[] }

for (const kind of ['postgres', 'mariadb'] as Kind[]) {
  describe(`verify: every fixture type verifies equal (${kind})`, function () {
    this.timeout(300_000);
    let src: Source;
    after(async () => { await src?.cleanup(); });

    it('a table with one column per type, one row per value and a row of NULLs', async () => {
      src = await Source.create(kind);
      const sp = await src.space('vt');
      // columns c<i>; row k holds the k-th value of each column (NULL past its last value)
      let types: string[]; let values: string[][];
      if (kind === 'postgres') {
        await src.sql(`CREATE TYPE ${sp}.mood AS ENUM ('sad', 'happy'); CREATE DOMAIN ${sp}.posint AS int CHECK (VALUE > 0)`);
        types = CASES.map(([t]) => (t === 'mood' || t === 'posint' ? `${sp}.${t}` : t));
        values = CASES.map(([, lit]) => [lit]);
      } else {
        types = MARIADB.map(([t]) => t);
        values = MARIADB.map(([, v]) => v);
      }
      const rows = Math.max(...values.map((v) => v.length)) + 1;
      await src.sql(`CREATE TABLE ${sp}.types (id int PRIMARY KEY, ${types.map((t, i) => `c${i} ${t}`).join(', ')})`);
      for (let k = 0; k < rows; k++) {
        const row = values.map((v) => v[k] ?? 'NULL');
        const prefix = kind === 'mariadb' ? "SET SESSION sql_mode = ''; " : '';
        await src.sql(`${prefix}INSERT INTO ${sp}.types VALUES (${k}, ${row.join(', ')})`);
      }
      const task = src.task({ mode: 'multi-table-mirror', tables: [`${sp}.types`] });
      await task.start();
      try {
        await task.waitPhase(`${sp}.types`, 'incremental');
        const r = await runCli(['verify', task.file, '--json'], { timeoutMs: 120_000 });
        const line = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as TableLine).find((l) => l.event === 'table');
        assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
        assert.equal(line?.result, 'equal');
        assert.equal(line?.rows, rows);
        assert.deepEqual(line?.notCompared, []);
        await task.stop();
      } finally { task.kill(); }
    });
  });
}
