// The snapshot's promise at adapter level: chunks read while writers run, then the binlog replayed
// from streamStart and applied by key (as the target does), give exactly the source's rows.
import assert from 'node:assert/strict';
import { sharedMariadb, waitUntil, type ServerHandle } from '../../harness';
import { createMysqlSource } from '../../../src/engine/source/mysql';
import type { Row, RowChange } from '../../../src/engine/pipeline/events';
import type { BinlogPosition } from '../../../src/engine/positions';
import { comparePositions } from '../../../src/engine/positions';
import { collect, planFor } from './helpers';

describe('MySQL snapshot under concurrent writes, then the binlog', function () {
  this.timeout(120_000);
  let server: ServerHandle;
  let db: string;

  before(async () => {
    server = await sharedMariadb();
    db = await server.createDatabase();
  });
  after(async () => { await server?.dropDatabase(db); });

  it('converges to the source row by row', async () => {
    const sql = (q: string) => server.sql(q, [], { database: db });
    await sql('CREATE TABLE acc (id INT PRIMARY KEY, owner VARCHAR(20), balance DECIMAL(12,2), note TEXT)');
    await sql(`INSERT INTO acc VALUES ${Array.from({ length: 600 }, (_, i) => `(${i * 2}, 'o${i}', ${i}.25, NULL)`).join(',')}`);
    const adapter = createMysqlSource(planFor(server, [`${db}.acc`]));
    try {
      const [table] = await adapter.discover();
      // Writers run during the whole snapshot: inserts, updates, deletes and key changes.
      let writing = true;
      let n = 0;
      const writer = (async () => {
        while (writing) {
          n++;
          const id = (n * 37) % 1300;
          await sql(`INSERT INTO acc VALUES (${id}, 'w${n}', ${n}, 'x') ON DUPLICATE KEY UPDATE balance = balance + 1, note = 'u${n}'`);
          if (n % 3 === 0) await sql(`DELETE FROM acc WHERE id = ${(n * 11) % 1300}`);
          if (n % 5 === 0) await sql(`UPDATE IGNORE acc SET id = id + 1301 WHERE id = ${(n * 13) % 1300}`);
        }
      })();
      await waitUntil('the writer to be under way', () => n >= 10);

      const target = new Map<string, Row>();
      const s = await adapter.openSnapshot([table], 3);
      try {
        const chunks = await s.planChunks(table, 50);
        assert.ok(chunks.length > 5);
        await Promise.all(chunks.map((c) => s.readChunk(table, c, async (rows) => {
          for (const r of rows) target.set(String(r[0]), r);
          // slow reader: more writes land in between (waited for, not timed: a loaded machine slows the writer too)
          const before = n;
          await waitUntil('writes between chunk reads', () => n > before + 1);
        })));
      } finally {
        await s.close();
      }
      writing = false;
      await writer;
      assert.ok(n > 20, `only ${n} writes during the snapshot`);

      const end = await adapter.currentPosition() as BinlogPosition;
      const txs = await collect(adapter, s.streamStart, [table], (t) => t.length > 0 && !t[t.length - 1].partial &&
        comparePositions(t[t.length - 1].position, end) >= 0);
      for (const tx of txs) {
        for (const c of tx.changes as RowChange[]) {
          if (c.kind === 'delete' || c.kind === 'update') target.delete(String(c.before![0]));
          if (c.kind === 'insert' || c.kind === 'update') target.set(String(c.after![0]), c.after!);
        }
      }
      const source = await sql('SELECT id, owner, balance, note FROM acc ORDER BY id');
      const expected = source.map((r: Record<string, unknown>) => [String(r.id), r.owner, r.balance, r.note]);
      const actual = [...target.values()].sort((a, b) => Number(a[0]) - Number(b[0]));
      assert.equal(actual.length, expected.length);
      assert.deepEqual(actual, expected);
    } finally {
      await adapter.close();
    }
  });
});
