// A chunk read whose connection died (server restart, KILL) is read again on a fresh connection:
// - before one fix the retry got the closed connection back from the pool, failed the same way
//   until the attempts ran out, and the whole task exited with a stack trace;
// - before another, a chunk query issued on a connection that had just closed (between the
//   chunk's START TRANSACTION and its SELECT) never settled: mysql2 tells the connection, not a
//   query without a callback, and a MariaDB restart mid-snapshot hung the full sync for good.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { sharedMariadb, tempDir, waitUntil, type ServerHandle } from '../../harness';
import { openMysqlSnapshot } from '../../../src/engine/source/mysql/snapshot';
import { describeMysqlTable } from '../../../src/engine/source/mysql/metadata';
import { writeCsv } from '../../../src/engine/source/mysql/csvwrite';
import { isClosed, openConnection, queryStream } from '../../../src/engine/source/mysql/session';
import type { SourceConfig } from '../../../src/engine/config/plan';

describe('reliability: MySQL snapshot chunk reader after its connection was killed (MariaDB)', function () {
  this.timeout(60_000);
  let server: ServerHandle;
  let db: string;
  let admin: mysql.Connection;
  let source: SourceConfig;
  let user: string;
  before(async () => {
    server = await sharedMariadb();
    db = await server.createDatabase();
    await server.sql('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO t SELECT seq, CONCAT(\'v\', seq) FROM seq_1_to_40', [], { database: db });
    const u = await server.createUser({ grants: [`GRANT ALL PRIVILEGES ON *.* TO {user}`] });
    user = u.user;
    source = { type: 'mysql', host: server.host, port: server.port, user, password: u.password, database: db,
      serverId: 1, slot: '', publication: '', connectTimeoutMs: 5000 };
    admin = await mysql.createConnection({ host: server.host, port: server.port, user: server.user, password: server.password });
  });
  after(async () => { await admin?.end(); await server?.dropDatabase(db); });

  /** KILLs every connection of the test user and waits until the server has ended them. */
  const killAll = async (): Promise<void> => {
    const [ids] = await admin.query('SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?', [user]);
    for (const r of ids as { ID: number }[]) await admin.query(`KILL ${Number(r.ID)}`);
    // gone from the process list (a killed thread ends a moment after KILL returns)
    await waitUntil('the killed connections to end', async () => {
      const [left] = await admin.query('SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?', [user]);
      return (left as unknown[]).length === 0;
    });
  };

  /** Fails in 10 s instead of waiting for ever (the defect this file guards against). */
  const settles = <T>(p: Promise<T>, what: string): Promise<T> => Promise.race([p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} never settled`)), 10_000))]);

  it('the next read and copy of a chunk after its connections were killed open new ones and return every row', async () => {
    const table = (await describeMysqlTable(admin as never, { db, table: 't' }))!;
    const session = await openMysqlSnapshot({ source, tables: [table], concurrency: 1 });
    const dir = tempDir('mysql-reconnect');
    try {
      const chunks = await session.planChunks(table, 20);
      assert.ok(chunks.length >= 2);
      const read = async (i: number) => { let n = 0; await session.readChunk(table, chunks[i], (rows) => { n += rows.length; }); return n; };
      assert.equal(await read(0), 20);
      await killAll();
      // the pooled connection is closed: it is replaced, not used again
      assert.equal(await settles(read(1), 'the read after the kill'), 20, 'the read opens a new connection');
      await killAll();
      const file = join(dir, 'c1.csv');
      assert.equal(await settles(session.copyChunk!(table, chunks[1], file), 'the copy after the kill'), 20);
      assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 20);
    } finally {
      await session.close();
    }
  });

  it('a chunk query on a connection that has just closed rejects at once instead of waiting for ever', async () => {
    const dir = tempDir('mysql-reconnect');
    for (const how of ['writeCsv', 'queryStream'] as const) {
      const c = await openConnection(source);
      try {
        await c.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
        await killAll();
        await waitUntil('mysql2 to see the connection closed', () => isClosed(c));
        const run = how === 'writeCsv'
          ? writeCsv(c, 'SELECT CAST(CONCAT_WS(\',\', id, v) AS BINARY) FROM t', [], join(dir, 'x.csv'))
          : (async () => { const { stream, done } = queryStream(c, { sql: 'SELECT id FROM t', rowsAsArray: true }, [], 100); try { for await (const _ of stream) { /* rows */ } } finally { done(); } })();
        await assert.rejects(settles<unknown>(run, how), /closed/, how);
      } finally {
        c.destroy();
      }
    }
  });
});
