// Text in a non-UTF-8 charset that the task meets only after its start: a column added by ALTER
// TABLE in another charset, a table created in one. The server's table of a charset is loaded when
// the stream starts for the charsets it knows of then (charsets.ts); before this, text of a charset
// met later was decoded by iconv-lite, whose tables differ from the server's (sjis 0x815F is '\' on
// the server, U+FF3C in iconv-lite), so the binlog landed other text than the source holds.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, sharedMariadb, spawnCli, tempDir, uniqueName, waitUntil, writeTask, type ServerHandle } from '../../harness';
import { targetRows } from '../postgres/e2e-helpers';
import { CHARSETS } from '../fixtures/mariadb-groups';

/** Charsets whose iconv-lite table differs from MariaDB's, with bytes of such characters (the fixture suite's). */
const DIFFERING = ['sjis', 'cp932', 'big5', 'ujis', 'eucjpms', 'gb2312', 'tis620', 'latin1', 'armscii8', 'cp866', 'koi8u', 'macroman'];
const TEXTS = CHARSETS.filter(([cs]) => DIFFERING.includes(cs));

describe('MySQL binlog: text in a charset the task meets after its start (MariaDB)', function () {
  this.timeout(180_000);
  let server: ServerHandle;
  let db: string;
  before(async () => { server = await sharedMariadb(); db = await server.createDatabase(uniqueName('cslate')); });
  after(async () => { await server?.dropDatabase(db); });

  it('columns added in other charsets and a table created in one: the target holds the server\'s text', async () => {
    const q = (sql: string) => server.sql(sql, [], { database: db });
    await q('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10)) CHARACTER SET utf8mb4');
    await q("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
    const dir = tempDir('charset-later');
    const lake = join(dir, 'lake.duckdb');
    const file = writeTask({ name: 'cslate', source: server.source(db, { serverId: 7301 }), mode: 'database-mirror', databases: [db],
      target: { type: 'duckdb', path: lake, namespace: 'ods' }, parameters: { flushIntervalMs: 200 } }, dir);
    const run = spawnCli(['run', file]);
    try {
      await run.waitFor(new RegExp(`${db}\\.t: (incremental|full sync done)`), 60_000);
      const cols = TEXTS.map(([cs]) => `s_${cs}`);
      await q(`ALTER TABLE t ${TEXTS.map(([cs]) => `ADD COLUMN s_${cs} VARCHAR(60) CHARACTER SET ${cs}`).join(', ')}, ADD COLUMN e ENUM('x', 'y') CHARACTER SET sjis`);
      const values = (k: number) => TEXTS.map(([cs, hex]) => `CONVERT(CONCAT(${k}, UNHEX('${hex}')) USING ${cs})`).join(', ');
      await q(`INSERT INTO t (id, v, ${cols.join(', ')}, e) VALUES (3, 'c', ${values(3)}, 'y'), (4, 'd', ${values(4)}, 'x')`);
      await q(`UPDATE t SET ${TEXTS.map(([cs, hex]) => `s_${cs} = CONVERT(UNHEX('${hex}') USING ${cs})`).join(', ')} WHERE id = 1`);
      await q(`CREATE TABLE n (id INT PRIMARY KEY, s VARCHAR(60)) CHARACTER SET big5`);
      await q(`INSERT INTO n VALUES (1, UNHEX('A145A14EA1C2A1E3')), (2, UNHEX('A241A242A244A246A247C6A1'))`);
      await q(`INSERT INTO t (id, v, s_sjis) VALUES (5, 'done', UNHEX('815F'))`);
      // read through the running engine (it holds the DuckDB file)
      await waitUntil('the target to reach the last row', async () => {
        const r = await runCli(['query', file, '--json', '--sql', 'SELECT (SELECT count(*) FROM ods.t WHERE id = 5) + (SELECT count(*) FROM ods.n) AS n']);
        return r.code === 0 && String((JSON.parse(r.stdout) as { rows: unknown[][] }).rows[0]?.[0]) === '3';
      }, 60_000, run);
    } finally {
      run.kill('SIGTERM');
      await run.exited;
    }
    const textCols = [...TEXTS.map(([cs]) => `s_${cs}`), 'e'];
    const source = await q(`SELECT id, ${textCols.map((c) => `HEX(CONVERT(${c} USING utf8mb4)) AS ${c}`).join(', ')} FROM t ORDER BY id`) as Record<string, string | null>[];
    const target = await targetRows(lake, `SELECT id::VARCHAR, ${textCols.map((c) => `upper(hex(encode("${c}")))`).join(', ')} FROM ods.t ORDER BY id`);
    assert.equal(target.length, source.length);
    for (let i = 0; i < source.length; i++) {
      textCols.forEach((c, j) => assert.equal(target[i][j + 1], source[i][c], `t row ${source[i].id} column ${c}`));
    }
    const nSource = await q('SELECT id, HEX(CONVERT(s USING utf8mb4)) AS s FROM n ORDER BY id') as { id: number; s: string }[];
    assert.deepEqual(await targetRows(lake, 'SELECT id::VARCHAR, upper(hex(encode(s))) FROM ods.n ORDER BY id'), nSource.map((r) => [String(r.id), r.s]));
  });
});
