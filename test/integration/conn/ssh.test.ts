// SSH tunnels (source.ssh) through a real OpenSSH server the harness starts on a loopback port:
// a PostgreSQL task syncs and streams through the tunnel, survives the tunnel being killed
// mid-stream (re-established, counted as a failover) and ends equal; a MariaDB task syncs and
// streams through it; unknown and changed host keys are refused with the fingerprint and the fix.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, sharedMariadb, sleep, spawnCli, startSshd, tempDir, uniqueName, writeTask, type SshdHandle } from '../../harness';
import { assertWorkloadEqual, createWorkload, e2eTask, targetRows, Writer } from '../postgres/e2e-helpers';
import { dropTestSlots, testDatabase } from '../postgres/helpers';
import { assertCleanOutput, parseJson } from '../check/helpers';

describe('SSH tunnels (source.ssh)', function () {
  this.timeout(300_000);
  let sshd: SshdHandle;

  before(async () => { sshd = await startSshd(); });
  afterEach(dropTestSlots);
  after(async () => { await sshd?.stop(); });

  /** SSH logins the server accepted so far (one per tunnel). */
  const logins = () => (readFileSync(sshd.logFile, 'utf8').match(/Accepted publickey for /g) ?? []).length;
  const ssh = (over: Record<string, unknown> = {}) => ({
    host: sshd.host, port: sshd.port, user: sshd.user, privateKey: sshd.clientKey, knownHosts: sshd.knownHosts, keepaliveSeconds: 2, ...over,
  });

  it('PostgreSQL: snapshot and streaming through the tunnel; the tunnel killed mid-stream is re-established and the target ends equal', async () => {
    const t = await testDatabase();
    await createWorkload(t, 8000);
    const base = e2eTask(t);
    const task = e2eTask(t, { source: { ...t.server.source(t.db, { slot: base.slot, publication: base.slot }), ssh: ssh() } });

    const check = await runCli(['check', task.file, '--json']);
    const out = parseJson(check);
    assert.equal(out.ok, true, check.stdout);
    const tunnel = out.checks.find((c) => c.id === 'ssh_tunnel');
    assert.equal(tunnel?.status, 'ok', JSON.stringify(out.checks));
    assert.equal(tunnel!.detail, `up; host key ${sshd.hostKeyFingerprint} verified by ${sshd.knownHosts}:1`);

    const writer = new Writer(t);
    writer.start();
    const before = logins();
    const run = spawnCli(['run', task.file, '--json']);
    try {
      await run.waitFor(/"phase":"incremental"/, 120_000);
      await sleep(1500);
      // One SSH session carries the 4 snapshot readers, discovery and the replication connection.
      assert.equal(logins() - before, 1, 'one tunnel for the whole task');
      // Every connection of the task goes through the tunnel: killing sshd's sessions cuts them all.
      assert.ok(sshd.killSessions() > 0, 'the task has an SSH session');
      await run.waitFor(/"message":"SSH tunnel through .* re-established/, 60_000);
      await run.waitFor(/"failovers":[1-9]/, 60_000);
      await sleep(2000); // streaming again, through the new tunnel
      assert.equal(logins() - before, 2, 'the tunnel was re-established once, not once per connection');
    } finally {
      await writer.stop();
    }
    await sleep(1000);
    run.kill('SIGTERM');
    const res = await run.exited;
    assert.equal(res.code, 0, res.stderr);
    assert.ok(writer.transactions > 20, `writer made ${writer.transactions} transactions`);
    const done = await runCli(['run', task.file, '--until-caught-up'], { timeoutMs: 120_000 });
    assert.equal(done.code, 0, done.stderr);
    await assertWorkloadEqual(t, task.duckdb);
  });

  it('MariaDB: snapshot and binlog streaming through the tunnel (killed once), with an encrypted key and its passphrase', async () => {
    const my = await sharedMariadb();
    const db = await my.createDatabase();
    await my.sql('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))', [], { database: db });
    await my.sql(`INSERT INTO t VALUES ${Array.from({ length: 3000 }, (_, i) => `(${i}, 'v${i}')`).join(',')}`, [], { database: db });
    const dir = tempDir('ssh-maria');
    const file = writeTask({
      name: uniqueName('sshmy'),
      source: { ...my.source(db), ssh: ssh({ privateKey: sshd.encryptedClientKey, privateKeyPassphrase: '${secret:bastion-passphrase}' }) },
      mode: 'multi-table-mirror', tables: [`${db}.t`], target: { path: 'lake.duckdb' },
    }, dir);
    const env = { LAKESYNC_SECRET_BASTION_PASSPHRASE: sshd.clientKeyPassphrase };
    const run = spawnCli(['run', file, '--json'], { env });
    await run.waitFor(/"phase":"incremental"/, 120_000);
    await my.sql("UPDATE t SET v = 'changed' WHERE id % 10 = 0; DELETE FROM t WHERE id % 7 = 0; INSERT INTO t VALUES (5000, 'new')", [], { database: db });
    await sleep(2000); // the changes stream through the tunnel
    // The binlog connection dies with the tunnel; the reader reconnects through a new one.
    assert.ok(sshd.killSessions() > 0);
    await my.sql("UPDATE t SET v = 'after' WHERE id % 11 = 0", [], { database: db });
    await run.waitFor(/"message":"SSH tunnel through .* re-established/, 60_000);
    await sleep(3000);
    run.kill('SIGTERM');
    const res = await run.exited;
    assert.equal(res.code, 0, res.stderr);
    // Whatever the graceful stop left, a run until caught up (through the tunnel again) applies.
    const caughtUp = await runCli(['run', file, '--until-caught-up'], { env, timeoutMs: 120_000 });
    assert.equal(caughtUp.code, 0, caughtUp.stderr);
    for (const out of [res.stdout, res.stderr, caughtUp.stdout, caughtUp.stderr]) {
      assert.ok(!out.includes(sshd.clientKeyPassphrase), 'the passphrase is never printed');
    }
    const src = (await my.sql<{ id: number; v: string }>('SELECT id, v FROM t ORDER BY id', [], { database: db })).map((r) => `${r.id}|${r.v}`);
    const dst = (await targetRows(join(dir, 'lake.duckdb'), "SELECT CAST(id AS VARCHAR) || '|' || v FROM ods.t ORDER BY id")).map((r) => r[0]);
    assert.equal(dst.length, 3000 - 429 + 1);
    assert.ok(dst.some((r) => r?.endsWith('|after')), 'changes made while the tunnel was down arrived');
    assert.deepEqual(dst, src);

    const noPass = writeTask({ name: uniqueName('sshmy'), source: { ...my.source(db), ssh: ssh({ privateKey: sshd.encryptedClientKey }) },
      mode: 'multi-table-mirror', tables: [`${db}.t`], target: { path: 'lake.duckdb' } }, tempDir('ssh-maria'));
    const r = await runCli(['check', noPass]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /source\.ssh\.privateKey is encrypted: set source\.ssh\.privateKeyPassphrase/);
  });

  it('refuses an unknown host key and a changed one, with the fingerprint and the fix; trustUnknownHostKey connects and warns', async () => {
    const t = await testDatabase();
    await t.sql('CREATE TABLE a (id int PRIMARY KEY)');
    const dir = tempDir('ssh-keys');
    const empty = join(dir, 'known_hosts_empty');
    writeFileSync(empty, '');
    const other = join(dir, 'known_hosts_other');
    writeFileSync(other, `[127.0.0.1]:${sshd.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n`);
    const task = (sshOver: Record<string, unknown>) => e2eTask(t, { source: { ...t.server.source(t.db, { slot: uniqueName('ls_ssh') }), ssh: ssh(sshOver) } }, dir).file;

    const unknown = await runCli(['check', task({ knownHosts: empty })]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stdout, new RegExp(`the SSH host key of 127\\.0\\.0\\.1:${sshd.port} \\(${sshd.hostKeyFingerprint.replace(/[+/]/g, '\\$&')}\\) is unknown: .*set ssh\\.hostKey: ${sshd.hostKeyFingerprint.replace(/[+/]/g, '\\$&')}`));
    assertCleanOutput(unknown, []);

    const changed = await runCli(['check', task({ knownHosts: other })]);
    assert.equal(changed.code, 1);
    assert.match(changed.stdout, /the SSH host key of 127\.0\.0\.1:\d+ CHANGED: it is now SHA256:\S+, and .*known_hosts_other:1 lists another key/);

    const pinnedWrong = await runCli(['check', task({ knownHosts: undefined, hostKey: 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s' })]);
    assert.equal(pinnedWrong.code, 1);
    assert.match(pinnedWrong.stdout, /is SHA256:\S+, not the source\.ssh\.hostKey SHA256:uNiV/);

    const pinned = await runCli(['check', task({ knownHosts: undefined, hostKey: sshd.hostKeyFingerprint }), '--json']);
    assert.equal(parseJson(pinned).checks.find((c) => c.id === 'ssh_tunnel')?.status, 'ok', pinned.stdout);

    const trusted = await runCli(['check', task({ knownHosts: empty, trustUnknownHostKey: true }), '--json']);
    const tr = parseJson(trusted).checks.find((c) => c.id === 'ssh_tunnel');
    assert.equal(tr?.status, 'warn', trusted.stdout);
    assert.equal(tr!.fix, `after checking the fingerprint with the bastion's admin, set in source.ssh:\nhostKey: ${sshd.hostKeyFingerprint}`);
  });
});
