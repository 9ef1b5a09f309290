// The harness itself: private servers start with the settings LakeSync needs, survive restarts and
// crashes with their data, and never touch the system's services.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { sharedMariadb, sharedPostgres, startMariadb, startPostgres, writeTask, uniqueName, type ServerHandle } from '../../harness';
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { waitUntil } from '../../harness';

describe('test harness', () => {
  describe('shared PostgreSQL', () => {
    let pg: ServerHandle;
    before(async () => { pg = await sharedPostgres(); });

    it('runs with wal_level=logical on a private port with a password-authenticated superuser', async () => {
      assert.notEqual(pg.port, 5432);
      const [row] = await pg.sql<{ wal_level: string }>('SHOW wal_level');
      assert.equal(row.wal_level, 'logical');
      const [role] = await pg.sql<{ rolsuper: boolean; rolreplication: boolean }>(
        'SELECT rolsuper, rolreplication FROM pg_roles WHERE rolname = current_user');
      assert.deepEqual(role, { rolsuper: true, rolreplication: true });
      const [slots] = await pg.sql<{ max_replication_slots: string }>('SHOW max_replication_slots');
      assert.equal(slots.max_replication_slots, '20');
    });

    it('is the same server for every caller, and databases are per test', async () => {
      assert.equal(await sharedPostgres(), pg);
      const db = await pg.createDatabase();
      await pg.sql('CREATE TABLE t (id int primary key, v text)', [], { database: db });
      await pg.sql('INSERT INTO t VALUES ($1, $2)', [1, 'a'], { database: db });
      assert.deepEqual(await pg.sql('SELECT * FROM t', [], { database: db }), [{ id: 1, v: 'a' }]);
      await pg.dropDatabase(db);
    });

    it('keeps few helper connections open while tests use many databases at once', async () => {
      const dbs = await Promise.all(Array.from({ length: 12 }, () => pg.createDatabase()));
      const counts = await Promise.all(dbs.map(async (db) => (await pg.sql('SELECT count(*)::int AS n FROM pg_class', [], { database: db }))[0].n));
      assert.ok(counts.every((n) => n > 0));
      // Closed connections leave pg_stat_activity a moment later (longer on a loaded machine).
      let n = Infinity;
      await waitUntil('helper connections to close', async () => {
        [{ n }] = await pg.sql(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'lakesync-test-harness'`);
        return n <= 9;
      }).catch(() => undefined); // asserted below with the count
      assert.ok(n <= 9, `${n} helper connections open`);
      for (const db of dbs) await pg.dropDatabase(db);
    });

    it('rejects a wrong password over TCP', async () => {
      const { default: pgLib } = await import('pg');
      const c = new pgLib.Client({ host: pg.host, port: pg.port, user: pg.user, password: 'wrong', database: 'postgres' });
      await assert.rejects(c.connect(), /password authentication failed/);
    });
  });

  describe('shared MariaDB', () => {
    let my: ServerHandle;
    before(async () => { my = await sharedMariadb(); });

    it('runs with a ROW/FULL binlog on a private port', async () => {
      assert.notEqual(my.port, 3306);
      const [v] = await my.sql('SELECT @@log_bin AS log_bin, @@binlog_format AS f, @@binlog_row_image AS i, @@binlog_row_metadata AS m, @@server_id AS s');
      assert.deepEqual({ ...v, log_bin: Number(v.log_bin), s: Number(v.s) }, { log_bin: 1, f: 'ROW', i: 'FULL', m: 'FULL', s: 1 });
    });

    it('creates databases and users for tests', async () => {
      const db = await my.createDatabase();
      await my.sql('CREATE TABLE t (id int primary key, d decimal(30,2), ts datetime(6))', [], { database: db });
      await my.sql("INSERT INTO t VALUES (1, 123456789012345678901234.50, '2024-01-02 03:04:05.123456')", [], { database: db });
      assert.deepEqual(await my.sql('SELECT * FROM t', [], { database: db }),
        [{ id: 1, d: '123456789012345678901234.50', ts: '2024-01-02 03:04:05.123456' }]);
      const u = await my.createUser({ grants: [`GRANT SELECT ON \`${db}\`.* TO {user}`] });
      const grants = await my.sql(`SHOW GRANTS FOR '${u.user}'@'%'`);
      assert.match(JSON.stringify(grants), new RegExp(`GRANT SELECT ON \`${db}\``));
      await my.dropDatabase(db);
    });
  });

  describe('private servers', () => {
    it('PostgreSQL with wal_level=replica keeps its data across restart and kill -9', async () => {
      const pg = await startPostgres({ walLevel: 'replica' });
      try {
        assert.equal((await pg.sql('SHOW wal_level'))[0].wal_level, 'replica');
        await pg.sql('CREATE TABLE t (id int)');
        await pg.sql('INSERT INTO t VALUES (1)');
        const port = pg.port;
        await pg.restart();
        assert.equal(pg.port, port);
        await pg.sql('INSERT INTO t VALUES (2)');
        await pg.kill9();
        assert.equal(pg.isRunning(), false);
        await pg.start();
        assert.deepEqual(await pg.sql('SELECT id FROM t ORDER BY id'), [{ id: 1 }, { id: 2 }]);
      } finally {
        await pg.stop();
      }
      assert.equal(existsSync(pg.baseDir), false);
    });

    it('MariaDB without binlog keeps its data across restart and kill -9', async () => {
      const my = await startMariadb({ binlog: false });
      try {
        assert.equal(Number((await my.sql('SELECT @@log_bin AS b'))[0].b), 0);
        const db = await my.createDatabase(uniqueName('h'));
        await my.sql('CREATE TABLE t (id int primary key) ENGINE=InnoDB; INSERT INTO t VALUES (1)', [], { database: db });
        await my.restart();
        await my.sql('INSERT INTO t VALUES (2)', [], { database: db });
        await my.kill9();
        await my.start();
        assert.deepEqual(await my.sql('SELECT id FROM t ORDER BY id', [], { database: db }), [{ id: 1 }, { id: 2 }]);
      } finally {
        await my.stop();
      }
      assert.equal(existsSync(my.baseDir), false);
    });
  });

  describe('killClients (fault injection)', () => {
    it('PostgreSQL: kills a replication connection and leaves other sessions alone', async () => {
      const pg = await sharedPostgres();
      const { default: pgLib } = await import('pg');
      const repl = new pgLib.Client({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: 'postgres', replication: 'database' } as any);
      const plain = new pgLib.Client({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: 'postgres' });
      const replEnded = new Promise((r) => repl.on('error', r));
      plain.on('error', () => undefined);
      await repl.connect();
      await plain.connect();
      await repl.query('IDENTIFY_SYSTEM');
      assert.equal(await pg.killClients('replication'), 1);
      await replEnded;
      assert.deepEqual((await plain.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
      assert.ok(await pg.killClients('all') >= 1);
      await assert.rejects(plain.query('SELECT 1'));
      assert.equal((await pg.sql('SELECT 1 AS one'))[0].one, 1, 'the harness keeps its own connection');
    });

    it('MariaDB: kills a binlog dump (mariadb-binlog --stop-never)', async function () {
      const my = await sharedMariadb();
      const dump = spawn('mariadb-binlog', ['--read-from-remote-server', '--stop-never', '--host=127.0.0.1', `--port=${my.port}`,
        `--user=${my.user}`, `--password=${my.password}`, 'mysql-bin.000001'], { stdio: 'ignore' });
      const exited = new Promise((r) => dump.once('exit', r));
      try {
        // mariadb-binlog connects and asks for the dump a moment after it starts
        let killed = 0;
        await waitUntil('the binlog dump to kill', async () => (killed = await my.killClients('replication')) > 0).catch(() => undefined);
        assert.equal(killed, 1);
        await exited;
      } finally {
        dump.kill('SIGKILL');
      }
    });
  });

  it('writeTask writes YAML whose password is an ${env:} reference', async () => {
    const pg = await sharedPostgres();
    const file = writeTask({ name: 'h', source: pg.source('postgres'), mode: 'database-mirror', databases: ['public'] });
    const text = readFileSync(file, 'utf8');
    assert.match(text, /password: \$\{env:LAKESYNC_TEST_PG\d+_\d+_PASSWORD\}/);
    assert.ok(!text.includes(pg.password));
    assert.match(file, /h\.sync\.yaml$/);
  });
});
