// The MySQL/MariaDB bulk snapshot end to end through the CLI: tables of every type the bulk path
// carries (hostile texts, every double form, zero dates, bytes, spatial, UUID...) are copied chunk by
// chunk as CSV files and staged by DuckDB's read_csv, and `lakesync verify` finds every column of
// every row equal to the source; a table with a FLOAT column is said to take the row path and is
// equal too.
import assert from 'node:assert/strict';
import { runCli } from '../../harness';
import { Source, type Task } from '../modes/helpers';

interface TableLine { event: string; table?: string; result: string; rows: number; notCompared: string[]; differences: unknown[] }

const TEXTS = ['', '"', ',', '\n', '\r\n', '\\', '\\N', '"\\N"', 'a,"b"\nc', 'a\u0000b', 'emoji 😀', 'café €', 'trailing  '];
const DOUBLES = ['0', '-0', '0.1', '1e15', '1e16', '1e21', '-1.5e-7', '1e-7', '0.000001', '5e-324', '1.7976931348623157e308', '123456789012345680000', '1e-300'];

describe('MariaDB bulk snapshot end to end: CSV chunks staged by DuckDB verify equal', function () {
  this.timeout(300_000);

  it('every type through the bulk path lands equal; a FLOAT table takes the row path and lands equal', async () => {
    const src = await Source.create('mariadb');
    const db = await src.space('bulk');
    const s = src.server;
    const sql = (q: string, params: unknown[] = []) => s.sql(q, params, { database: db });
    let task: Task | undefined;
    try {
      await sql(`CREATE TABLE wide (id INT PRIMARY KEY, y YEAR, b64 BIT(64), st SET('a','b'), e ENUM('x','"y"'), d DECIMAL(65,30),
        biu BIGINT UNSIGNED, ti TINYINT, bo BOOLEAN, dbl DOUBLE, dt DATE, dtm DATETIME(6), ts TIMESTAMP(6) NULL, tm TIME(6),
        j JSON, bl BLOB, bn BINARY(4), l1 VARCHAR(40) CHARACTER SET latin1, u8 TEXT, ch CHAR(8), uu UUID, i4 INET4, g GEOMETRY, zf DOUBLE ZEROFILL)`);
      // bench-shaped: one integer key, bounded lines (copied in groups)
      await sql(`CREATE TABLE shaped (id BIGINT PRIMARY KEY, a INT NOT NULL, name VARCHAR(64) NOT NULL, amount DECIMAL(12,2) NOT NULL,
        created DATETIME(6) NOT NULL, flag BOOLEAN NOT NULL, note VARCHAR(64), score DOUBLE NOT NULL, code CHAR(8) NOT NULL)`);
      await sql('CREATE TABLE fl (id INT PRIMARY KEY, f FLOAT, v VARCHAR(20))');
      const rows: unknown[][] = [];
      for (let i = 0; i < 1500; i++) {
        const t = TEXTS[i % TEXTS.length];
        rows.push([i, i % 7 === 0 ? 0 : 1901 + (i % 255), BigInt(i) * 12345678901n, ['a', 'b', 'a,b', ''][i % 4], i % 2 ? 'x' : '"y"',
          `${i}.${String(i * 7919).padStart(30, '0')}`, (18446744073709551615n - BigInt(i)).toString(), (i % 256) - 128, i % 2,
          i < DOUBLES.length ? DOUBLES[i] : String((i - 750) / 7 * 10 ** ((i % 40) - 20)), i % 11 === 0 ? '0000-00-00' : '2024-02-29',
          `2024-01-01 00:00:00.${String(i).padStart(6, '0')}`, i % 13 === 0 ? null : '2030-06-15 12:00:00.125', `${i % 839 - 400}:01:02.5`,
          JSON.stringify({ t, i }), Buffer.from(t, 'utf8'), Buffer.from([i & 255]), t.replace(/[😀]/gu, '').slice(0, 40), t.repeat(i % 5),
          t.slice(0, 8).replace(/ +$/, ''), `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`, `10.0.${i >> 8}.${i & 255}`, null, i / 8]);
      }
      const cols = 'id, y, b64, st, e, d, biu, ti, bo, dbl, dt, dtm, ts, tm, j, bl, bn, l1, u8, ch, uu, i4, g, zf';
      for (let i = 0; i < rows.length; i += 300) {
        const part = rows.slice(i, i + 300);
        await s.sql(`SET SESSION sql_mode = ''; INSERT INTO wide (${cols}) VALUES ${part.map((r) => `(${r.map(() => '?').join(', ')})`).join(', ')}`,
          part.flat().map((v) => (typeof v === 'bigint' ? v.toString() : v)), { database: db });
      }
      await sql("UPDATE wide SET g = ST_GeomFromText(CONCAT('POINT(', id, ' 2)'), 4326) WHERE id % 3 = 0");
      await sql(`INSERT INTO shaped SELECT seq, (seq * 7) % 100000, CONCAT('customer "', seq % 100, '", ok'), (seq % 100000) / 100.0,
        TIMESTAMPADD(MICROSECOND, seq % 999983, TIMESTAMPADD(SECOND, seq, '2024-01-01 00:00:00')), seq % 2 = 0,
        IF(seq % 3 = 0, NULL, CONCAT('note\\n', seq)), seq / 7e0, LPAD(HEX(seq), 8, '0') FROM seq_1_to_20000`);
      await sql("INSERT INTO fl VALUES (1, 0.1, 'a'), (2, 3.4028234e38, NULL), (3, NULL, '\"')");
      // more than one chunk: a small one-chunk table takes the row path without a word (runtime/bulk.ts)
      await sql("INSERT INTO fl SELECT seq, seq / 3, 'x' FROM seq_4_to_1000");

      task = src.task({ mode: 'database-mirror', databases: [db], snapshot: { chunkSize: 400, concurrency: 2 } });
      const run = await task.start();
      for (const t of ['wide', 'shaped', 'fl']) await task.waitPhase(`${db}.${t}`, 'incremental', 240_000);
      const out = `${run.stdout()}\n${run.stderr()}`;
      assert.match(out, /fl: full sync reads row by row/, 'the FLOAT table is said to take the row path');
      assert.doesNotMatch(out, /(wide|shaped): full sync reads row by row/, 'the other tables take the bulk path');

      const v = await runCli(['verify', task.file, '--json'], { timeoutMs: 120_000 });
      assert.equal(v.code, 0, `${v.stdout}\n${v.stderr}`);
      const lines = v.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as TableLine).filter((l) => l.event === 'table');
      assert.equal(lines.length, 3, v.stdout);
      for (const l of lines) {
        assert.equal(l.result, 'equal', JSON.stringify(l));
        assert.deepEqual(l.notCompared, [], JSON.stringify(l));
      }
      assert.deepEqual(lines.map((l) => l.rows).sort((a, b) => a - b), [1000, 1500, 20000]);
      await task.stop();
    } finally {
      task?.run?.kill();
      await src.cleanup();
    }
  });
});
