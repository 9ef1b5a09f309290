// A source password never leaves the process that needs it: after check, preview, a run (full
// sync and streaming), status (live through the control socket and from the status file), control
// socket replies, and failing connections, nothing LakeSync produced holds the password: not the
// output, not the task folder (status file, DuckDB file including its _lakesync state tables, logs),
// not the temp folder.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { execFileSync } from 'node:child_process';
import {
  runCli, sharedMariadb, sharedPostgres, sleep, spawnCli, startMariadb, startSshd, tempDir, writeTask, type CliResult, type ServerHandle,
  type SshdHandle,
} from '../../harness';
import { sendControlRequest } from '../../../src/engine/runtime/control';
import { assertTablesEqual } from '../../support/compare';

// distinctive, with characters that quoting or URL encoding would change
const SECRET = 'Lk9-Pw!zQ7#secret$%&=xY';
const ENV = 'LAKESYNC_RELIABILITY_SECRET';
const forms = [SECRET, encodeURIComponent(SECRET), Buffer.from(SECRET).toString('base64'), SECRET.replace(/['"\\]/g, '\\$&')];

function findIn(text: string | Buffer, where: string, found: string[]): void {
  const buf = typeof text === 'string' ? Buffer.from(text) : text;
  for (const f of forms) if (buf.includes(Buffer.from(f))) found.push(`${where} contains ${JSON.stringify(f)}`);
}

/** Every file under `dir` (recursively), skipping the test servers' own folders. */
function files(dir: string, since: number, out: string[] = []): string[] {
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return out; }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (/^lakesync-test-(postgres|mariadb)-/.test(e.name)) continue; // the database servers' data, not ours
      files(p, since, out);
    } else if (e.isFile() || e.isSocket?.()) {
      try { if (statSync(p).mtimeMs >= since && statSync(p).size < 200 * 1024 * 1024 && e.isFile()) out.push(p); } catch { /* gone */ }
    }
  }
  return out;
}

/** Every table of the DuckDB file (target tables and _lakesync state) as text. */
async function dumpDuckdb(path: string): Promise<string> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  try {
    const tables = (await conn.runAndReadAll("SELECT schema_name, table_name FROM duckdb_tables()")).getRowObjectsJS();
    let text = '';
    for (const t of tables) {
      const q = `"${String(t.schema_name).replace(/"/g, '""')}"."${String(t.table_name).replace(/"/g, '""')}"`;
      const rows = (await conn.runAndReadAll(`SELECT * FROM ${q}`)).getRowsJson();
      text += `${q}\n${JSON.stringify(rows)}\n`;
    }
    return text;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

async function userWithSecret(server: ServerHandle): Promise<string> {
  const grants = server.kind === 'postgres' ? ['ALTER ROLE {user} SUPERUSER'] : ['GRANT ALL PRIVILEGES ON *.* TO {user}'];
  return (await server.createUser({ password: SECRET, grants })).user;
}

for (const kind of ['postgres', 'mariadb'] as const) {
  describe(`reliability: the source password appears nowhere (${kind})`, function () {
    this.timeout(180_000);
    let server: ServerHandle;
    let db: string;
    before(async () => {
      server = kind === 'postgres' ? await sharedPostgres() : await sharedMariadb();
      db = await server.createDatabase();
    });
    after(async () => { await server?.dropDatabase(db); });

    it('check, preview, run, status, control socket, failing connections: outputs, files and state are free of it', async () => {
      const started = Date.now() - 1000;
      const schema = kind === 'postgres' ? 'public' : db;
      const sql = (q: string) => server.sql(q, [], { database: db });
      await sql('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(40))');
      await sql("INSERT INTO t VALUES (1, 'one'), (2, 'two')");
      const user = await userWithSecret(server);
      const dir = tempDir('secrets');
      const lake = join(dir, 'lake.duckdb');
      const source = { ...server.source(db, kind === 'mariadb' ? { serverId: 6902 } : { slot: `lakesync_secret_${db}`.toLowerCase(), publication: `lakesync_secret_${db}`.toLowerCase() }),
        user, password: `\${env:${ENV}}` };
      const file = writeTask({ name: 'secret', source, mode: 'multi-table-mirror', tables: [`${schema}.t`],
        target: { type: 'duckdb', path: lake, namespace: 'ods' }, parameters: { flushIntervalMs: 200 } }, dir);
      const env = { [ENV]: SECRET };
      const outputs: { what: string; r: CliResult }[] = [];
      const cli = async (args: string[]) => { const r = await runCli(args, { env, timeoutMs: 90_000 }); outputs.push({ what: args.join(' '), r }); return r; };

      assert.equal((await cli(['check', file])).code, 0, outputs.at(-1)!.r.stdout);
      await cli(['check', file, '--json']);
      assert.equal((await cli(['preview', file])).code, 0);
      await cli(['preview', file, '--json']);

      const p = spawnCli(['run', file, '--json'], { env });
      await p.waitFor(/"phase":"incremental"/, 60_000);
      await sql("INSERT INTO t VALUES (3, 'three')");
      await sql("UPDATE t SET v = 'uno' WHERE id = 1");
      await sleep(1500);
      await cli(['status', file]);
      await cli(['status', file, '--json']);
      const replies: unknown[] = [];
      replies.push(await sendControlRequest(file, { type: 'status', id: 1 }));
      replies.push(await sendControlRequest(file, { type: 'query', id: 2, sql: 'SELECT * FROM duckdb_tables()' }));
      for (const t of ['checkpoint', 'tables', 'chunks', 'errors', 'operations', 'failovers', 'schema_history']) {
        replies.push(await sendControlRequest(file, { type: 'query', id: 3, sql: `SELECT * FROM _lakesync.${t}` }).catch((e: Error) => e.message));
      }
      assert.ok(replies[0], 'the running engine answered on its control socket');
      p.kill('SIGTERM');
      const run = await p.exited;
      outputs.push({ what: 'run (snapshot + stream)', r: run });
      assert.equal(run.code, 0, run.stderr);
      await cli(['status', file, '--json']);
      assert.equal((await cli(['run', file, '--until-caught-up'])).code, 0);
      await assertTablesEqual([{ server, database: db, table: { db: schema, table: 't' }, duckdbPath: lake }]);

      // failing connections that carry the secret: wrong port, unknown user
      const badPort = writeTask({ name: 'secret-port', source: { ...source, port: 1 }, mode: 'multi-table-mirror', tables: [`${schema}.t`],
        target: { type: 'duckdb', path: join(dir, 'bad.duckdb'), namespace: 'ods' } }, dir);
      const badUser = writeTask({ name: 'secret-user', source: { ...source, user: 'nobody_here' }, mode: 'multi-table-mirror', tables: [`${schema}.t`],
        target: { type: 'duckdb', path: join(dir, 'bad2.duckdb'), namespace: 'ods' } }, dir);
      for (const f of [badPort, badUser]) {
        assert.equal((await cli(['check', f])).code, 1);
        assert.notEqual((await cli(['run', f, '--until-caught-up'])).code, 0);
        await cli(['status', f, '--json']);
      }

      const found: string[] = [];
      for (const o of outputs) { findIn(o.r.stdout, `stdout of ${o.what}`, found); findIn(o.r.stderr, `stderr of ${o.what}`, found); }
      findIn(JSON.stringify(replies), 'control socket replies', found);
      findIn(await dumpDuckdb(lake), 'the DuckDB file (every table, as text)', found);
      // the temp folder: whatever LakeSync (engine, CLI, harness task folders) wrote there during the test
      const tmpEntries = readdirSync(tmpdir()).filter((e) => /lakesync/i.test(e) && !/^lakesync-test-(postgres|mariadb)-/.test(e));
      const tmpFiles = tmpEntries.flatMap((e) => {
        const p = join(tmpdir(), e);
        try { return statSync(p).isDirectory() ? files(p, started) : statSync(p).isFile() && statSync(p).mtimeMs >= started ? [p] : []; } catch { return []; }
      });
      const scanned = [...new Set([...files(dir, 0), ...tmpFiles])].filter((f) => !f.endsWith('.sync.yaml'));
      for (const f of scanned) {
        let bytes: Buffer;
        try { bytes = readFileSync(f); } catch { continue; } // removed meanwhile (another test's temp file)
        findIn(bytes, f, found);
      }
      assert.ok(scanned.some((f) => f.endsWith('.status.json')) && existsSync(lake), `the status file and the lakehouse were scanned: ${scanned.join(', ')}`);
      assert.deepEqual(found, [], found.join('\n'));
    });
  });
}

// The secrets of source.tls and source.ssh: private keys (as PEM text through ${secret:}) and their
// passphrases. A MariaDB that requires a client certificate, reached through an SSH tunnel with an
// encrypted key: check, preview, run (snapshot + stream), status and failing connections (a wrong
// passphrase each) leave none of them in any output, file or state.
describe('reliability: TLS and SSH keys and passphrases appear nowhere', function () {
  this.timeout(180_000);
  let server: ServerHandle;
  let sshd: SshdHandle;
  before(async () => { [server, sshd] = await Promise.all([startMariadb({ tls: true }), startSshd()]); });
  after(async () => { await Promise.all([server?.stop(), sshd?.stop()]); });

  it('check, preview, run, status, failing connections: outputs, files and state are free of them', async () => {
    const started = Date.now() - 1000;
    const db = await server.createDatabase();
    const sql = (q: string) => server.sql(q, [], { database: db });
    await sql('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(40))');
    await sql("INSERT INTO t VALUES (1, 'one'), (2, 'two')");
    await server.sql("CREATE USER 'ls_cert'@'%' IDENTIFIED BY 'pw' REQUIRE X509; GRANT ALL PRIVILEGES ON *.* TO 'ls_cert'@'%'");
    const dir = tempDir('secrets-keys');
    const client = server.tls!.client('ls_cert');
    const tlsPassphrase = 'Tls-Key-Pass!9#q';
    const encryptedTlsKey = join(dir, 'client-enc.key');
    execFileSync('openssl', ['pkey', '-in', client.key, '-aes256', '-passout', `pass:${tlsPassphrase}`, '-out', encryptedTlsKey]);
    const sshKeyText = readFileSync(sshd.encryptedClientKey, 'utf8');
    const tlsKeyText = readFileSync(encryptedTlsKey, 'utf8');
    // Distinctive pieces: a whole key body line of each key, and the passphrases.
    const secrets = [sshd.clientKeyPassphrase, tlsPassphrase, sshKeyText.split('\n')[2], tlsKeyText.split('\n')[2]];
    const env = {
      LAKESYNC_SECRET_SSH_KEY: sshKeyText, LAKESYNC_SECRET_SSH_PASS: sshd.clientKeyPassphrase,
      LAKESYNC_SECRET_TLS_KEY: tlsKeyText, LAKESYNC_SECRET_TLS_PASS: tlsPassphrase,
    };
    const source = {
      ...server.source(db, { serverId: 6903 }), user: 'ls_cert', password: 'pw',
      tls: { mode: 'verify-full', ca: server.tls!.ca, serverName: 'localhost', cert: client.cert, key: '${secret:tls-key}', keyPassphrase: '${secret:tls-pass}' },
      ssh: { host: sshd.host, port: sshd.port, user: sshd.user, privateKey: '${secret:ssh-key}', privateKeyPassphrase: '${secret:ssh-pass}', knownHosts: sshd.knownHosts },
    };
    const task = (name: string, src: Record<string, unknown>) => writeTask({ name, source: src, mode: 'multi-table-mirror', tables: [`${db}.t`],
      target: { type: 'duckdb', path: join(dir, `${name}.duckdb`), namespace: 'ods' }, parameters: { flushIntervalMs: 200 } }, dir);
    const file = task('keys', source);
    const outputs: { what: string; r: CliResult }[] = [];
    const cli = async (args: string[], e: Record<string, string> = env) => { const r = await runCli(args, { env: e, timeoutMs: 90_000 }); outputs.push({ what: args.join(' '), r }); return r; };

    const checked = await cli(['check', file, '--json']);
    assert.equal(checked.code, 0, checked.stdout);
    await cli(['check', file]);
    assert.equal((await cli(['preview', file])).code, 0);
    const p = spawnCli(['run', file, '--json'], { env });
    await p.waitFor(/"phase":"incremental"/, 60_000);
    await sql("INSERT INTO t VALUES (3, 'three')");
    await sleep(1500);
    await cli(['status', file, '--json']);
    p.kill('SIGTERM');
    const run = await p.exited;
    outputs.push({ what: 'run (snapshot + stream)', r: run });
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await cli(['run', file, '--until-caught-up'])).code, 0);
    await assertTablesEqual([{ server, database: db, table: { db, table: 't' }, duckdbPath: join(dir, 'keys.duckdb') }]);

    // Wrong passphrases: the errors say which one, and print neither.
    const wrongSsh = await cli(['check', file], { ...env, LAKESYNC_SECRET_SSH_PASS: `${sshd.clientKeyPassphrase}-wrong` });
    assert.equal(wrongSsh.code, 1);
    assert.match(wrongSsh.stdout, /privateKeyPassphrase does not decrypt source\.ssh\.privateKey/);
    const wrongTls = await cli(['check', file], { ...env, LAKESYNC_SECRET_TLS_PASS: `${tlsPassphrase}-wrong` });
    assert.equal(wrongTls.code, 1);
    assert.match(wrongTls.stdout, /the TLS client certificate or key cannot be used/);
    const bad = task('keys-bad', { ...source, port: 1 });
    assert.notEqual((await cli(['run', bad, '--until-caught-up'])).code, 0);

    const found: string[] = [];
    const look = (text: string | Buffer, where: string) => {
      const buf = typeof text === 'string' ? Buffer.from(text) : text;
      for (const s of secrets) if (buf.includes(Buffer.from(s))) found.push(`${where} contains a secret (${s.slice(0, 6)}...)`);
      findIn(buf, where, found);
    };
    for (const o of outputs) { look(o.r.stdout, `stdout of ${o.what}`); look(o.r.stderr, `stderr of ${o.what}`); }
    look(await dumpDuckdb(join(dir, 'keys.duckdb')), 'the DuckDB file (every table, as text)');
    const tmpEntries = readdirSync(tmpdir()).filter((e) => /lakesync/i.test(e) && !/^lakesync-test-(postgres|mariadb|sshd)-/.test(e));
    const scanned = [...new Set([...files(dir, 0), ...tmpEntries.flatMap((e) => {
      const p = join(tmpdir(), e);
      try { return statSync(p).isDirectory() ? files(p, started) : statSync(p).isFile() && statSync(p).mtimeMs >= started ? [p] : []; } catch { return []; }
    })])].filter((f) => !f.endsWith('.sync.yaml') && f !== encryptedTlsKey);
    for (const f of scanned) {
      let bytes: Buffer;
      try { bytes = readFileSync(f); } catch { continue; }
      look(bytes, f);
    }
    assert.ok(scanned.some((f) => f.endsWith('.status.json')), `the status file was scanned: ${scanned.join(', ')}`);
    assert.deepEqual(found, [], found.join('\n'));
  });
});
