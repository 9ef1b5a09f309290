// The DuckDB target applies reduced batches exactly: random change sequences, cut into random
// batches, leave the target equal to a reference model of the source table.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { BatchReducer } from '../../../src/engine/pipeline/batch';
import type { Row, RowChange } from '../../../src/engine/pipeline/events';
import { formatPosition, parsePosition } from '../../../src/engine/positions';
import { DuckDbSink } from '../../../src/engine/sink/duckdb/sink';
import { route, table, tempDir } from './helpers';

type Cmd =
  | { t: 'ins'; k: number; v: string }
  | { t: 'upd'; k: number; v: string; toast: boolean }
  | { t: 'del'; k: number }
  | { t: 'rekey'; k: number; k2: number }
  | { t: 'trunc' };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ t: fc.constant('ins' as const), k: fc.integer({ min: 1, max: 6 }), v: fc.string({ maxLength: 4 }) }),
  fc.record({ t: fc.constant('upd' as const), k: fc.integer({ min: 1, max: 6 }), v: fc.string({ maxLength: 4 }), toast: fc.boolean() }),
  fc.record({ t: fc.constant('del' as const), k: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ t: fc.constant('rekey' as const), k: fc.integer({ min: 1, max: 6 }), k2: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ t: fc.constant('trunc' as const) }),
);

const src = table('app', 'items', [['id', 'INTEGER'], ['v', 'VARCHAR'], ['doc', 'VARCHAR']]);
const r = route(src, ['INTEGER', 'VARCHAR', 'VARCHAR']);

/** Plays commands against the model (a Map key -> row), emitting the changes a source would send. */
function play(cmds: Cmd[], model: Map<number, [string, string]>): (RowChange | { kind: 'truncate'; table: typeof src.id })[] {
  const out: (RowChange | { kind: 'truncate'; table: typeof src.id })[] = [];
  let n = 0;
  for (const c of cmds) {
    n++;
    if (c.t === 'trunc') { model.clear(); out.push({ kind: 'truncate', table: src.id }); continue; }
    const cur = model.get(c.k);
    if (c.t === 'ins' && !cur) {
      const doc = `doc${n}`;
      model.set(c.k, [c.v, doc]);
      out.push({ kind: 'insert', table: src.id, after: [String(c.k), c.v, doc] });
    } else if (c.t === 'upd' && cur) {
      // toast: the big column is unchanged and not sent (PostgreSQL's unchanged TOAST)
      const doc = c.toast ? cur[1] : `doc${n}`;
      model.set(c.k, [c.v, doc]);
      const after: Row = [String(c.k), c.v, c.toast ? undefined : doc];
      out.push({ kind: 'update', table: src.id, before: [String(c.k), null, null], after });
    } else if (c.t === 'del' && cur) {
      model.delete(c.k);
      out.push({ kind: 'delete', table: src.id, before: [String(c.k), null, null] });
    } else if (c.t === 'rekey' && cur && !model.has(c.k2)) {
      model.delete(c.k);
      model.set(c.k2, cur);
      out.push({ kind: 'update', table: src.id, before: [String(c.k), null, null], after: [String(c.k2), cur[0], undefined] });
    }
  }
  return out;
}

describe('DuckDB target: applying change batches', () => {
  let tmp: ReturnType<typeof tempDir>;
  let target: DuckDbSink;
  before(async () => {
    tmp = tempDir();
    target = await DuckDbSink.open(`${tmp.dir}/t.duckdb`);
    await target.ensureTable(r.mapping);
  });
  after(async () => { await target.close(); tmp.cleanup(); });

  async function targetRows(): Promise<[number, string, string][]> {
    const rows = await target.conn.rows<{ id: number; v: string; doc: string }>('SELECT id, v, doc FROM ods.items ORDER BY id');
    return rows.map((x) => [x.id, x.v, x.doc]);
  }

  it('equals a reference model after random inserts, updates, deletes, key changes, truncates and TOAST', async () => {
    await fc.assert(fc.asyncProperty(fc.array(cmd, { maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 10 }),
      async (cmds, cuts) => {
        await target.conn.exec('DELETE FROM ods.items');
        const model = new Map<number, [string, string]>();
        const changes = play(cmds, model);
        let i = 0, c = 0;
        while (i < changes.length) {
          const size = cuts[c++ % cuts.length];
          const red = new BatchReducer(() => r);
          for (const ch of changes.slice(i, i + size)) red.add(ch, 1000 + i);
          i += size;
          await target.applyBatch([...red.tables.values()], parsePosition(`lsn:0/${i}`));
        }
        const expected = [...model.entries()].sort((a, b) => a[0] - b[0]).map(([k, [v, d]]) => [k, v, d]);
        assert.deepEqual(await targetRows(), expected);
      }), { numRuns: 60 });
  });

  it('a table without a key is a multiset: duplicates are inserted, updated and deleted one copy at a time', async () => {
    const bag = table('app', 'bag', [['a', 'INTEGER'], ['b', 'VARCHAR']], 0);
    const rb = route(bag, ['INTEGER', 'VARCHAR']);
    await target.ensureTable(rb.mapping);
    // few distinct values, so that copies are common; NULL is a value like any other
    const value = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.constantFrom('x', 'y', null));
    type Op = { t: 'ins'; row: [number, string | null] } | { t: 'del'; pick: number } | { t: 'upd'; pick: number; row: [number, string | null] };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ t: fc.constant('ins' as const), row: value }),
      fc.record({ t: fc.constant('del' as const), pick: fc.nat() }),
      fc.record({ t: fc.constant('upd' as const), pick: fc.nat(), row: value }),
    );
    const text = (r: [number, string | null]): Row => [String(r[0]), r[1]];
    await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 50 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 8 }),
      async (ops, cuts) => {
        await target.conn.exec('DELETE FROM ods.bag');
        const model: [number, string | null][] = [];
        const changes: RowChange[] = [];
        for (const o of ops) {
          if (o.t === 'ins') { model.push(o.row); changes.push({ kind: 'insert', table: bag.id, after: text(o.row) }); continue; }
          if (model.length === 0) continue;
          const i = o.pick % model.length;
          const old = model[i];
          if (o.t === 'del') { model.splice(i, 1); changes.push({ kind: 'delete', table: bag.id, before: text(old) }); continue; }
          model[i] = o.row;
          changes.push({ kind: 'update', table: bag.id, before: text(old), after: text(o.row) });
        }
        let i = 0, c = 0;
        while (i < changes.length) {
          const size = cuts[c++ % cuts.length];
          const red = new BatchReducer(() => rb);
          for (const ch of changes.slice(i, i + size)) red.add(ch, 1000 + i);
          i += size;
          await target.applyBatch([...red.tables.values()], parsePosition(`lsn:0/${i}`));
        }
        const got = await target.conn.rows<{ a: number; b: string | null }>('SELECT a, b FROM ods.bag ORDER BY a, b NULLS FIRST');
        const expected = [...model].sort((x, y) => x[0] - y[0] || (x[1] === y[1] ? 0 : x[1] === null ? -1 : y[1] === null ? 1 : x[1] < y[1] ? -1 : 1));
        assert.deepEqual(got.map((g) => [g.a, g.b]), expected);
      }), { numRuns: 60 });
  });

  it('keeps the target value of a column the source did not send (unchanged TOAST)', async () => {
    await target.conn.exec('DELETE FROM ods.items');
    const red = new BatchReducer(() => r);
    red.add({ kind: 'insert', table: src.id, after: ['1', 'a', 'large document'] }, 1);
    await target.applyBatch([...red.tables.values()], parsePosition('lsn:0/1'));
    red.clear();
    red.add({ kind: 'update', table: src.id, before: ['1', null, null], after: ['1', 'b', undefined] }, 2);
    await target.applyBatch([...red.tables.values()], parsePosition('lsn:0/2'));
    assert.deepEqual(await targetRows(), [[1, 'b', 'large document']]);
  });

  it('writes the metadata columns: operation and source commit time', async () => {
    await target.conn.exec('DELETE FROM ods.items');
    const red = new BatchReducer(() => r);
    red.add({ kind: 'insert', table: src.id, after: ['1', 'a', 'x'] }, Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    red.add({ kind: 'insert', table: src.id, after: ['2', 'a', 'x'] }, 1);
    red.add({ kind: 'update', table: src.id, before: ['2', null, null], after: ['2', 'b', 'x'] }, 1);
    await target.applyBatch([...red.tables.values()], parsePosition('lsn:0/3'));
    red.clear();
    red.add({ kind: 'update', table: src.id, before: ['2', null, null], after: ['2', 'c', 'x'] }, 1);
    await target.applyBatch([...red.tables.values()], parsePosition('lsn:0/4'));
    const rows = await target.conn.rows<{ id: number; op: string; ts: Date }>(
      'SELECT id, _lakesync_op AS op, _lakesync_source_ts AS ts FROM ods.items ORDER BY id');
    assert.equal(rows[0].op, 'insert');
    assert.equal(rows[0].ts.toISOString(), '2026-01-02T03:04:05.678Z');
    assert.equal(rows[1].op, 'update');
  });

  it('commits a batch and its checkpoint together: a failing batch leaves neither rows nor position', async () => {
    await target.conn.exec('DELETE FROM ods.items');
    const other = table('app', 'counts', [['id', 'INTEGER'], ['n', 'INTEGER']]);
    const r2 = route(other, ['INTEGER', 'INTEGER']);
    await target.ensureTable(r2.mapping);
    const red = new BatchReducer((k) => (k === 'app.items' ? r : r2));
    red.add({ kind: 'insert', table: src.id, after: ['1', 'a', 'x'] }, 1);
    await target.applyBatch([...red.tables.values()], parsePosition('lsn:0/10'));
    red.clear();
    red.add({ kind: 'insert', table: src.id, after: ['2', 'b', 'y'] }, 2);
    // the second table's value cannot be cast: the failure comes after the first table was written
    red.add({ kind: 'insert', table: other.id, after: ['1', 'not a number'] }, 2);
    await assert.rejects(target.applyBatch([...red.tables.values()], parsePosition('lsn:0/20')));
    assert.deepEqual(await targetRows(), [[1, 'a', 'x']]);
    assert.equal(formatPosition((await target.state.checkpoint())!.position), 'lsn:0/10');
  });

  it('truncate of a merged table deletes only the rows of that source', async () => {
    const s1 = table('shard_1', 'orders', [['id', 'INTEGER'], ['v', 'VARCHAR']]);
    const s2 = table('shard_2', 'orders', [['id', 'INTEGER'], ['v', 'VARCHAR']]);
    const r1 = route(s1, ['INTEGER', 'VARCHAR'], { table: 'orders_all', merged: true });
    const r2 = route(s2, ['INTEGER', 'VARCHAR'], { table: 'orders_all', merged: true });
    await target.ensureTable(r1.mapping);
    const red = new BatchReducer((k) => (k === 'shard_1.orders' ? r1 : r2));
    red.add({ kind: 'insert', table: s1.id, after: ['1', 'one'] }, 1);
    red.add({ kind: 'insert', table: s2.id, after: ['1', 'uno'] }, 1);
    await target.applyBatch([...red.tables.values()], parsePosition('lsn:0/30'));
    const both = await target.conn.rows('SELECT _lakesync_source_db AS db, id, v FROM ods.orders_all ORDER BY db');
    assert.deepEqual(both, [{ db: 'shard_1', id: 1, v: 'one' }, { db: 'shard_2', id: 1, v: 'uno' }]);
    red.clear();
    red.add({ kind: 'update', table: s2.id, before: ['1', null], after: ['1', 'dos'] }, 2);
    red.add({ kind: 'truncate', table: s1.id }, 2);
    await target.applyBatch([...red.tables.values()], parsePosition('lsn:0/31'));
    assert.deepEqual(await target.conn.rows('SELECT _lakesync_source_db AS db, id, v FROM ods.orders_all'),
      [{ db: 'shard_2', id: 1, v: 'dos' }]);
  });

  it('quotes every identifier: names with quotes, spaces and keywords round trip', async () => {
    const odd = table('we"ird', 'sel ect', [['or"der', 'INTEGER'], ['from', 'VARCHAR']]);
    const ro = route(odd, ['INTEGER', 'VARCHAR'], { namespace: 'n"s', table: 'sel ect' });
    await target.ensureTable(ro.mapping);
    const red = new BatchReducer(() => ro);
    red.add({ kind: 'insert', table: odd.id, after: ['1', "it's"] }, 1);
    await target.applyBatch([...red.tables.values()], parsePosition('lsn:0/40'));
    assert.deepEqual(await target.conn.rows('SELECT "or""der" AS k, "from" AS v FROM "n""s"."sel ect"'), [{ k: 1, v: "it's" }]);
  });
});
