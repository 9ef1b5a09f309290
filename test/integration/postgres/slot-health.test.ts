// Slot health on a private server: an invalidated slot (wal_status lost) refuses the start with what
// to do; a replication connection killed on the server ends the stream with an error (the runner
// reconnects), and a new stream resumes from the confirmed position.
import assert from 'node:assert/strict';
import { UserError } from '../../../src/engine/errors';
import type { RowChange } from '../../../src/engine/pipeline/events';
import { formatLsn } from '../../../src/engine/positions';
import { createPostgresSource } from '../../../src/engine/source/postgres';
import { startPostgres, waitUntil, type ServerHandle } from '../../harness';
import { Collector, testDatabase, dropTestSlots } from './helpers';

describe('PostgreSQL source: slot health', function () {
  this.timeout(180_000);
  afterEach(dropTestSlots);
  let server: ServerHandle | undefined;
  after(async () => { await server?.stop(); });

  it('an invalidated slot (wal_status lost) refuses to stream and says to reset with --drop-slot', async () => {
    server = await startPostgres({ settings: { max_slot_wal_keep_size: '1MB', wal_keep_size: 0, min_wal_size: '32MB', max_wal_size: '64MB' } });
    const db = await server.createDatabase();
    const sql = (q: string) => server!.sql(q, [], { database: db });
    await sql('CREATE TABLE a (id int PRIMARY KEY, pad text)');
    const plan = (await testDatabase()).plan();
    Object.assign(plan.source, { host: server.host, port: server.port, user: server.user, password: server.password, database: db });
    const src = createPostgresSource(plan);
    try {
      const tables = await src.discover();
      const session = await src.openSnapshot(tables, 1);
      await session.close();
      for (let i = 0; i < 5; i++) {
        await sql(`INSERT INTO a SELECT g + ${i * 20000}, repeat('x', 200) FROM generate_series(1, 20000) g`);
        await sql('SELECT pg_switch_wal()');
      }
      await sql('CHECKPOINT');
      const [slot] = await server.sql<{ wal_status: string }>('SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1', [plan.source.slot]);
      assert.equal(slot.wal_status, 'lost');
      assert.match((await src.checkHealth()).join('\n'), /was invalidated \(wal_status lost\).*--drop-slot/);
      await assert.rejects(src.stream(session.streamStart, tables, () => undefined), (e: Error) =>
        e instanceof UserError && /invalidated/.test(e.message) && e.message.includes(`lakesync reset ${plan.file} --drop-slot`));
    } finally {
      await src.close();
    }
  });

  it('a replication connection ended by pg_terminate_backend fails the stream; a new one resumes after the confirmed position', async () => {
    const t = await testDatabase();
    await t.sql('CREATE TABLE k (id int PRIMARY KEY)');
    const src = createPostgresSource(t.plan());
    try {
      const tables = await src.discover();
      const session = await src.openSnapshot(tables, 1);
      await session.close();
      await t.sql('INSERT INTO k VALUES (1)');
      const col = new Collector();
      const h = await src.stream(session.streamStart, tables, (tx) => { col.onTransaction(tx); });
      await col.until('row 1', () => col.changes.length >= 1);
      const confirmed = col.txs.find((x) => x.changes.length > 0)!.position;
      await src.confirm(confirmed);
      // the standby status update reaches the server a moment after confirm()
      await waitUntil('the slot to be confirmed at row 1', async () => (await t.sql<{ done: boolean }>(
        'SELECT confirmed_flush_lsn >= $2::pg_lsn AS done FROM pg_replication_slots WHERE slot_name = $1',
        [t.plan().source.slot, formatLsn(confirmed.kind === 'lsn' ? confirmed.lsn : 0n)]))[0]?.done === true);
      await t.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_replication WHERE application_name LIKE 'lakesync:%:stream'");
      await assert.rejects(h.done);
      await t.sql('INSERT INTO k VALUES (2)');
      const again = new Collector();
      const h2 = await src.stream(confirmed, tables, again.onTransaction);
      await again.until('row 2', () => again.changes.length >= 1);
      await h2.stop();
      assert.deepEqual(again.changes.map((c) => (c as RowChange).after?.[0]), ['2']);
    } finally {
      await src.close();
    }
  });

  it('a quiet database next to a busy one: the slot keeps up (retained WAL stays small)', async () => {
    const quiet = await testDatabase();
    const busy = await testDatabase();
    await quiet.sql('CREATE TABLE q (id int PRIMARY KEY)');
    await busy.sql('CREATE TABLE noise (id serial PRIMARY KEY, pad text)');
    const src = createPostgresSource(quiet.plan(), { heartbeatMs: 500 });
    try {
      const tables = await src.discover();
      const session = await src.openSnapshot(tables, 1);
      await session.close();
      // the runner's part: confirm each transaction after "committing" it
      const h = await src.stream(session.streamStart, tables, (tx) => { void src.confirm(tx.position); });
      const lag = async () => Number((await quiet.sql<{ lag: string }>(
        'SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::text AS lag FROM pg_replication_slots WHERE slot_name = $1', [quiet.plan().source.slot]))[0].lag);
      const [{ start }] = await busy.sql<{ start: string }>('SELECT pg_current_wal_lsn()::text AS start');
      for (let i = 0; i < 8; i++) {
        await busy.sql("INSERT INTO noise (pad) SELECT repeat('x', 500) FROM generate_series(1, 10000)");
        await new Promise((r) => setTimeout(r, 250));
      }
      const [{ written }] = await busy.sql<{ written: string }>(`SELECT (pg_current_wal_lsn() - '${start}'::pg_lsn)::text AS written`);
      // Without heartbeats a quiet slot never moves (its lag stays above what the neighbour wrote);
      // with them it catches up once the walsender has decoded past the noise, which takes longer
      // on a loaded machine: wait for that, up to 30 s.
      let retained = await lag();
      for (const until = Date.now() + 30_000; retained >= 4 * 1024 * 1024 && Date.now() < until;) {
        await new Promise((r) => setTimeout(r, 250));
        retained = await lag();
      }
      assert.deepEqual(await src.checkHealth(), [], 'a slot that keeps up gives no warning');
      await h.stop();
      assert.ok(Number(written) > 40 * 1024 * 1024, `the neighbour wrote ${written} bytes of WAL`);
      assert.ok(retained < 4 * 1024 * 1024, `the quiet task's slot is ${retained} bytes behind`);
    } finally {
      await src.close();
    }
  });

  it('a source restart in the middle of a snapshot: the remaining chunks are read again and hold the right rows', async () => {
    server ??= await startPostgres();
    const db = await server.createDatabase();
    await server.sql('CREATE TABLE r (id int PRIMARY KEY, v text)', [], { database: db });
    await server.sql("INSERT INTO r SELECT g, 'v' || g FROM generate_series(1, 3000) g", [], { database: db });
    const plan = (await testDatabase()).plan();
    Object.assign(plan.source, { host: server.host, port: server.port, user: server.user, password: server.password, database: db });
    const src = createPostgresSource(plan);
    try {
      const tables = await src.discover();
      const session = await src.openSnapshot(tables, 1);
      const chunks = await session.planChunks(tables[0], 1000);
      assert.equal(chunks.length, 3);
      const ids: number[] = [];
      await session.readChunk(tables[0], chunks[0], (rows) => { ids.push(...rows.map((r) => Number(r[0]))); });
      await server.closeConnections();
      await server.restart();
      // the reader's connection died with the server: the first attempt fails, a retry succeeds
      await assert.rejects(session.readChunk(tables[0], chunks[1], () => undefined));
      for (const c of chunks.slice(1)) await session.readChunk(tables[0], c, (rows) => { ids.push(...rows.map((r) => Number(r[0]))); });
      await session.close();
      assert.deepEqual(ids, Array.from({ length: 3000 }, (_, i) => i + 1));
      const [slot] = await server.sql<{ n: string }>('SELECT count(*)::text AS n FROM pg_replication_slots WHERE slot_name = $1', [plan.source.slot]);
      assert.equal(slot.n, '1', 'the slot survives the restart');
    } finally {
      await src.close();
    }
  });

  it('a publication dropped under a running task: the stream fails with what to do', async () => {
    const t = await testDatabase();
    await t.sql('CREATE TABLE d (id int PRIMARY KEY)');
    const src = createPostgresSource(t.plan());
    try {
      const tables = await src.discover();
      const session = await src.openSnapshot(tables, 1);
      await session.close();
      await t.sql(`DROP PUBLICATION "${t.plan().source.publication}"`);
      await t.sql('INSERT INTO d VALUES (1)');
      // stream() recreates the publication, but PostgreSQL decodes the insert with the catalog of its time
      const h = await src.stream(session.streamStart, tables, () => undefined);
      await assert.rejects(h.done, (e: Error) => e instanceof UserError && e.message.includes(`lakesync reset ${t.plan().file} --drop-slot`));
    } finally {
      await src.close();
    }
  });
});
