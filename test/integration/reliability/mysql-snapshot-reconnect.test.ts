// A chunk read whose connection died (server restart, KILL) is retried on a fresh connection:
// before the fix the retry got the closed connection back from the pool, failed the same way
// until the attempts ran out, and the whole task exited with a stack trace.
import assert from 'node:assert/strict';
import mysql from 'mysql2/promise';
import { sharedMariadb, waitUntil, type ServerHandle } from '../../harness';
import { openMysqlSnapshot } from '../../../src/engine/source/mysql/snapshot';
import { describeMysqlTable } from '../../../src/engine/source/mysql/metadata';
import type { SourceConfig } from '../../../src/engine/config/plan';

describe('reliability: MySQL snapshot chunk reader after its connection was killed (MariaDB)', function () {
  this.timeout(60_000);
  let server: ServerHandle;
  let db: string;
  before(async () => { server = await sharedMariadb(); db = await server.createDatabase(); });
  after(async () => { await server?.dropDatabase(db); });

  it('the next read of the chunk opens a new connection and returns every row', async () => {
    await server.sql('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO t SELECT seq, CONCAT(\'v\', seq) FROM seq_1_to_40', [], { database: db });
    const { user, password } = await server.createUser({ grants: [`GRANT ALL PRIVILEGES ON *.* TO {user}`] });
    const source: SourceConfig = { type: 'mysql', host: server.host, port: server.port, user, password, database: db,
      serverId: 1, slot: '', publication: '', connectTimeoutMs: 5000 };
    const admin = await mysql.createConnection({ host: server.host, port: server.port, user: server.user, password: server.password });
    const table = (await describeMysqlTable(admin as never, { db, table: 't' }))!;
    const session = await openMysqlSnapshot({ source, tables: [table], concurrency: 1 });
    try {
      const chunks = await session.planChunks(table, 20);
      assert.ok(chunks.length >= 2);
      const read = async (i: number) => { let n = 0; await session.readChunk(table, chunks[i], (rows) => { n += rows.length; }); return n; };
      assert.equal(await read(0), 20);
      // kill every connection of the session's user (chunk reader and anchor)
      const [ids] = await admin.query('SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?', [user]);
      for (const r of ids as { ID: number }[]) await admin.query(`KILL ${Number(r.ID)}`);
      // gone from the process list (a killed thread ends a moment after KILL returns)
      await waitUntil('the killed connections to end', async () => {
        const [left] = await admin.query('SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?', [user]);
        return (left as unknown[]).length === 0;
      });
      await assert.rejects(read(1));
      assert.equal(await read(1), 20, 'the retry reads the chunk on a new connection');
    } finally {
      await session.close();
      await admin.end();
    }
  });
});
