// What a valid task file turns into: references resolved, defaults filled in, names derived.
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  defaultSlotName, deriveServerId, loadTask, secretEnvName, secretNames, TaskFileError, type SecretProvider,
} from '../../../src/engine/config';
import { TempDir, VALID_MYSQL, VALID_POSTGRES } from './helpers';

describe('task file resolution', () => {
  let dir: TempDir;
  beforeEach(() => { dir = new TempDir(); });
  afterEach(() => dir.remove());

  const failure = async (file: string, options = {}) => {
    const err = await loadTask(file, options).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof TaskFileError, `expected a TaskFileError, got ${err}`);
    return err;
  };

  it('resolves ${env:NAME} from the given environment', async () => {
    const plan = await loadTask(dir.write('shop.sync.yaml', VALID_MYSQL), { env: { SHOP_DB_PASSWORD: 's3cr3t' } });
    assert.equal(plan.source.password, 's3cr3t');
  });

  it('names a missing environment variable and where it is used', async () => {
    const file = dir.write('shop.sync.yaml', VALID_MYSQL);
    const err = await failure(file, { env: {} });
    assert.equal(err.diagnostics.length, 1);
    const [d] = err.diagnostics;
    assert.equal(`${d.line}:${d.column}-${d.endColumn}`, '7:13-36');
    assert.equal(d.message, 'environment variable SHOP_DB_PASSWORD is not set (used by source.password); set it before starting the task');
  });

  it('resolves several references inside one value and keeps $${ literal', async () => {
    const text = VALID_MYSQL.replace('host: 127.0.0.1', 'host: "${env:H}.${env:D}"').replace('${env:SHOP_DB_PASSWORD}', () => "'a$${b}c${env:P}'");
    const plan = await loadTask(dir.write('shop.sync.yaml', text), { env: { H: 'db', D: 'example.com', P: 'x' } });
    assert.equal(plan.source.host, 'db.example.com');
    assert.equal(plan.source.password, 'a${b}cx');
  });

  it('resolves ${secret:NAME} through the provider it is given', async () => {
    const asked: string[] = [];
    const secrets: SecretProvider = { get: async (name) => { asked.push(name); return name === 'shop-db' ? 'from-vault' : undefined; } };
    const plan = await loadTask(dir.write('pg.sync.yaml', VALID_POSTGRES), { secrets, env: {} });
    assert.equal(plan.source.password, 'from-vault');
    assert.deepEqual(asked, ['shop-db']);
  });

  it('the default secret provider reads LAKESYNC_SECRET_<NAME>', async () => {
    assert.equal(secretEnvName('shop-db'), 'LAKESYNC_SECRET_SHOP_DB');
    assert.equal(secretEnvName('team/prod.pg'), 'LAKESYNC_SECRET_TEAM_PROD_PG');
    const file = dir.write('pg.sync.yaml', VALID_POSTGRES);
    assert.equal((await loadTask(file, { env: { LAKESYNC_SECRET_SHOP_DB: 'pw' } })).source.password, 'pw');
    const err = await failure(file, { env: {} });
    assert.match(err.message, /pg\.sync\.yaml:5:13 secret 'shop-db' is not set \(used by source\.password\); .*LAKESYNC_SECRET_SHOP_DB/);
  });

  it('a provider that throws becomes a positioned error, not a crash', async () => {
    const secrets: SecretProvider = { get: () => { throw new Error('keychain locked'); } };
    const err = await failure(dir.write('pg.sync.yaml', VALID_POSTGRES), { secrets });
    assert.match(err.message, /secret 'shop-db' could not be read \(used by source\.password\): keychain locked/);
  });

  it('lists the secrets a task file references, ignoring comments', () => {
    assert.deepEqual(secretNames(VALID_POSTGRES + '# password: ${secret:old}\nexclude: ["${secret:x}.t"]\n'), ['shop-db', 'x']);
    assert.deepEqual(secretNames('source: [unclosed'), []);
  });

  it('fills in every default a user expects', async () => {
    const file = dir.write('orders.sync.yaml', 'source:\n  type: mysql\n  host: h\n  user: u\nmode: database-mirror\ndatabases: [shop]\n');
    const plan = await loadTask(file, { env: {} });
    assert.equal(plan.name, 'orders');
    assert.equal(plan.file, file);
    assert.deepEqual(plan.source, {
      type: 'mysql', host: 'h', port: 3306, user: 'u', password: '', serverId: deriveServerId('orders'),
      slot: 'lakesync_orders', publication: 'lakesync_orders', connectTimeoutMs: 10000, tls: { mode: 'prefer' },
    });
    assert.deepEqual(plan.target, { type: 'duckdb', path: join(dir.path, '.lakehouse', 'orders.duckdb'), namespace: 'ods' });
    assert.deepEqual(plan.rules, {
      newTables: 'sync', addColumn: 'apply', dropColumn: 'keep', renameColumn: 'apply', changeType: 'apply', dropTable: 'keep', keylessTables: 'sync',
      events: ['insert', 'update', 'delete', 'truncate'],
    });
    assert.deepEqual(plan.snapshot, { enabled: true, concurrency: 4, chunkSize: 50000 });
    assert.deepEqual(plan.parameters, { memoryMb: 1024, flushIntervalMs: 500, batchSize: 10000, maxTransactionChanges: 10000 });
    assert.deepEqual([plan.tables, plan.exclude, plan.virtualTables], [[], [], {}]);
    assert.equal(plan.warnings, undefined);
  });

  it('postgres: port 5432, slot and publication from the sanitized name', async () => {
    const plan = await loadTask(dir.write('Shop EU-1.sync.yaml', VALID_POSTGRES), { env: { LAKESYNC_SECRET_SHOP_DB: 'p' } });
    assert.equal(plan.name, 'Shop EU-1');
    assert.equal(plan.source.port, 5432);
    assert.equal(plan.source.database, 'shop');
    assert.equal(plan.source.slot, 'lakesync_shop_eu_1');
    assert.equal(plan.source.publication, 'lakesync_shop_eu_1');
  });

  it('keeps what the file sets, and resolves target.path against the task folder', async () => {
    const text = VALID_MYSQL + 'parameters:\n  flushIntervalMs: 250\n';
    const plan = await loadTask(dir.write('shop.sync.yaml', text), { env: { SHOP_DB_PASSWORD: 'x' } });
    assert.equal(plan.target.path, join(dir.path, '.lakehouse', 'shop.duckdb'));
    assert.deepEqual(plan.snapshot, { enabled: true, concurrency: 2, chunkSize: 1000 });
    assert.equal(plan.parameters.flushIntervalMs, 250);
    assert.deepEqual(plan.tables, ['shop.orders', 'shop.customers', 'shop.order_*']);
    assert.deepEqual(plan.exclude, ['shop.tmp_*']);
    const home = await loadTask(dir.write('h.sync.yaml', text.replace('.lakehouse/shop.duckdb', '~/lake/x.duckdb')), { env: { SHOP_DB_PASSWORD: 'x' } });
    assert.equal(home.target.path, join(homedir(), 'lake', 'x.duckdb'));
    const abs = await loadTask(dir.write('a.sync.yaml', text.replace('.lakehouse/shop.duckdb', '/srv/lake.duckdb')), { env: { SHOP_DB_PASSWORD: 'x' } });
    assert.equal(abs.target.path, '/srv/lake.duckdb');
  });

  it('carries warnings on the plan without failing', async () => {
    const plan = await loadTask(dir.write('shop.sync.yaml', VALID_MYSQL.replace('${env:SHOP_DB_PASSWORD}', 'literal')), { env: {} });
    assert.equal(plan.source.password, 'literal');
    assert.equal(plan.warnings?.length, 1);
    assert.match(plan.warnings![0], /shop\.sync\.yaml:7:13 warning: source\.password is written in plain text/);
  });

  it('derives a stable mysql server id from the name, clear of small ids', () => {
    assert.equal(deriveServerId('shop'), deriveServerId('shop'));
    assert.notEqual(deriveServerId('shop'), deriveServerId('shop2'));
    for (const name of ['', 'a', 'shop', 'x'.repeat(300), 'ünïcode']) {
      const id = deriveServerId(name);
      assert.ok(Number.isInteger(id) && id >= 5400 && id <= 4294967295, `${name}: ${id}`);
    }
    // Pinned: a changed derivation would silently give running tasks a new replica id.
    assert.equal(deriveServerId('shop'), 2823288257);
  });

  it('slot names stay valid and distinct when long names are cut to 63 characters', () => {
    const a = defaultSlotName('A'.repeat(80) + '1');
    const b = defaultSlotName('A'.repeat(80) + '2');
    assert.ok(a.length <= 63 && /^[a-z0-9_]+$/.test(a));
    assert.notEqual(a, b);
  });

  it('a missing file, a folder and a non-UTF-8 file are TaskFileErrors with a position', async () => {
    assert.match((await failure(join(dir.path, 'nope.sync.yaml'))).message, /nope\.sync\.yaml:1:1 the task file does not exist/);
    assert.match((await failure(dir.path)).message, /:1:1 is a folder/);
    const latin1 = dir.write('l.sync.yaml', Buffer.concat([Buffer.from('name: x\nsource:\n  host: caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    assert.match((await failure(latin1)).message, /l\.sync\.yaml:3:12 the file is not UTF-8 text/);
  });
});

describe('task file anchors', () => {
  it('x- keys hold anchors that aliases reuse', async () => {
    const dir = new TempDir();
    try {
      const text = 'x-unused: ${env:NOT_SET}\nx-common: &tables [shop.orders, shop.customers]\nsource: {type: mysql, host: h, user: u}\nmode: multi-table-mirror\ntables: *tables\nexclude: *tables\n';
      const plan = await loadTask(dir.write('a.sync.yaml', text), { env: {} });
      assert.deepEqual(plan.tables, ['shop.orders', 'shop.customers']);
      assert.deepEqual(plan.exclude, ['shop.orders', 'shop.customers']);
      assert.ok(!('x-common' in plan));
    } finally { dir.remove(); }
  });
});
