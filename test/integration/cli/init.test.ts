// `lakesync init`: the starter task file a CLI user writes without the extension. It passes
// `lakesync check` against a real server and runs as written; init never overwrites a file and
// never writes a password, only the reference to where it is.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { runCli, sharedPostgres, tempDir, uniqueName } from '../../harness';

describe('lakesync init', function () {
  this.timeout(180_000);

  it('writes a commented task file that checks and runs against a real PostgreSQL, password as ${env:NAME}', async () => {
    const pg = await sharedPostgres();
    const db = await pg.createDatabase(uniqueName('init'));
    await pg.sql('CREATE TABLE orders (id int PRIMARY KEY, total numeric(10,2))', [], { database: db });
    await pg.sql('INSERT INTO orders VALUES (1, 9.99), (2, 20.00)', [], { database: db });
    const dir = tempDir('init');
    const file = join(dir, 'orders.sync.yaml');
    const res = await runCli(['init', file, '--source', 'postgres', '--host', pg.host, '--port', String(pg.port), '--user', pg.user,
      '--database', db, '--password-env', pg.passwordEnv]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /wrote .*orders\.sync\.yaml/);
    const text = readFileSync(file, 'utf8');
    assert.match(text, new RegExp(`password: \\$\\{env:${pg.passwordEnv}\\}`));
    assert.ok(!text.includes(pg.password), 'the password itself is never written');
    assert.match(text, /^# LakeSync task/m, 'a commented starter');
    const check = await runCli(['check', file], { timeoutMs: 60_000 });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    const run = await runCli(['run', file, '--until-caught-up'], { timeoutMs: 120_000 });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const duck = await DuckDBInstance.create(join(dir, '.lakehouse', 'orders.duckdb'), { access_mode: 'READ_ONLY' });
    try {
      const c = await duck.connect();
      const rows = (await c.runAndReadAll('SELECT id::VARCHAR, total::VARCHAR FROM ods.orders ORDER BY id')).getRowsJS();
      c.closeSync();
      assert.deepEqual(rows, [['1', '9.99'], ['2', '20.00']]);
    } finally {
      duck.closeSync();
    }
    await pg.sql(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1`, [db]);
  });

  it('never overwrites a file, and refuses names that are not task files', async () => {
    const dir = tempDir('init');
    const file = join(dir, 'shop.sync.yaml');
    writeFileSync(file, 'name: mine\n');
    const res = await runCli(['init', file, '--source', 'mysql']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /exists already; init never overwrites/);
    assert.equal(readFileSync(file, 'utf8'), 'name: mine\n');
    const bad = await runCli(['init', join(dir, 'shop.yaml'), '--source', 'mysql']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /task files end in \.sync\.yaml/);
    const none = await runCli(['init', '--host', 'x'], { cwd: dir });
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /--source postgres or --source mysql/);
  });

  it('--from-url fills the source but leaves its password out; mysql + iceberg + a folder as FILE', async () => {
    const dir = tempDir('init');
    const res = await runCli(['init', dir, '--from-url', 'mysql://app:TopSecret42@db.example.com:3307/shop?ssl-mode=REQUIRED', '--target', 'iceberg', '--mode', 'database-mirror']);
    assert.equal(res.code, 0, res.stderr);
    const text = readFileSync(join(dir, 'shop.sync.yaml'), 'utf8');
    assert.ok(!text.includes('TopSecret42') && !res.stdout.includes('TopSecret42') && !res.stderr.includes('TopSecret42'), 'the URL password goes nowhere');
    assert.match(text, /host: db\.example\.com/);
    assert.match(text, /port: 3307/);
    assert.match(text, /user: app/);
    assert.match(text, /mode: require/);
    assert.match(text, /type: iceberg/);
    assert.match(text, /databases: \[shop\]/);
    assert.match(text, /password: \$\{env:SHOP_DB_PASSWORD\}/);
    assert.match(res.stdout, /password in --from-url was not written/);
    // the file is valid as written: check goes past the task file to the (unreachable) server
    const check = await runCli(['check', join(dir, 'shop.sync.yaml'), '--json'], { timeoutMs: 60_000, env: { SHOP_DB_PASSWORD: 'x' } });
    assert.doesNotMatch(check.stdout + check.stderr, /task file|schema|\.sync\.yaml:\d+:\d+/i, check.stdout + check.stderr);
  });
});
