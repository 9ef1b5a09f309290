// `lakesync check` against real PostgreSQL servers: a correct one passes; every broken requirement
// fails with the statement that fixes it; bad connection settings give one clear sentence.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, sleep } from '../../harness/servers/process';
import { findPostgresBin, runCli, sharedPostgres, startPostgres, uniqueName, writeTask, type ServerHandle } from '../../harness';
import { assertCleanOutput, failedCheck, parseJson } from './helpers';
import { waitSlotActive } from '../postgres/helpers';

describe('lakesync check (PostgreSQL)', function () {
  this.timeout(120_000);
  let pg: ServerHandle;
  let db: string;
  const secrets: string[] = [];

  before(async () => {
    pg = await sharedPostgres();
    secrets.push(pg.password);
    db = await pg.createDatabase(uniqueName('check'));
    await pg.sql(`CREATE TABLE public.orders (id bigint PRIMARY KEY, total numeric(12,2));
                  CREATE TABLE public.events (at timestamptz, what text);
                  ALTER TABLE public.events REPLICA IDENTITY FULL;
                  CREATE TABLE public.log_lines (line text);`, [], { database: db });
  });

  const task = (source: Record<string, unknown>, tables = ['public.orders'], extra: Record<string, unknown> = {}) =>
    writeTask({ name: 'pgcheck', source, mode: 'multi-table-mirror', tables, target: { path: 'lake.duckdb' }, ...extra });

  it('passes on a server with wal_level=logical and a superuser, and exits 0', async () => {
    const r = await runCli(['check', task(pg.source(db))]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^✔ wal_level = logical$/m);
    assert.match(r.stdout, /^✔ a free replication slot/m);
    assert.match(r.stdout, /^✔ the task selects source tables: 1 table: public\.orders$/m);
    assert.doesNotMatch(r.stdout, /^✘/m);
    assertCleanOutput(r, secrets);
  });

  it('--json returns every check with its id and status', async () => {
    const r = await runCli(['check', task(pg.source(db)), '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = parseJson(r);
    assert.equal(out.ok, true);
    const ids = out.checks.map((c) => c.id);
    for (const id of ['connection', 'wal_level', 'replication_slot', 'wal_senders', 'replication_privilege', 'tables',
      'select_privilege', 'primary_keys', 'publication']) assert.ok(ids.includes(id), `missing check ${id}: ${ids}`);
    // The shared server has no TLS: a warning says so, with the line that makes it verify-full. The
    // other one offers the optional DDL event trigger, with its statements.
    assert.ok(out.checks.every((c) => c.status === 'ok' || c.id === 'tls' || c.id === 'ddl_trigger'), JSON.stringify(out.checks, null, 1));
    const trigger = out.checks.find((c) => c.id === 'ddl_trigger');
    assert.equal(trigger?.status, 'warn');
    assert.match(trigger!.fix!, /CREATE EVENT TRIGGER lakesync_ddl ON ddl_command_end/);
    assert.match(trigger!.fix!, /pg_logical_emit_message\(true, 'lakesync\.ddl'/);
    const tls = out.checks.find((c) => c.id === 'tls');
    assert.equal(tls?.status, 'warn');
    assert.match(tls!.detail!, /not encrypted: the server does not offer TLS, so source\.tls\.mode prefer fell back to a plain connection/);
    assert.match(tls!.fix!, /tls: \{mode: verify-full, ca: certs\/ca\.pem\}/);
  });

  it('lists a table without primary key (REPLICA IDENTITY FULL) as a warning, and still exits 0', async () => {
    const r = await runCli(['check', task(pg.source(db), ['public.orders', 'public.events'])]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^! every table has a primary key: without primary key: public\.events$/m);
  });

  it('a table without primary key nor replica identity: under rules.keylessTables sync it will stop (a warning with the ALTER TABLE); under fail the task cannot run', async () => {
    const r = await runCli(['check', task(pg.source(db), ['public.orders', 'public.log_lines'])]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^! tables without a primary key \(rules\.keylessTables: sync\): these will stop, as the source sends no whole row for their updates and deletes: public\.log_lines$/m);
    assert.match(r.stdout, /^ {4}fix: ALTER TABLE public\.log_lines REPLICA IDENTITY FULL;$/m);
    const append = await runCli(['check', task(pg.source(db), ['public.orders', 'public.log_lines'], { rules: { keylessTables: 'append' } })]);
    assert.equal(append.code, 0, append.stdout + append.stderr);
    assert.match(append.stdout, /^✔ tables without a primary key \(rules\.keylessTables: append\): insert-only \(updates and deletes are not applied\): public\.log_lines, read through publication "lakesync_pgcheck_append"$/m);
    const fail = await runCli(['check', task(pg.source(db), ['public.orders', 'public.events'], { rules: { keylessTables: 'fail' } })]);
    assert.equal(fail.code, 1, fail.stdout + fail.stderr);
    const { line, fix } = failedCheck(fail.stdout, 'tables without a primary key (rules.keylessTables: fail)');
    assert.match(line, /without primary key: public\.events/);
    assert.match(fix, /set rules\.keylessTables to sync, append or skip/);
  });

  describe('with wal_level=replica', () => {
    let replica: ServerHandle;
    before(async () => { replica = await startPostgres({ walLevel: 'replica' }); secrets.push(replica.password); });
    after(async () => { await replica?.stop(); });

    it('exits 1 and prints the ALTER SYSTEM that fixes wal_level', async () => {
      const r = await runCli(['check', task(replica.source('postgres'), ['public.*'])]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const { line, fix } = failedCheck(r.stdout, 'wal_level = logical');
      assert.match(line, /wal_level is replica/);
      assert.match(fix, /ALTER SYSTEM SET wal_level = logical;.*restart/);
      assert.match(r.stdout, /The task cannot run: 1 check failed\./);
      assertCleanOutput(r, secrets);
    });
  });

  describe('a user without privileges', () => {
    let user: { user: string; password: string };
    before(async () => {
      user = await pg.createUser();
      secrets.push(user.password);
      await pg.sql(`GRANT SELECT ON public.orders TO ${user.user}`, [], { database: db });
    });

    it('gets the ALTER ROLE ... REPLICATION fix, and the publication fix for tables it does not own', async () => {
      const r = await runCli(['check', task(pg.source(db, { user: user.user, password: '${env:CHECK_PG_USER_PW}' }))],
        { env: { CHECK_PG_USER_PW: user.password } });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const repl = failedCheck(r.stdout, `user "${user.user}" may replicate`);
      assert.equal(repl.fix, `ALTER ROLE ${user.user} WITH REPLICATION;`);
      const pub = failedCheck(r.stdout, 'publication "lakesync_pgcheck"');
      assert.match(pub.fix, /CREATE PUBLICATION lakesync_pgcheck FOR TABLE public\.orders;/);
      assert.match(r.stdout, /^✔ user ".*" may read the tables \(SELECT\)$/m);
      assertCleanOutput(r, secrets);
    });

    it('gets the GRANT SELECT fix for a table it may not read', async () => {
      const r = await runCli(['check', task(pg.source(db, { user: user.user, password: '${env:CHECK_PG_USER_PW}' }),
        ['public.orders', 'public.events'])], { env: { CHECK_PG_USER_PW: user.password } });
      assert.equal(r.code, 1);
      const sel = failedCheck(r.stdout, `user "${user.user}" may read the tables (SELECT)`);
      assert.match(sel.line, /no SELECT on public\.events$/);
      assert.equal(sel.fix, `GRANT SELECT ON public.events TO ${user.user};`);
    });
  });

  it('passes for a least-privilege user: REPLICATION, SELECT, and a publication its owner created', async () => {
    const u = await pg.createUser({ grants: ['ALTER ROLE {user} WITH REPLICATION'] });
    secrets.push(u.password);
    await pg.sql(`GRANT SELECT ON public.orders TO ${u.user}; CREATE PUBLICATION lakesync_pgcheck_lp FOR TABLE public.orders`, [], { database: db });
    try {
      const r = await runCli(['check', task(pg.source(db, { user: u.user, password: '${env:CHECK_LP_PW}', publication: 'lakesync_pgcheck_lp' }))],
        { env: { CHECK_LP_PW: u.password } });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^✔ publication "lakesync_pgcheck_lp": exists and publishes every table of the task$/m);
      assert.match(r.stdout, new RegExp(`^✔ user "${u.user}" may replicate \\(REPLICATION\\)$`, 'm'));
      assertCleanOutput(r, secrets);
    } finally {
      await pg.sql('DROP PUBLICATION lakesync_pgcheck_lp', [], { database: db });
    }
  });

  describe('the replication slot', () => {
    it('fails when another program streams from the task\'s slot, naming its process and the fix', async () => {
      const slot = uniqueName('slot');
      await pg.sql('CREATE PUBLICATION pub_in_use FOR TABLE public.orders', [], { database: db });
      await pg.sql("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [slot], { database: db });
      const recv = spawn(join(findPostgresBin(), 'pg_recvlogical'), ['-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', db,
        '--slot', slot, '--start', '-o', 'proto_version=1', '-o', 'publication_names=pub_in_use', '-f', '/dev/null'],
      { env: { ...process.env, PGPASSWORD: pg.password }, stdio: 'ignore' });
      try {
        await waitSlotActive(pg, slot); // pg_recvlogical takes the slot a moment after it starts
        const r = await runCli(['check', task(pg.source(db, { slot }))]);
        assert.equal(r.code, 1, r.stdout + r.stderr);
        const { line, fix } = failedCheck(r.stdout, `replication slot "${slot}"`);
        assert.match(line, /is in use by process \d+$/);
        assert.match(fix, /SELECT pg_terminate_backend\(\d+\);\) or choose another source\.slot/);
      } finally {
        recv.kill('SIGKILL');
        await new Promise((r) => recv.once('exit', r));
        for (let i = 0; i < 50; i++) {
          try { await pg.sql('SELECT pg_drop_replication_slot($1)', [slot]); break; } catch { await sleep(100); }
        }
        await pg.sql('DROP PUBLICATION pub_in_use', [], { database: db });
      }
    });

    it('fails when the slot exists with another output plugin', async () => {
      const slot = uniqueName('slot');
      await pg.sql("SELECT pg_create_logical_replication_slot($1, 'test_decoding')", [slot], { database: db });
      try {
        const r = await runCli(['check', task(pg.source(db, { slot }))]);
        assert.equal(r.code, 1, r.stdout + r.stderr);
        const { line, fix } = failedCheck(r.stdout, `replication slot "${slot}"`);
        assert.match(line, /exists but is logical \(test_decoding\)/);
        assert.equal(fix, `choose another source.slot, or drop it if nothing uses it: SELECT pg_drop_replication_slot('${slot}');`);
      } finally {
        await pg.sql('SELECT pg_drop_replication_slot($1)', [slot]);
      }
    });
  });

  describe('bad connection settings: one clear sentence, no stack, no password', () => {
    it('wrong password', async () => {
      const wrong = 'not-the-password-7f3a';
      const r = await runCli(['check', task(pg.source(db, { password: '${env:CHECK_WRONG_PW}' }))], { env: { CHECK_WRONG_PW: wrong } });
      assert.equal(r.code, 1);
      const { line } = failedCheck(r.stdout, 'connect to PostgreSQL');
      assert.match(line, /rejected the password for user "lakesync_admin".*check source\.user and source\.password$/);
      assertCleanOutput(r, [...secrets, wrong]);
    });

    it('wrong port', async () => {
      const port = await freePort();
      const r = await runCli(['check', task(pg.source(db, { port }))]);
      assert.equal(r.code, 1);
      const { line } = failedCheck(r.stdout, 'connect to PostgreSQL');
      assert.match(line, new RegExp(`cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}: connection refused; is the server running and is source\\.port right\\?$`));
      assertCleanOutput(r, secrets);
    });

    it('unknown database', async () => {
      const r = await runCli(['check', task(pg.source('no_such_db_here'))]);
      assert.equal(r.code, 1);
      const { line } = failedCheck(r.stdout, 'connect to PostgreSQL');
      assert.match(line, /database "no_such_db_here" does not exist on PostgreSQL at 127\.0\.0\.1:\d+; check source\.database/);
      assertCleanOutput(r, secrets);
    });
  });
});
