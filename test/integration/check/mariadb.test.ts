// `lakesync check` against real MariaDB servers: a correct one passes; a server without the row
// binlog and a user without replication privileges fail with the lines that fix them; bad
// connection settings give one clear sentence.
import assert from 'node:assert/strict';
import { freePort } from '../../harness/servers/process';
import { runCli, sharedMariadb, startMariadb, uniqueName, writeTask, type ServerHandle } from '../../harness';
import { assertCleanOutput, failedCheck, parseJson } from './helpers';

describe('lakesync check (MariaDB)', function () {
  this.timeout(120_000);
  let my: ServerHandle;
  let db: string;
  const secrets: string[] = [];

  before(async () => {
    my = await sharedMariadb();
    secrets.push(my.password);
    db = await my.createDatabase(uniqueName('check'));
    await my.sql(`CREATE TABLE orders (id bigint PRIMARY KEY, total decimal(12,2));
                  CREATE TABLE audit_log (at datetime(6), what text);`, [], { database: db });
  });

  const task = (source: Record<string, unknown>, tables: string[]) =>
    writeTask({ name: 'mycheck', source, mode: 'multi-table-mirror', tables, target: { path: 'lake.duckdb' } });

  it('passes on a server with a ROW/FULL binlog and an admin user, and exits 0', async () => {
    const r = await runCli(['check', task(my.source(db), [`${db}.orders`])]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const ok of ['binary log on (log_bin = ON)', 'binlog_format = ROW', 'binlog_row_image = FULL', 'binlog_row_metadata = FULL']) {
      assert.ok(r.stdout.split('\n').includes(`✔ ${ok}`), `expected ✔ ${ok} in:\n${r.stdout}`);
    }
    assert.match(r.stdout, /^✔ user 'lakesync_admin'@'%' may read the binlog \(REPLICATION SLAVE, BINLOG MONITOR\)$/m);
    assert.doesNotMatch(r.stdout, /^(✘|!(?! TLS: not encrypted))/m); // the shared server has no TLS: only that warning
    assertCleanOutput(r, secrets);
  });

  it('lists a table without primary key, as a warning (exit 0)', async () => {
    const r = await runCli(['check', task(my.source(db), [`${db}.*`]), '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const pk = parseJson(r).checks.find((c) => c.id === 'primary_keys');
    assert.equal(pk?.status, 'warn');
    assert.equal(pk?.detail, `without primary key: ${db}.audit_log`);
  });

  it('passes for a least-privilege user: REPLICATION SLAVE, BINLOG MONITOR, SELECT on the database', async () => {
    const u = await my.createUser({ grants: ['GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO {user}', `GRANT SELECT ON \`${db}\`.* TO {user}`] });
    secrets.push(u.password);
    const r = await runCli(['check', task(my.source(db, { user: u.user, password: '${env:CHECK_MY_LP_PW}' }), [`${db}.orders`])],
      { env: { CHECK_MY_LP_PW: u.password } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout, /^(✘|!(?! TLS: not encrypted))/m); // the shared server has no TLS: only that warning
    assertCleanOutput(r, secrets);
  });

  describe('a server without binlog (and statement-based, minimal images)', () => {
    let bare: ServerHandle;
    before(async () => {
      bare = await startMariadb({ binlog: false, binlogFormat: 'MIXED', binlogRowImage: 'MINIMAL',
        args: ['--binlog-expire-logs-seconds=3600'] });
      secrets.push(bare.password);
      await bare.sql('CREATE DATABASE shop; CREATE TABLE shop.t (id int primary key)');
    });
    after(async () => { await bare?.stop(); });

    it('exits 1 with the [mysqld] lines and SET GLOBAL statements that fix it', async () => {
      const r = await runCli(['check', task(bare.source('shop'), ['shop.t'])]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const logBin = failedCheck(r.stdout, 'binary log on (log_bin = ON)');
      assert.match(logBin.fix, /^\[mysqld\]\nlog_bin = mysql-bin\nserver_id = 1\nbinlog_format = ROW\nbinlog_row_image = FULL\nbinlog_row_metadata = FULL\n/);
      assert.match(failedCheck(r.stdout, 'binlog_format = ROW').fix, /^SET GLOBAL binlog_format = 'ROW';/);
      assert.match(failedCheck(r.stdout, 'binlog_row_image = FULL').fix, /^SET GLOBAL binlog_row_image = 'FULL';/);
      assert.match(r.stdout, /^! binlog retention of at least 1 day: binlogs are kept only 1\.0 hour\(s\)/m);
      assert.match(r.stdout, /The task cannot run: 3 checks failed\./);
      assertCleanOutput(r, secrets);
    });
  });

  describe('a user with SELECT only', () => {
    let user: { user: string; password: string };
    before(async () => {
      user = await my.createUser({ grants: [`GRANT SELECT ON \`${db}\`.orders TO {user}`] });
      secrets.push(user.password);
    });

    it('gets the GRANT REPLICATION SLAVE, BINLOG MONITOR fix, and GRANT SELECT for a table it may not read', async () => {
      const r = await runCli(['check', task(my.source(db, { user: user.user, password: '${env:CHECK_MY_USER_PW}' }),
        [`${db}.orders`, `${db}.audit_log`])], { env: { CHECK_MY_USER_PW: user.password } });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const repl = failedCheck(r.stdout, `user '${user.user}'@'%' may read the binlog`);
      assert.equal(repl.fix, `GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO '${user.user}'@'%';`);
      const sel = failedCheck(r.stdout, `user '${user.user}'@'%' may read the tables (SELECT)`);
      assert.match(sel.line, new RegExp(`no SELECT on ${db}\\.audit_log$`));
      assert.equal(sel.fix, `GRANT SELECT ON \`${db}\`.* TO '${user.user}'@'%';`);
      assertCleanOutput(r, secrets);
    });
  });

  describe('bad connection settings: one clear sentence, no stack, no password', () => {
    it('wrong password', async () => {
      const wrong = 'not-the-password-9c1e';
      const r = await runCli(['check', task(my.source(db, { password: '${env:CHECK_WRONG_PW}' }), [`${db}.orders`])],
        { env: { CHECK_WRONG_PW: wrong } });
      assert.equal(r.code, 1);
      const { line } = failedCheck(r.stdout, 'connect to MySQL/MariaDB');
      assert.match(line, /rejected user "lakesync_admin" \(wrong password, or no such user for this client host\); check source\.user and source\.password$/);
      assertCleanOutput(r, [...secrets, wrong]);
    });

    it('unknown user', async () => {
      const r = await runCli(['check', task(my.source(db, { user: 'nobody_here' }), [`${db}.orders`])]);
      assert.equal(r.code, 1);
      assert.match(failedCheck(r.stdout, 'connect to MySQL/MariaDB').line, /rejected user "nobody_here"/);
      assertCleanOutput(r, secrets);
    });

    it('wrong port', async () => {
      const port = await freePort();
      const r = await runCli(['check', task(my.source(db, { port }), [`${db}.orders`])]);
      assert.equal(r.code, 1);
      const { line } = failedCheck(r.stdout, 'connect to MySQL/MariaDB');
      assert.match(line, new RegExp(`cannot reach MySQL/MariaDB at 127\\.0\\.0\\.1:${port}: connection refused; is the server running and is source\\.port right\\?$`));
      assertCleanOutput(r, secrets);
    });

    it('unknown database', async () => {
      const r = await runCli(['check', task(my.source('no_such_db_here'), ['no_such_db_here.t'])]);
      assert.equal(r.code, 1);
      const { line } = failedCheck(r.stdout, 'connect to MySQL/MariaDB');
      assert.match(line, /database "no_such_db_here" does not exist on MySQL\/MariaDB at 127\.0\.0\.1:\d+; check source\.database/);
      assertCleanOutput(r, secrets);
    });
  });
});
