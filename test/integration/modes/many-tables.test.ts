// A database mirror of 1,000 small tables (100 rows each), as a new user would run one: every
// table lands equal to the source, and after changes to a few hundred of them while the task was
// stopped, the next run applies them all. This is the path where per-table state (target tables,
// table states, chunk plans, schema history, DuckDB's per-table memory released every few dozen
// tables) used to grow with the table count. Time and memory are the bench's business
// (test/bench, case many-tables), never asserted here.
import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import { runCli } from '../../harness';
import { KINDS, Source, type Cell } from './helpers';

const TABLES = 1000;
const ROWS = 100;

/** `t0000` .. `t0999`: sorted names read back in a stable order. */
const name = (i: number) => `t${String(i).padStart(4, '0')}`;

function ddl(src: Source, space: string, i: number): string {
  const t = `${space}.${name(i)}`;
  return src.kind === 'postgres'
    ? `CREATE TABLE ${t} (id bigint PRIMARY KEY, a int, label varchar(40), amount numeric(10,2), created timestamp);
       INSERT INTO ${t} SELECT g, g * ${i + 1}, 'row ' || g || ' of ${i}', g / 10.0, timestamp '2024-01-01' + (g + ${i}) * interval '1 minute' FROM generate_series(1, ${ROWS}) g;`
    : `CREATE TABLE ${t} (id bigint PRIMARY KEY, a int, label varchar(40), amount decimal(10,2), created datetime);
       INSERT INTO ${t} SELECT seq, seq * ${i + 1}, CONCAT('row ', seq, ' of ${i}'), seq / 10.0, TIMESTAMPADD(MINUTE, seq + ${i}, '2024-01-01') FROM ${space}.seq_1_to_${ROWS};`;
}

/** Every row of every table as text, `table|id|a|label|amount|created`, in table and id order. */
async function sourceRows(src: Source, space: string): Promise<Cell[]> {
  const out: Cell[] = [];
  for (let from = 0; from < TABLES; from += 100) {
    const parts = Array.from({ length: Math.min(100, TABLES - from) }, (_, k) => {
      const t = name(from + k);
      return `SELECT '${t}' AS t, id, ${src.text('a')} AS a, label, ${src.text('amount')} AS amount, ${src.text('created')} AS created FROM ${space}.${t}`;
    });
    const rows = await src.sql(`${parts.join(' UNION ALL ')} ORDER BY t, id`);
    for (const r of rows) out.push([r.t, r.id, r.a, r.label, r.amount, r.created].map((v) => (v === null ? '' : String(v))).join('|'));
  }
  return out;
}

async function targetRows(lake: string): Promise<Cell[]> {
  const inst = await DuckDBInstance.create(lake, { access_mode: 'READ_ONLY' });
  try {
    const conn = await inst.connect();
    const out: Cell[] = [];
    for (let from = 0; from < TABLES; from += 100) {
      const parts = Array.from({ length: Math.min(100, TABLES - from) }, (_, k) => {
        const t = name(from + k);
        return `SELECT '${t}' AS t, id, CAST(a AS VARCHAR) AS a, label, CAST(amount AS VARCHAR) AS amount, strftime(created, '%Y-%m-%d %H:%M:%S') AS created FROM ods.${t}`;
      });
      const rows = (await conn.runAndReadAll(`${parts.join(' UNION ALL ')} ORDER BY t, id`)).getRowObjectsJS();
      for (const r of rows) out.push([r.t, r.id, r.a, r.label, r.amount, r.created].map((v) => (v === null ? '' : String(v))).join('|'));
    }
    conn.closeSync();
    return out;
  } finally {
    inst.closeSync();
  }
}

function assertSame(dst: Cell[], src: Cell[], when: string): void {
  assert.equal(dst.length, src.length, `${when}: the target holds ${dst.length} rows, the source ${src.length}`);
  const firstDiff = src.findIndex((row, i) => dst[i] !== row);
  assert.equal(firstDiff, -1, `${when}: first difference at row ${firstDiff}: source ${src[firstDiff]}, target ${dst[firstDiff]}`);
}

for (const kind of KINDS) {
  describe(`database mirror of ${TABLES} small tables (${kind})`, function () {
    this.timeout(900_000);
    let src: Source;

    before(async () => { src = await Source.create(kind); });
    after(async () => { await src?.cleanup(); });

    it('lands every table equal to the source, and the changes made while stopped after the next run', async () => {
      const space = await src.space('many');
      for (let i = 0; i < TABLES; i += 50) {
        await src.sql(Array.from({ length: Math.min(50, TABLES - i) }, (_, k) => ddl(src, space, i + k)).join('\n'));
      }
      const task = src.task({ mode: 'database-mirror', databases: [space], snapshot: { concurrency: 2, chunkSize: 1000 } });

      const first = await runCli(['run', task.file, '--until-caught-up'], { timeoutMs: 600_000 });
      assert.equal(first.code, 0, `first run exited ${first.code}:\n${first.stdout.slice(-3000)}\n${first.stderr.slice(-3000)}`);
      assertSame(await targetRows(task.lake), await sourceRows(src, space), 'after the full sync');
      const status = await task.status();
      assert.equal(status.tables.length, TABLES);
      assert.deepEqual(status.tables.filter((t) => t.phase !== 'incremental').map((t) => `${t.source}: ${t.phase}`), []);
      assert.equal(status.tables.reduce((a, t) => a + t.snapshotRows, 0), TABLES * ROWS);

      // changes to 300 tables (updates, inserts, deletes) while the task is stopped: one stream
      // batch then spans hundreds of tables
      const changes: string[] = [];
      for (let i = 0; i < TABLES; i += 3 + (i % 2)) {
        const t = `${space}.${name(i)}`;
        changes.push(`UPDATE ${t} SET label = 'changed ${i}', amount = amount + 1 WHERE id <= 5`,
          `DELETE FROM ${t} WHERE id > 95`, `INSERT INTO ${t} (id, a, label, amount, created) VALUES (1000, ${i}, 'new', 1.25, '2025-06-01 12:00:00')`);
      }
      for (let at = 0; at < changes.length; at += 150) await src.sql(changes.slice(at, at + 150).join(';\n'));

      const second = await runCli(['run', task.file, '--until-caught-up'], { timeoutMs: 600_000 });
      assert.equal(second.code, 0, `second run exited ${second.code}:\n${second.stdout.slice(-3000)}\n${second.stderr.slice(-3000)}`);
      assertSame(await targetRows(task.lake), await sourceRows(src, space), 'after the changes');
    });
  });
}
