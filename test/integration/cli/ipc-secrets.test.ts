// Commands the extension spawns with --ipc (check, preview) get the password from the init
// message only: no LAKESYNC_SECRET_* variable exists, and nothing of it reaches their output.
import assert from 'node:assert/strict';
import { ensureBuilt, runWithInit, sharedPostgres, tempDir, writeTask, type ServerHandle } from '../../harness';

describe('commands spawned by the extension (--ipc) take secrets from init', function () {
  this.timeout(120_000);
  let pg: ServerHandle;
  let file: string;

  before(async () => {
    await ensureBuilt();
    pg = await sharedPostgres();
    const db = await pg.createDatabase();
    await pg.sql('CREATE TABLE public.items (id int PRIMARY KEY, name text)', [], { database: db });
    file = writeTask({ name: 'ipcsecret', source: pg.source(db, { password: '${secret:shop-db}' }), mode: 'multi-table-mirror',
      tables: ['public.items'], target: { path: 'lake.duckdb' } }, tempDir('ipc-secret'));
  });

  it('check connects with the password from init', async () => {
    const r = await runWithInit(['check', file, '--json'], { 'shop-db': pg.password });
    assert.equal(r.code, 0, r.out);
    assert.ok(!r.out.includes(pg.password), 'the password appears in the output');
  });

  it('preview lists the table with the password from init', async () => {
    const r = await runWithInit(['preview', file, '--json'], { 'shop-db': pg.password });
    assert.equal(r.code, 0, r.out);
    assert.equal(JSON.parse(r.out).tables[0].sources[0], 'public.items');
  });

  it('without the secret, check names the missing secret instead of connecting', async () => {
    const r = await runWithInit(['check', file], {});
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /shop-db/);
  });
});
