// A task started against a source that cannot serve it stops at once with one precise sentence and
// the fix, never a stack trace, never the password (issue 11, "bad sources", for `lakesync run`).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, sleep } from '../../harness/servers/process';
import { findPostgresBin, runCli, sharedMariadb, sharedPostgres, startMariadb, startPostgres, uniqueName, writeTask, type CliResult, type ServerHandle } from '../../harness';
import { assertCleanOutput } from './helpers';
import { waitSlotActive } from '../postgres/helpers';

/** stderr without log lines (timestamped), i.e. what the user is told. */
const told = (r: CliResult) => r.stderr.split('\n').filter((l) => l.trim() && !/^\d{4}-\d\d-\d\dT/.test(l)).join('\n');

describe('lakesync run against bad sources', function () {
  this.timeout(180_000);
  const secrets: string[] = [];
  let pg: ServerHandle;
  let my: ServerHandle;

  before(async () => {
    [pg, my] = await Promise.all([startPostgres({ walLevel: 'replica' }), startMariadb({ binlog: false })]);
    secrets.push(pg.password, my.password);
    await pg.sql('CREATE TABLE public.t (id int PRIMARY KEY)');
    await my.sql('CREATE DATABASE shop; CREATE TABLE shop.t (id int PRIMARY KEY)');
  });
  after(async () => { await Promise.all([pg?.stop(), my?.stop()]); });

  // A missing requirement is permanent: the run must stop, not retry, so 30 s is ample.
  const run = async (task: Record<string, unknown>, env: Record<string, string> = {}) => {
    const r = await runCli(['run', writeTask({ mode: 'multi-table-mirror', target: { path: 'lake.duckdb' }, ...task }), '--until-caught-up'],
      { env, timeoutMs: 30_000 });
    assertCleanOutput(r, [...secrets, ...Object.values(env)]);
    return r;
  };

  it('PostgreSQL with wal_level=replica: names wal_level and the ALTER SYSTEM that fixes it', async () => {
    const r = await run({ name: 'pgwal', source: pg.source('postgres'), tables: ['public.t'] });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(told(r), /wal_level/);
    assert.match(told(r), /ALTER SYSTEM SET wal_level = logical;/);
  });

  it('MariaDB without binary log: names log_bin and binlog_format=ROW', async () => {
    const r = await run({ name: 'mynobin', source: my.source('shop'), tables: ['shop.t'] });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(told(r), /log_bin/);
    assert.match(told(r), /binlog_format=ROW/);
  });

  it('wrong password: one sentence naming the user and source.password', async () => {
    const r = await run({ name: 'pgpw', source: pg.source('postgres', { password: '${env:BAD_SOURCE_PW}' }), tables: ['public.t'] },
      { BAD_SOURCE_PW: 'wrong-password-41b7' });
    assert.equal(r.code, 1);
    assert.equal(told(r), `PostgreSQL at 127.0.0.1:${pg.port} rejected the password for user "lakesync_admin" (or the user does not exist); check source.user and source.password`);
  });

  it('wrong port: one sentence naming source.port', async () => {
    const port = await freePort();
    const r = await run({ name: 'myport', source: my.source('shop', { port }), tables: ['shop.t'] });
    assert.equal(r.code, 1);
    assert.equal(told(r), `cannot reach MySQL/MariaDB at 127.0.0.1:${port}: connection refused; is the server running and is source.port right?`);
  });

  describe('missing privileges', () => {
    it('PostgreSQL user without REPLICATION: the ALTER ROLE that fixes it', async () => {
      const shared = await sharedPostgres();
      const db = await shared.createDatabase(uniqueName('badsrc'));
      const u = await shared.createUser();
      // Owner of the table and allowed to create the publication: only REPLICATION is missing.
      await shared.sql(`CREATE TABLE public.t (id int PRIMARY KEY); ALTER TABLE public.t OWNER TO ${u.user};
                        GRANT CREATE ON DATABASE ${db} TO ${u.user}`, [], { database: db });
      const r = await run({ name: 'pgnorepl', source: shared.source(db, { user: u.user, password: '${env:NOREPL_PW}' }), tables: ['public.t'] },
        { NOREPL_PW: u.password });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(told(r), new RegExp(`ALTER ROLE ${u.user} WITH REPLICATION;`));
    });

    it('MariaDB user without REPLICATION SLAVE: the GRANT that fixes it', async () => {
      const shared = await sharedMariadb();
      const db = await shared.createDatabase(uniqueName('badsrc'));
      await shared.sql('CREATE TABLE t (id int PRIMARY KEY)', [], { database: db });
      const u = await shared.createUser({ grants: [`GRANT SELECT ON \`${db}\`.* TO {user}`] });
      const r = await run({ name: 'mynorepl', source: shared.source(db, { user: u.user, password: '${env:NOREPL_PW}' }), tables: [`${db}.t`] },
        { NOREPL_PW: u.password });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(told(r), /REPLICATION SLAVE/);
      assert.match(told(r), /GRANT .*REPLICATION SLAVE.* ON \*\.\* TO/);
    });
  });

  it('PostgreSQL slot held by another program: says the slot is in use', async () => {
    const shared = await sharedPostgres();
    const db = await shared.createDatabase(uniqueName('badsrc'));
    const slot = uniqueName('busy');
    await shared.sql('CREATE TABLE public.t (id int PRIMARY KEY); CREATE PUBLICATION busy_pub FOR TABLE public.t', [], { database: db });
    await shared.sql("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [slot], { database: db });
    const recv = spawn(join(findPostgresBin(), 'pg_recvlogical'), ['-h', shared.host, '-p', String(shared.port), '-U', shared.user, '-d', db,
      '--slot', slot, '--start', '-o', 'proto_version=1', '-o', 'publication_names=busy_pub', '-f', '/dev/null'],
    { env: { ...process.env, PGPASSWORD: shared.password }, stdio: 'ignore' });
    try {
      await waitSlotActive(shared, slot); // pg_recvlogical takes the slot a moment after it starts
      const r = await run({ name: 'pgbusy', source: shared.source(db, { slot }), tables: ['public.t'] });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(told(r), new RegExp(`${slot}.*(in use|active)`));
    } finally {
      recv.kill('SIGKILL');
      await new Promise((r) => recv.once('exit', r));
      for (let i = 0; i < 50; i++) {
        try { await shared.sql('SELECT pg_drop_replication_slot($1)', [slot]); break; } catch { await sleep(100); }
      }
    }
  });
});
