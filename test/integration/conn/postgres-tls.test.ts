// PostgreSQL over TLS, against a private server with ssl=on and certificates made by openssl:
// a role that may only connect encrypted (pg_hba hostnossl ... reject) syncs a snapshot, streams,
// survives kill -9 and resumes, so every connection the task opens (checks, discovery, snapshot
// readers, the replication connection) is encrypted and verified; the failures are one sentence.
import assert from 'node:assert/strict';
import { runCli, sleep, spawnCli, startPostgres, uniqueName, type ServerHandle } from '../../harness';
import { assertWorkloadEqual, createWorkload, e2eTask, targetRows, Writer } from '../postgres/e2e-helpers';
import { dropTestSlots, testDatabase } from '../postgres/helpers';
import { assertCleanOutput, parseJson } from '../check/helpers';

const TLS_ROLE = 'lakesync_tls';
const CERT_ROLE = 'lakesync_cert';

describe('PostgreSQL over TLS (source.tls)', function () {
  this.timeout(300_000);
  let server: ServerHandle;
  const password = 'tls-role-secret-7f3a';
  const env = { LAKESYNC_TEST_TLS_PASSWORD: password };

  before(async () => {
    server = await startPostgres({
      tls: true,
      hba: [
        `hostnossl all ${TLS_ROLE} 127.0.0.1/32 reject`, `hostnossl replication ${TLS_ROLE} 127.0.0.1/32 reject`,
        `hostssl all ${CERT_ROLE} 127.0.0.1/32 cert`, `hostssl replication ${CERT_ROLE} 127.0.0.1/32 cert`,
        `host all ${CERT_ROLE} 127.0.0.1/32 reject`, `host replication ${CERT_ROLE} 127.0.0.1/32 reject`,
      ],
    });
    await server.sql(`CREATE ROLE ${TLS_ROLE} LOGIN SUPERUSER PASSWORD '${password}'`);
    await server.sql(`CREATE ROLE ${CERT_ROLE} LOGIN SUPERUSER`);
  });
  afterEach(dropTestSlots);
  after(async () => { await server?.stop(); });

  const tlsSource = (db: string, tls: Record<string, unknown>, user = TLS_ROLE) => {
    const slot = uniqueName('ls_tls');
    return { ...server.source(db, { slot, publication: slot }), user, password: '${env:LAKESYNC_TEST_TLS_PASSWORD}', tls };
  };
  const verifyFull = () => ({ mode: 'verify-full', ca: server.tls!.ca, serverName: 'localhost' });

  it('verify-full: snapshot under writes, streaming, kill -9, resume: target equals source, every connection encrypted', async () => {
    const t = await testDatabase(server);
    await createWorkload(t, 20000);
    const task = e2eTask(t, { source: tlsSource(t.db, verifyFull()), snapshot: { concurrency: 3, chunkSize: 500 } });

    const check = await runCli(['check', task.file, '--json'], { env });
    const out = parseJson(check);
    assert.equal(out.ok, true, check.stdout);
    const tls = out.checks.find((c) => c.id === 'tls');
    assert.equal(tls?.status, 'ok', JSON.stringify(tls));
    assert.match(tls!.detail!, /^TLSv1\.[23], \S+; certificate verified against CA .*ca\.pem for the name localhost$/);

    const writer = new Writer(t);
    writer.start();
    const run = spawnCli(['run', task.file, '--json'], { env });
    try {
      await run.waitFor(/"chunksDone":[1-9]/, 120_000);
      // Every session of the task's role, the walsender included once streaming, is encrypted.
      const sessions = await server.sql<{ ssl: boolean; backend_type: string }>(
        'SELECT s.ssl, a.backend_type FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.usename = $1', [TLS_ROLE]);
      assert.ok(sessions.length > 0 && sessions.every((s) => s.ssl), JSON.stringify(sessions));
      run.kill('SIGKILL');
      await run.exited;
      const again = spawnCli(['run', task.file, '--json'], { env });
      await again.waitFor(/"phase":"incremental"/, 120_000);
      // Wait for the stream's walsender to show up (it starts a moment after the phase changes).
      let streaming: { ssl: boolean; backend_type: string }[] = [];
      for (let i = 0; i < 150 && !streaming.some((s) => s.backend_type === 'walsender'); i++) {
        if (i > 0) await sleep(200);
        streaming = await server.sql<{ ssl: boolean; backend_type: string }>(
          'SELECT s.ssl, a.backend_type FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.usename = $1', [TLS_ROLE]);
      }
      assert.ok(streaming.some((s) => s.backend_type === 'walsender'), JSON.stringify(streaming));
      await sleep(1000); // changes stream over the encrypted replication connection
      assert.ok(streaming.every((s) => s.ssl), JSON.stringify(streaming));
      again.kill('SIGKILL'); // mid-stream
      await again.exited;
    } finally {
      await writer.stop();
    }
    assert.ok(writer.transactions > 10, `writer made ${writer.transactions} transactions`);
    const res = await runCli(['run', task.file, '--until-caught-up'], { env, timeoutMs: 120_000 });
    assert.equal(res.code, 0, res.stderr);
    await assertWorkloadEqual(t, task.duckdb);
  });

  it('verify-full against a name the certificate does not carry fails with one sentence and the fix', async () => {
    const t = await testDatabase(server);
    await t.sql('CREATE TABLE a (id int PRIMARY KEY)');
    const task = e2eTask(t, { source: tlsSource(t.db, { mode: 'verify-full', ca: server.tls!.ca }) });
    const r = await runCli(['check', task.file], { env });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /the server's certificate is for localhost, not 127\.0\.0\.1: set tls\.serverName or connect by name/);
    assertCleanOutput(r, [password]);
    const run = await runCli(['run', task.file, '--until-caught-up'], { env });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /the server's certificate is for localhost, not 127\.0\.0\.1: set tls\.serverName or connect by name/);
  });

  it('verify-ca without the CA says the certificate is not signed by a trusted CA and to set tls.ca', async () => {
    const t = await testDatabase(server);
    const task = e2eTask(t, { source: tlsSource(t.db, { mode: 'verify-ca' }) });
    const r = await runCli(['check', task.file], { env });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /is not signed by any CA this machine trusts .*: set tls\.ca to the CA certificate that signed it/);
  });

  it('require without a CA connects encrypted, and check warns with the line that makes it verify-full', async () => {
    const t = await testDatabase(server);
    await t.sql('CREATE TABLE a (id int PRIMARY KEY, v text)');
    await t.sql("INSERT INTO a SELECT g, 'v' || g FROM generate_series(1, 500) g");
    const task = e2eTask(t, { source: tlsSource(t.db, { mode: 'require' }) });
    const r = await runCli(['check', task.file, '--json'], { env });
    const out = parseJson(r);
    assert.equal(out.ok, true, r.stdout);
    const tls = out.checks.find((c) => c.id === 'tls')!;
    assert.equal(tls.status, 'warn');
    assert.match(tls.detail!, /^TLSv1\.[23], .*certificate NOT verified \(tls\.mode require\).*the certificate is for localhost/);
    assert.match(tls.fix!, /tls: \{mode: verify-full, ca: certs\/ca\.pem, serverName: localhost\}/);
    const run = await runCli(['run', task.file, '--until-caught-up'], { env, timeoutMs: 120_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await targetRows(task.duckdb, 'SELECT count(*) FROM ods.a'), [['500']]);
    // prefer (the default) against a server with TLS: encrypted, not verified, same warning.
    const prefer = parseJson(await runCli(['check', e2eTask(t, { source: tlsSource(t.db, { mode: 'prefer' }) }).file, '--json'], { env }));
    assert.match(prefer.checks.find((c) => c.id === 'tls')!.detail!, /^TLSv1\.[23], .*certificate NOT verified \(tls\.mode prefer\)/);
  });

  it('disable against a role that may only connect over TLS fails clearly', async () => {
    const t = await testDatabase(server);
    const task = e2eTask(t, { source: tlsSource(t.db, { mode: 'disable' }) });
    const r = await runCli(['check', task.file], { env });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /accepts user "lakesync_tls" only over TLS .*but source\.tls\.mode is disable: set tls\.mode: verify-full/);
    assertCleanOutput(r, [password]);
  });

  it('a role that needs a client certificate: connects and syncs with tls.cert/tls.key, and says what is missing without them', async () => {
    const t = await testDatabase(server);
    await t.sql('CREATE TABLE a (id int PRIMARY KEY, v text)');
    await t.sql("INSERT INTO a SELECT g, 'v' || g FROM generate_series(1, 300) g");
    const client = server.tls!.client(CERT_ROLE);
    const withCert = e2eTask(t, { source: { ...tlsSource(t.db, { ...verifyFull(), cert: client.cert, key: client.key }, CERT_ROLE), password: '' } });
    const res = await runCli(['run', withCert.file, '--until-caught-up'], { env, timeoutMs: 120_000 });
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(await targetRows(withCert.duckdb, 'SELECT count(*) FROM ods.a'), [['300']]);

    const without = e2eTask(t, { source: { ...tlsSource(t.db, verifyFull(), CERT_ROLE), password: '' } });
    const r = await runCli(['check', without.file], { env });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /requires a client certificate for user "lakesync_cert" .*: set source\.tls\.cert and source\.tls\.key/);
  });
});
