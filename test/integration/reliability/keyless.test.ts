// A table without a key is a multiset on both sources: duplicate rows survive the snapshot and
// the stream, an insert adds one copy, a delete or update touches one copy, and a kill -9 while a
// large transaction is applied in parts neither loses nor doubles a copy.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, sharedMariadb, sharedPostgres, spawnCli, tempDir, uniqueName, writeTask, type CliResult, type ServerHandle } from '../../harness';
import { targetRows } from '../postgres/e2e-helpers';

function ok(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what} failed:\nstdout:\n${r.stdout.slice(-3000)}\nstderr:\n${r.stderr.slice(-3000)}`);
}

/** Source statements that touch exactly one copy of a row (PostgreSQL by ctid, MariaDB by LIMIT 1). */
interface Dialect {
  deleteOne(where: string): string;
  updateOne(set: string, where: string): string;
  /** `n` copies of each of the rows in one INSERT ... SELECT. */
  copies(values: string, n: number): string;
}

const pgDialect: Dialect = {
  deleteOne: (w) => `DELETE FROM bag WHERE ctid = (SELECT ctid FROM bag WHERE ${w} LIMIT 1)`,
  updateOne: (set, w) => `UPDATE bag SET ${set} WHERE ctid = (SELECT ctid FROM bag WHERE ${w} LIMIT 1)`,
  copies: (values, n) => `INSERT INTO bag SELECT v.a, v.b FROM (VALUES ${values}) v(a, b), generate_series(1, ${n})`,
};
const mariadbDialect: Dialect = {
  deleteOne: (w) => `DELETE FROM bag WHERE ${w} LIMIT 1`,
  updateOne: (set, w) => `UPDATE bag SET ${set} WHERE ${w} LIMIT 1`,
  copies: (values, n) => `INSERT INTO bag SELECT v.a, v.b FROM (${values.slice(1, -1).split('),(')
    .map((r) => { const [a, b] = r.split(', '); return `SELECT ${a} AS a, ${b} AS b`; }).join(' UNION ALL ')}) v, seq_1_to_${n}`,
};

for (const kind of ['postgres', 'mariadb'] as const) {
  describe(`tables without a key on ${kind}: multisets through snapshot, stream and kill -9`, function () {
    this.timeout(300_000);
    let server: ServerHandle;
    let db: string;
    const d = kind === 'postgres' ? pgDialect : mariadbDialect;
    const sql = (q: string) => server.sql(q, [], { database: db });

    before(async () => {
      server = kind === 'postgres' ? await sharedPostgres() : await sharedMariadb();
      db = await server.createDatabase();
    });
    after(async () => {
      if (kind === 'postgres') {
        await server.sql(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active AND slot_name LIKE 'ls_bag%'`).catch(() => undefined);
      }
      await server.dropDatabase(db).catch(() => undefined);
    });

    /** Each distinct row with its number of copies, as text. */
    async function sourceBag(): Promise<string[]> {
      const rows = await sql(`SELECT a, b, count(*) AS n FROM bag GROUP BY a, b ORDER BY a, b${kind === 'postgres' ? ' NULLS FIRST' : ''}`);
      return rows.map((r: { a: number; b: string | null; n: number | string }) => `${r.a}|${r.b ?? 'NULL'}|${Number(r.n)}`);
    }
    async function targetBag(duckdb: string): Promise<string[]> {
      const rows = await targetRows(duckdb, `SELECT a, b, count(*) FROM ods.bag GROUP BY a, b ORDER BY a, b NULLS FIRST`);
      return rows.map(([a, b, n]) => `${a}|${b ?? 'NULL'}|${n}`);
    }

    it('duplicates are copied by the snapshot, and inserted, updated and deleted one copy at a time by the stream; a kill -9 mid-transaction changes nothing', async () => {
      await sql('CREATE TABLE bag (a int, b varchar(20))');
      if (kind === 'postgres') await sql('ALTER TABLE bag REPLICA IDENTITY FULL');
      await sql(`INSERT INTO bag VALUES (1, 'x'), (1, 'x'), (1, 'x'), (2, 'y'), (2, 'y'), (3, NULL), (3, NULL)`);
      const dir = tempDir('keyless');
      const name = uniqueName('bag');
      const source = kind === 'postgres' ? server.source(db, { slot: `ls_${name}`, publication: `ls_${name}` }) : server.source(db);
      const file = writeTask({
        name, source, mode: 'multi-table-mirror', tables: [kind === 'postgres' ? 'public.bag' : `${db}.bag`],
        target: { path: 'lake.duckdb', namespace: 'ods' },
        // small parts and batches: a large transaction is applied in many parts before its end
        parameters: { flushIntervalMs: 50, batchSize: 100, maxTransactionChanges: 100 },
      }, dir);
      const duckdb = join(dir, 'lake.duckdb');

      ok(await runCli(['run', file, '--until-caught-up'], { timeoutMs: 120_000 }), 'the full sync');
      assert.deepEqual(await targetBag(duckdb), await sourceBag(), 'after the snapshot');
      assert.deepEqual(await targetBag(duckdb), ['1|x|3', '2|y|2', '3|NULL|2']);

      // the issue's sequence, then one copy at a time
      await sql(`INSERT INTO bag VALUES (2, 'y'), (2, 'y'), (3, 'z')`);
      await sql(`INSERT INTO bag VALUES (3, 'z')`);
      await sql(d.deleteOne(`a = 1`));
      await sql(d.updateOne(`b = 'w'`, `a = 2`));
      await sql(d.deleteOne(`a = 3 AND b IS NULL`));
      await sql(d.updateOne(`b = NULL`, `a = 3 AND b = 'z'`));
      ok(await runCli(['run', file, '--until-caught-up'], { timeoutMs: 120_000 }), 'streaming the changes');
      assert.deepEqual(await sourceBag(), ['1|x|2', '2|w|1', '2|y|3', '3|NULL|2', '3|z|1']);
      assert.deepEqual(await targetBag(duckdb), await sourceBag(), 'after the stream');

      // one large transaction: copies added, some removed one at a time, some updated; applied in parts
      const writes = [
        d.copies(`(5, 'p'),(6, 'q'),(7, NULL)`, 3000),
        ...Array.from({ length: 30 }, () => d.deleteOne(`a = 5`)),
        ...Array.from({ length: 20 }, () => d.updateOne(`b = 'r'`, `a = 6 AND b = 'q'`)),
        d.deleteOne(`a = 1`),
      ];
      await sql(kind === 'postgres' ? `DO $$ BEGIN ${writes.map((w) => `EXECUTE $q$${w}$q$;`).join(' ')} END $$` : `START TRANSACTION; ${writes.join('; ')}; COMMIT`);
      const run = spawnCli(['run', file]);
      const status = `${duckdb}.status.json`;
      // kill once a checkpoint inside the transaction is stored: parts applied, the end not yet
      const deadline = Date.now() + 120_000;
      let inside = '';
      while (!inside && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        try { const p = String(JSON.parse(readFileSync(status, 'utf8')).position ?? ''); if (p.includes('#applied:')) inside = p; } catch { /* being written */ }
      }
      run.kill('SIGKILL');
      await run.exited;
      assert.ok(inside, 'a checkpoint inside the large transaction was stored before the kill');
      ok(await runCli(['run', file, '--until-caught-up'], { timeoutMs: 180_000 }), 'the run after kill -9');
      const expected = await sourceBag();
      assert.deepEqual(expected.filter((r) => r.startsWith('5|') || r.startsWith('6|') || r.startsWith('7|')), ['5|p|2970', '6|q|2980', '6|r|20', '7|NULL|3000']);
      assert.deepEqual(await targetBag(duckdb), expected, `after kill -9 at ${inside}`);
    });
  });
}
