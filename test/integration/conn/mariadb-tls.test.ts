// MariaDB over TLS, against a private server with --ssl-* and certificates made by openssl: a user
// that REQUIRES X509 (a client certificate, so every connection must be TLS, the binlog one too)
// syncs a snapshot, streams, survives kill -9 and resumes; the failures are one sentence.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, sleep, spawnCli, startMariadb, tempDir, uniqueName, writeTask, type ServerHandle } from '../../harness';
import { targetRows } from '../postgres/e2e-helpers';
import { assertCleanOutput, parseJson } from '../check/helpers';

describe('MariaDB over TLS (source.tls)', function () {
  this.timeout(300_000);
  let server: ServerHandle;
  const password = 'tls-user-secret-91c2';
  const env = { LAKESYNC_TEST_TLS_PASSWORD: password };

  before(async () => {
    server = await startMariadb({ tls: true });
    await server.sql(`CREATE USER 'ls_x509'@'%' IDENTIFIED BY '${password}' REQUIRE X509; GRANT ALL PRIVILEGES ON *.* TO 'ls_x509'@'%'`);
    await server.sql(`CREATE USER 'ls_ssl'@'%' IDENTIFIED BY '${password}' REQUIRE SSL; GRANT ALL PRIVILEGES ON *.* TO 'ls_ssl'@'%'`);
    await server.sql(`CREATE USER 'ls_plain'@'%' IDENTIFIED BY '${password}'; GRANT ALL PRIVILEGES ON *.* TO 'ls_plain'@'%'`);
  });
  after(async () => { await server?.stop(); });

  const task = (db: string, user: string, tls: Record<string, unknown>) => {
    const dir = tempDir('maria-tls');
    const file = writeTask({
      name: uniqueName('mtls'),
      source: { ...server.source(db), user, password: '${env:LAKESYNC_TEST_TLS_PASSWORD}', tls },
      mode: 'multi-table-mirror', tables: [`${db}.*`],
      target: { path: 'lake.duckdb', namespace: 'ods' },
      snapshot: { concurrency: 2, chunkSize: 500 },
    }, dir);
    return { file, duckdb: join(dir, 'lake.duckdb') };
  };
  const verifyFull = (withClientCert = true) => {
    const c = server.tls!.client('ls_x509');
    return { mode: 'verify-full', ca: server.tls!.ca, serverName: 'localhost', ...(withClientCert ? { cert: c.cert, key: c.key } : {}) };
  };

  it('verify-full with a client certificate: snapshot, streaming, kill -9, resume: target equals source', async () => {
    const db = await server.createDatabase();
    const sql = (q: string) => server.sql(q, [], { database: db });
    await sql('CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(40), n BIGINT)');
    for (let b = 0; b < 8; b++) {
      await sql(`INSERT INTO items VALUES ${Array.from({ length: 1000 }, (_, i) => `(${b * 1000 + i}, 'v${b * 1000 + i}', ${i})`).join(',')}`);
    }
    const t = task(db, 'ls_x509', verifyFull());
    const check = await runCli(['check', t.file, '--json'], { env });
    const out = parseJson(check);
    assert.equal(out.ok, true, check.stdout);
    const tls = out.checks.find((c) => c.id === 'tls');
    assert.equal(tls?.status, 'ok', JSON.stringify(tls));
    assert.match(tls!.detail!, /^TLSv1\.[23], \S+; certificate verified against CA .*ca\.pem for the name localhost$/);

    let stop = false;
    let writes = 0;
    const writer = (async () => {
      for (let i = 1; !stop; i++) {
        await sql(`INSERT INTO items VALUES (${100000 + i}, 'w', ${i}); UPDATE items SET n = n + 1 WHERE id = ${i * 3}; DELETE FROM items WHERE id = ${i * 5 + 1}`);
        writes++;
        await sleep(5);
      }
    })();
    try {
      const a = spawnCli(['run', t.file, '--json'], { env });
      await a.waitFor(/"chunksDone":[1-9]/, 120_000);
      a.kill('SIGKILL'); // during the snapshot
      await a.exited;
      const b = spawnCli(['run', t.file, '--json'], { env });
      await b.waitFor(/"phase":"incremental"/, 120_000);
      await sleep(2500); // streaming over the encrypted binlog connection
      b.kill('SIGKILL');
      await b.exited;
    } finally {
      stop = true;
      await writer;
    }
    assert.ok(writes > 10, `writer made ${writes} transactions`);
    const res = await runCli(['run', t.file, '--until-caught-up'], { env, timeoutMs: 120_000 });
    assert.equal(res.code, 0, res.stderr);
    const src = (await sql('SELECT id, v, n FROM items ORDER BY id')).map((r: Record<string, unknown>) => `${r.id}|${r.v}|${r.n}`);
    const dst = (await targetRows(t.duckdb, "SELECT CAST(id AS VARCHAR) || '|' || v || '|' || CAST(n AS VARCHAR) FROM ods.items ORDER BY id")).map((r) => r[0]);
    assert.equal(new Set(dst).size, dst.length, 'no duplicates');
    assert.deepEqual(dst, src);
  });

  it('verify-full against a name the certificate does not carry fails with one sentence and the fix', async () => {
    const db = await server.createDatabase();
    const t = task(db, 'ls_ssl', { mode: 'verify-full', ca: server.tls!.ca });
    const r = await runCli(['check', t.file], { env });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /the server's certificate is for localhost, not 127\.0\.0\.1: set tls\.serverName or connect by name/);
    assertCleanOutput(r, [password]);
  });

  it('require without a CA connects encrypted (a REQUIRE SSL user), and check warns with the verify-full line', async () => {
    const db = await server.createDatabase();
    await server.sql('CREATE TABLE a (id INT PRIMARY KEY, v TEXT); INSERT INTO a VALUES (1, \'x\'), (2, \'y\')', [], { database: db });
    const t = task(db, 'ls_ssl', { mode: 'require' });
    const r = await runCli(['check', t.file, '--json'], { env });
    const out = parseJson(r);
    assert.equal(out.ok, true, r.stdout);
    const tls = out.checks.find((c) => c.id === 'tls')!;
    assert.equal(tls.status, 'warn');
    assert.match(tls.detail!, /certificate NOT verified \(tls\.mode require\)/);
    assert.match(tls.fix!, /tls: \{mode: verify-full, ca: certs\/ca\.pem, serverName: localhost\}/);
    const run = await runCli(['run', t.file, '--until-caught-up'], { env, timeoutMs: 120_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await targetRows(t.duckdb, 'SELECT count(*) FROM ods.a'), [['2']]);
  });

  it('disable against a server that requires TLS (require_secure_transport) fails clearly', async () => {
    const db = await server.createDatabase();
    const t = task(db, 'ls_plain', { mode: 'disable' });
    await server.sql('SET GLOBAL require_secure_transport = ON');
    try {
      const r = await runCli(['check', t.file], { env });
      assert.equal(r.code, 1);
      assert.match(r.stdout, /accepts user "ls_plain" only over TLS \(require_secure_transport or REQUIRE SSL\), but source\.tls\.mode is disable: set tls\.mode: verify-full/);
      assertCleanOutput(r, [password]);
    } finally {
      await server.sql('SET GLOBAL require_secure_transport = OFF');
    }
    const r = await runCli(['check', task(db, 'ls_ssl', { mode: 'disable' }).file], { env });
    assert.match(r.stdout, /accepts user "ls_ssl" only over TLS/);
  });
});
