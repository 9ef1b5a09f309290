// The PostgreSQL source at the adapter level, on a real server: the snapshot reads exactly the
// rows committed before the slot, the stream carries every later change in order, and both
// paths print every type the same way.
import assert from 'node:assert/strict';
import { UserError } from '../../../src/engine/errors';
import type { RowChange } from '../../../src/engine/pipeline/events';
import { comparePositions, lsn, parseLsn } from '../../../src/engine/positions';
import { createPostgresSource, type PostgresSource } from '../../../src/engine/source/postgres';
import type { SourceTable } from '../../../src/engine/source/types';
import { waitUntil } from '../../harness';
import { Collector, testDatabase, type PgTestDb, dropTestSlots, waitSlotActive } from './helpers';

async function readAll(src: PostgresSource, tables: SourceTable[], chunkSize = 1000, concurrency = 4) {
  const session = await src.openSnapshot(tables, concurrency);
  const out = new Map<string, (string | null | undefined)[][]>();
  try {
    for (const t of tables) {
      const chunks = await session.planChunks(t, chunkSize);
      const rows: (string | null | undefined)[][] = [];
      await Promise.all(chunks.map((c) => session.readChunk(t, c, (r) => { rows.push(...r); })));
      out.set(t.id.table, rows);
    }
  } finally {
    await session.close();
  }
  return { rows: out, streamStart: session.streamStart };
}

describe('PostgreSQL source (adapter)', function () {
  this.timeout(120_000);
  let t: PgTestDb;
  let src: PostgresSource;
  beforeEach(async () => { t = await testDatabase(); });
  afterEach(async () => { await src?.close(); await dropTestSlots(); });

  it('snapshot holds exactly the rows committed before the slot; the stream carries the rest, in order', async () => {
    await t.sql('CREATE TABLE items (id int PRIMARY KEY, name text, qty int)');
    await t.sql("INSERT INTO items SELECT g, 'n' || g, g FROM generate_series(1, 2500) g");
    src = createPostgresSource(t.plan());
    const tables = await src.discover();
    assert.deepEqual(tables.map((x) => x.id.table), ['items']);
    const { rows, streamStart } = await readAll(src, tables, 1000);
    const items = rows.get('items')!;
    assert.equal(items.length, 2500);
    assert.deepEqual(items.map((r) => Number(r[0])).sort((a, b) => a - b), Array.from({ length: 2500 }, (_, i) => i + 1));
    assert.deepEqual(items.find((r) => r[0] === '7'), ['7', 'n7', '7']);

    await t.sql("INSERT INTO items VALUES (2501, 'new', 1)");
    await t.sql("UPDATE items SET name = 'changed' WHERE id = 3");
    await t.sql('UPDATE items SET id = 9999 WHERE id = 4');
    await t.sql('DELETE FROM items WHERE id = 5');
    await t.sql('TRUNCATE items');
    const col = new Collector();
    const handle = await src.stream(streamStart, tables, col.onTransaction);
    await col.until('5 transactions', (txs) => txs.filter((x) => x.changes.length > 0).length >= 5);
    const changes = col.changes;
    assert.deepEqual(changes.map((c) => c.kind), ['insert', 'update', 'update', 'delete', 'truncate']);
    assert.deepEqual((changes[0] as RowChange).after, ['2501', 'new', '1']);
    assert.deepEqual((changes[1] as RowChange).after, ['3', 'changed', '3']);
    assert.equal((changes[1] as RowChange).before, undefined, 'no old key when the key did not change');
    const pkChange = changes[2] as RowChange;
    assert.deepEqual(pkChange.after, ['9999', 'n4', '4']);
    assert.equal(pkChange.before?.[0], '4', 'the old key of a primary-key change');
    assert.equal((changes[3] as RowChange).before?.[0], '5');
    // positions only go forward, and every one is after the snapshot's stream start
    const positions = col.txs.map((x) => x.position);
    for (let i = 1; i < positions.length; i++) assert.ok(comparePositions(positions[i - 1], positions[i]) < 0);
    assert.ok(comparePositions(streamStart, positions[0]) < 0);
    assert.ok(col.txs.every((x) => !x.partial && x.commitTime > Date.now() - 120_000 && x.commitTime <= Date.now() + 1000));
    await handle.stop();
    await handle.done;
  });

  it('unchanged TOAST values arrive as undefined (keep the target value); REPLICA IDENTITY FULL sends old rows', async () => {
    await t.sql('CREATE TABLE docs (id int PRIMARY KEY, body text, n int)');
    await t.sql('CREATE TABLE nokey (a int, b text)');
    await t.sql('ALTER TABLE nokey REPLICA IDENTITY FULL');
    await t.sql("INSERT INTO docs VALUES (1, (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 2000) g), 1)");
    src = createPostgresSource(t.plan());
    const tables = await src.discover();
    const { streamStart } = await readAll(src, tables);
    await t.sql('UPDATE docs SET n = 2 WHERE id = 1');
    await t.sql("INSERT INTO nokey VALUES (1, 'x')");
    await t.sql("UPDATE nokey SET b = 'y' WHERE a = 1");
    await t.sql('DELETE FROM nokey');
    const col = new Collector();
    const handle = await src.stream(streamStart, tables, col.onTransaction);
    await col.until('4 changes', () => col.changes.length >= 4);
    const [toast, ins, upd, del] = col.changes as RowChange[];
    assert.deepEqual(toast.after, ['1', undefined, '2']);
    assert.deepEqual(ins.after, ['1', 'x']);
    assert.deepEqual(upd.before, ['1', 'x']);
    assert.deepEqual(upd.after, ['1', 'y']);
    assert.deepEqual(del.before, ['1', 'y']);
    await handle.stop();
  });

  it('a transaction larger than maxTransactionChanges arrives in parts; only the last is not partial', async () => {
    await t.sql('CREATE TABLE big (id int PRIMARY KEY, v text)');
    src = createPostgresSource(t.plan({ parameters: { memoryMb: 1024, flushIntervalMs: 1000, batchSize: 1000, maxTransactionChanges: 1000 } }));
    const tables = await src.discover();
    const { streamStart } = await readAll(src, tables);
    await t.sql("INSERT INTO big SELECT g, 'v' FROM generate_series(1, 4500) g");
    const col = new Collector();
    let maxPart = 0;
    const handle = await src.stream(streamStart, tables, async (tx) => {
      maxPart = Math.max(maxPart, tx.changes.length);
      col.onTransaction(tx);
      await new Promise((r) => setTimeout(r, 20)); // a slow consumer: the reader must wait
    });
    await col.until('the whole transaction', (txs) => txs.some((x) => !x.partial && x.changes.length > 0));
    const data = col.txs.filter((x) => x.changes.length > 0);
    assert.deepEqual(data.map((x) => x.partial ?? false), [true, true, true, true, false]);
    assert.equal(col.changes.length, 4500);
    assert.ok(maxPart <= 1000);
    assert.deepEqual(col.changes.map((c) => Number((c as RowChange).after![0])), Array.from({ length: 4500 }, (_, i) => i + 1));
    await handle.stop();
  });

  it('the slot is confirmed only up to what confirm() was given, never what was merely received', async () => {
    await t.sql('CREATE TABLE c (id int PRIMARY KEY)');
    src = createPostgresSource(t.plan(), { statusIntervalMs: 100, heartbeatMs: 200 });
    const tables = await src.discover();
    const { streamStart } = await readAll(src, tables);
    const confirmedFlush = async () => parseLsn((await t.sql<{ l: string }>(
      'SELECT confirmed_flush_lsn::text AS l FROM pg_replication_slots WHERE slot_name = $1', [t.plan().source.slot]))[0].l);
    const start = await confirmedFlush();
    const col = new Collector();
    const h = await src.stream(streamStart, tables, col.onTransaction);
    await t.sql('INSERT INTO c VALUES (1)');
    await t.sql('INSERT INTO c VALUES (2)');
    await col.until('both rows', () => col.changes.length >= 2);
    await new Promise((r) => setTimeout(r, 1500)); // many status updates and heartbeats later
    assert.equal(await confirmedFlush(), start, 'nothing confirmed yet');
    const first = col.txs.find((x) => x.changes.length > 0)!.position;
    await src.confirm(first);
    // the standby status update reaches the server a moment after confirm()
    await waitUntil('the slot to move', async () => (await confirmedFlush()) !== start);
    assert.equal(await confirmedFlush(), first.kind === 'lsn' ? first.lsn : -1n);
    await h.stop();
  });

  it('a slot used by another connection refuses the start, naming the slot and the pid', async () => {
    await t.sql('CREATE TABLE a (id int PRIMARY KEY)');
    src = createPostgresSource(t.plan());
    const tables = await src.discover();
    const { streamStart } = await readAll(src, tables);
    const col = new Collector();
    const h = await src.stream(streamStart, tables, col.onTransaction);
    await waitSlotActive(t.server, t.plan().source.slot);
    const other = createPostgresSource(t.plan());
    try {
      await assert.rejects(other.stream(streamStart, tables, () => undefined), (err: Error) => {
        assert.ok(err instanceof UserError);
        assert.match(err.message, new RegExp(`slot "${t.plan().source.slot}" is in use by another connection \\(pid \\d+\\)`));
        return true;
      });
      await assert.rejects(other.openSnapshot(tables, 1), /is in use by another connection/);
    } finally {
      await other.close();
      await h.stop();
    }
  });

  it('a quiet database still advances: heartbeats and currentPosition() become position-only transactions', async () => {
    await t.sql('CREATE TABLE q (id int PRIMARY KEY)');
    src = createPostgresSource(t.plan(), { heartbeatMs: 300 });
    const tables = await src.discover();
    const { streamStart } = await readAll(src, tables);
    const col = new Collector();
    const h = await src.stream(streamStart, tables, (tx) => { col.onTransaction(tx); void src.confirm(tx.position); });
    const target = await src.currentPosition();
    await col.until('the current position', (txs) => txs.some((x) => comparePositions(x.position, target) >= 0));
    await col.until('a heartbeat', (txs) => txs.length >= 2);
    assert.ok(col.txs.every((x) => x.changes.length === 0));
    // the slot advances to what was confirmed (the status update reaches the server a moment later)
    const confirmedFlush = async () => parseLsn((await t.sql<{ l: string }>(
      'SELECT confirmed_flush_lsn::text AS l FROM pg_replication_slots WHERE slot_name = $1', [t.plan().source.slot]))[0].l);
    await waitUntil('the slot to reach the current position', async () => (await confirmedFlush()) >= (target.kind === 'lsn' ? target.lsn : 0n));
    await h.stop();
  });

  it('start positions: time is refused; an LSN before the slot confirmed position is refused; one after is used', async () => {
    await t.sql('CREATE TABLE s (id int PRIMARY KEY)');
    src = createPostgresSource(t.plan());
    await assert.rejects(src.resolveStart({ kind: 'time', at: new Date() }), (e: Error) => e instanceof UserError && /point in time/.test(e.message));
    const here = await src.currentPosition(); // creates the slot
    await assert.rejects(src.resolveStart(lsn(1n)), (e: Error) => e instanceof UserError && /before what replication slot/.test(e.message));
    await t.sql('INSERT INTO s VALUES (1)');
    const mid = await src.currentPosition();
    await t.sql('INSERT INTO s VALUES (2)');
    assert.deepEqual(await src.resolveStart(mid), mid);
    const tables = await src.discover();
    const col = new Collector();
    const h = await src.stream(mid, tables, col.onTransaction);
    await col.until('row 2', () => col.changes.length >= 1);
    assert.deepEqual(col.changes.map((c) => (c as RowChange).after?.[0]), ['2']);
    assert.ok(comparePositions(here, mid) < 0);
    await h.stop();
  });

  it('a column added mid-stream is announced once, then rows follow the new shape; generated columns are left out', async () => {
    await t.sql('CREATE TABLE g (id int PRIMARY KEY, a int, twice int GENERATED ALWAYS AS (a * 2) STORED)');
    src = createPostgresSource(t.plan());
    const tables = await src.discover();
    const { streamStart } = await readAll(src, tables);
    await t.sql('INSERT INTO g (id, a) VALUES (1, 10)');
    await t.sql('ALTER TABLE g ADD COLUMN note text');
    await t.sql("INSERT INTO g (id, a, note) VALUES (2, 20, 'hi')");
    const col = new Collector();
    const h = await src.stream(streamStart, tables, col.onTransaction);
    await col.until('3 changes', () => col.changes.length >= 3);
    await h.stop();
    const [first, schema, second] = col.changes;
    // generated columns are left out of the table (the stream could never update them)
    assert.deepEqual(tables[0].columns.map((c) => c.name), ['id', 'a']);
    assert.deepEqual((first as RowChange).after, ['1', '10']);
    assert.equal(schema.kind, 'schema');
    const fresh = await src.describe({ db: 'public', table: 'g' });
    assert.deepEqual(fresh!.columns.map((c) => c.name), ['id', 'a', 'note']);
    assert.deepEqual((second as RowChange).after, ['2', '20', 'hi']);
    assert.equal(col.changes.filter((c) => c.kind === 'schema').length, 1);
  });

  it('database-mirror publishes the schema and picks up a table created later', async () => {
    await t.sql('CREATE SCHEMA shop');
    await t.sql('CREATE TABLE shop.a (id int PRIMARY KEY)');
    src = createPostgresSource(t.plan({ mode: 'database-mirror', databases: ['shop'], tables: [] }));
    const tables = await src.discover();
    assert.deepEqual(tables.map((x) => x.id.table), ['a']);
    const { streamStart } = await readAll(src, tables);
    const [pub] = await t.sql<{ n: string }>('SELECT count(*)::text AS n FROM pg_publication_namespace pn JOIN pg_publication p ON p.oid = pn.pnpubid WHERE p.pubname = $1', [t.plan().source.publication]);
    assert.equal(pub.n, '1');
    await t.sql('CREATE TABLE shop.b (id int PRIMARY KEY, v text)');
    await t.sql("INSERT INTO shop.b VALUES (1, 'x')");
    await t.sql('CREATE TABLE public.other (id int PRIMARY KEY)');
    await t.sql('INSERT INTO public.other VALUES (1)');
    const col = new Collector();
    const h = await src.stream(streamStart, tables, col.onTransaction);
    await col.until('the new table', () => col.changes.length >= 2);
    await h.stop();
    assert.deepEqual(col.changes.map((c) => `${c.kind} ${c.table.db}.${c.table.table}`), ['schema shop.b', 'insert shop.b']);
  });

  it('never publishes a table without primary key or replica identity (the application\'s UPDATE and DELETE keep working)', async () => {
    await t.sql('CREATE TABLE loose (a int)');
    await t.sql('INSERT INTO loose VALUES (1)');
    src = createPostgresSource(t.plan());
    const tables = await src.discover();
    const session = await src.openSnapshot(tables, 1);
    await session.close();
    const published = await t.sql(`SELECT tablename FROM pg_publication_tables WHERE pubname = '${t.plan().source.publication}'`);
    assert.ok(!published.some((r) => r.tablename === 'loose'), JSON.stringify(published));
    await t.sql('UPDATE loose SET a = 2');
    await t.sql('DELETE FROM loose');
  });

  it('a partitioned table: snapshot and changes arrive under the table the task names', async () => {
    await t.sql('CREATE TABLE m (id int, at date, v text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)');
    await t.sql("CREATE TABLE m_2025 PARTITION OF m FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')");
    await t.sql("CREATE TABLE m_2026 PARTITION OF m FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')");
    await t.sql("INSERT INTO m VALUES (1, '2025-05-01', 'a'), (2, '2026-05-01', 'b')");
    src = createPostgresSource(t.plan());
    const tables = await src.discover();
    assert.deepEqual(tables.map((x) => x.id.table), ['m']);
    const { rows, streamStart } = await readAll(src, tables);
    assert.equal(rows.get('m')!.length, 2);
    await t.sql("INSERT INTO m VALUES (3, '2026-06-01', 'c')");
    const col = new Collector();
    const h = await src.stream(streamStart, tables, col.onTransaction);
    await col.until('the insert', () => col.changes.length >= 1);
    await h.stop();
    assert.deepEqual(col.changes.map((c) => [c.table.table, (c as RowChange).after]), [['m', ['3', '2026-06-01', 'c']]]);
  });

  it('REPLICA IDENTITY FULL: an unchanged TOAST value is taken from the old row', async () => {
    await t.sql('CREATE TABLE f (id int PRIMARY KEY, body text, n int)');
    await t.sql('ALTER TABLE f REPLICA IDENTITY FULL');
    await t.sql("INSERT INTO f VALUES (1, (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 2000) g), 1)");
    src = createPostgresSource(t.plan());
    const tables = await src.discover();
    const { streamStart } = await readAll(src, tables);
    await t.sql('UPDATE f SET n = 2');
    const col = new Collector();
    const h = await src.stream(streamStart, tables, col.onTransaction);
    await col.until('the update', () => col.changes.length >= 1);
    await h.stop();
    const [{ body }] = await t.sql<{ body: string }>('SELECT body FROM f');
    assert.deepEqual((col.changes[0] as RowChange).after, ['1', body, '2']);
  });

  it('a snapshot of one table (resync) keeps every task table in the publication', async () => {
    await t.sql('CREATE TABLE p1 (id int PRIMARY KEY)');
    await t.sql('CREATE TABLE p2 (id int PRIMARY KEY)');
    src = createPostgresSource(t.plan());
    const tables = await src.discover();
    const { streamStart } = await readAll(src, tables);
    const resync = await src.openSnapshot([tables[1]], 1, streamStart);
    await resync.close();
    const published = await t.sql<{ tablename: string }>('SELECT tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1', [t.plan().source.publication]);
    assert.deepEqual(published.map((r) => r.tablename), ['p1', 'p2']);
  });

  it('works for a least-privileged user (REPLICATION + SELECT) once an administrator created the publication', async () => {
    await t.sql('CREATE TABLE shop (id int PRIMARY KEY, v text)');
    await t.sql("INSERT INTO shop VALUES (1, 'a')");
    const plan = t.plan();
    const { user, password } = await t.server.createUser({ grants: [
      'ALTER ROLE {user} REPLICATION', `GRANT CONNECT ON DATABASE "${t.db}" TO {user}`,
    ] });
    await t.sql(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO "${user}"`);
    const restricted = { ...plan, source: { ...plan.source, user, password } };
    src = createPostgresSource(restricted);
    const tables = await src.discover();
    await assert.rejects(src.openSnapshot(tables, 1), (e: Error) => e instanceof UserError &&
      new RegExp(`may not create publication "${plan.source.publication}".*CREATE PUBLICATION "${plan.source.publication}" FOR TABLE "public"."shop";`).test(e.message));
    await t.sql(`CREATE PUBLICATION "${plan.source.publication}" FOR TABLE public.shop`);
    const { rows, streamStart } = await readAll(src, tables);
    assert.deepEqual(rows.get('shop'), [['1', 'a']]);
    await t.sql("INSERT INTO shop VALUES (2, 'b')");
    const col = new Collector();
    const h = await src.stream(streamStart, tables, col.onTransaction);
    await col.until('row 2', () => col.changes.length >= 1);
    await h.stop();
    assert.deepEqual((col.changes[0] as RowChange).after, ['2', 'b']);
  });

  it('a column type change is announced; odd identifiers (case, quotes, dots, spaces) work everywhere', async () => {
    await t.sql('CREATE SCHEMA "Mixed Case"');
    await t.sql('CREATE TABLE "Mixed Case"."we""ird.name" ("Key Col" int PRIMARY KEY, "v""q" int)');
    await t.sql('INSERT INTO "Mixed Case"."we""ird.name" SELECT g, g FROM generate_series(1, 30) g');
    src = createPostgresSource(t.plan({ tables: ['"Mixed Case".*'] }));
    const tables = await src.discover();
    assert.deepEqual(tables.map((x) => x.id), [{ db: 'Mixed Case', table: 'we"ird.name' }]);
    const { rows, streamStart } = await readAll(src, tables, 10);
    assert.equal(rows.get('we"ird.name')!.length, 30);
    await t.sql('INSERT INTO "Mixed Case"."we""ird.name" VALUES (31, 31)');
    await t.sql('ALTER TABLE "Mixed Case"."we""ird.name" ALTER COLUMN "v""q" TYPE text');
    await t.sql(`INSERT INTO "Mixed Case"."we""ird.name" VALUES (32, 'thirty-two')`);
    const col = new Collector();
    const h = await src.stream(streamStart, tables, col.onTransaction);
    await col.until('3 changes', () => col.changes.length >= 3);
    await h.stop();
    assert.deepEqual(col.changes.map((c) => c.kind), ['insert', 'schema', 'insert']);
    assert.deepEqual((col.changes[2] as RowChange).after, ['32', 'thirty-two']);
  });

  it('dropReplicationState removes the slot and the publication', async () => {
    await t.sql('CREATE TABLE d (id int PRIMARY KEY)');
    src = createPostgresSource(t.plan());
    const tables = await src.discover();
    await readAll(src, tables);
    assert.equal((await t.sql('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [t.plan().source.slot])).length, 1);
    await src.dropReplicationState();
    assert.equal((await t.sql('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [t.plan().source.slot])).length, 0);
    assert.equal((await t.sql('SELECT 1 FROM pg_publication WHERE pubname = $1', [t.plan().source.publication])).length, 0);
  });
});
