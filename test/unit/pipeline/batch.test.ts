// Batch reduction: one entry per key, the last change wins, in the order keys were last touched.
import { strict as assert } from 'node:assert';
import { BatchReducer, type Entry } from '../../../src/engine/pipeline/batch';
import type { RowChange } from '../../../src/engine/pipeline/events';
import { route, table } from '../sink/helpers';

const src = table('shop', 'orders', [['id', 'INTEGER'], ['amt', 'VARCHAR'], ['doc', 'VARCHAR']]);
const r = route(src, ['INTEGER', 'VARCHAR', 'VARCHAR']);
const id = src.id;

function reduce(changes: RowChange[]): Entry[] {
  const red = new BatchReducer(() => r);
  changes.forEach((c, i) => red.add(c, 1000 + i));
  return [...(red.tables.get('shop.orders')?.entries.values() ?? [])];
}

describe('batch reduction', () => {
  it('keeps only the last change of a key', () => {
    const out = reduce([
      { kind: 'insert', table: id, after: ['1', 'a', 'x'] },
      { kind: 'update', table: id, before: ['1', null, null], after: ['1', 'b', 'x'] },
      { kind: 'update', table: id, before: ['1', null, null], after: ['1', 'c', 'y'] },
    ]);
    assert.deepEqual(out, [{ op: 'insert', row: ['1', 'c', 'y'], fillKey: undefined, commitTime: 1002 }]);
  });

  it('turns a primary-key change into a delete of the old key and an upsert of the new one', () => {
    const out = reduce([{ kind: 'update', table: id, before: ['1', 'a', 'x'], after: ['2', 'a', 'x'] }]);
    assert.deepEqual(out, [
      { op: 'delete', key: ['1'], commitTime: 1000 },
      { op: 'update', row: ['2', 'a', 'x'], fillKey: undefined, commitTime: 1000 },
    ]);
  });

  it('insert then delete in one batch leaves a delete (a no-op on the target)', () => {
    const out = reduce([
      { kind: 'insert', table: id, after: ['3', 'a', 'x'] },
      { kind: 'delete', table: id, before: ['3', null, null] },
    ]);
    assert.deepEqual(out, [{ op: 'delete', key: ['3'], commitTime: 1001 }]);
  });

  it('delete then insert in one batch leaves the insert', () => {
    const out = reduce([
      { kind: 'delete', table: id, before: ['4', null, null] },
      { kind: 'insert', table: id, after: ['4', 'new', 'x'] },
    ]);
    assert.deepEqual(out, [{ op: 'insert', row: ['4', 'new', 'x'], fillKey: undefined, commitTime: 1001 }]);
  });

  it('orders entries by the last touch of each key', () => {
    const out = reduce([
      { kind: 'insert', table: id, after: ['1', 'a', 'x'] },
      { kind: 'insert', table: id, after: ['2', 'a', 'x'] },
      { kind: 'update', table: id, before: ['1', null, null], after: ['1', 'b', 'x'] },
    ]);
    assert.deepEqual(out.map((e) => (e.op === 'delete' ? e.key : e.row)[0]), ['2', '1']);
  });

  it('fills an unchanged TOAST value from an earlier change of the same batch', () => {
    const out = reduce([
      { kind: 'insert', table: id, after: ['1', 'a', 'big'] },
      { kind: 'update', table: id, before: ['1', null, null], after: ['1', 'b', undefined] },
    ]);
    assert.deepEqual(out, [{ op: 'insert', row: ['1', 'b', 'big'], fillKey: undefined, commitTime: 1001 }]);
  });

  it('points an unchanged TOAST value at the target row of the old key, even across a key change', () => {
    const out = reduce([{ kind: 'update', table: id, before: ['1', null, null], after: ['9', 'b', undefined] }]);
    assert.deepEqual(out[1], { op: 'update', row: ['9', 'b', undefined], fillKey: ['1'], commitTime: 1000 });
  });

  it('a truncate drops the earlier changes of the table and is remembered', () => {
    const red = new BatchReducer(() => r);
    red.add({ kind: 'insert', table: id, after: ['1', 'a', 'x'] }, 1);
    red.add({ kind: 'truncate', table: id }, 2);
    red.add({ kind: 'insert', table: id, after: ['2', 'a', 'x'] }, 3);
    const b = red.tables.get('shop.orders')!;
    assert.equal(b.truncate, true);
    assert.deepEqual([...b.entries.keys()], ['2']);
  });

  it('ignores tables that are not part of the task', () => {
    const red = new BatchReducer(() => undefined);
    red.add({ kind: 'insert', table: id, after: ['1', 'a', 'x'] }, 1);
    assert.equal(red.tables.size, 0);
  });

  it('places values by column name when a change carries the names of another shape', () => {
    const out = reduce([
      // written before a column was added and another dropped: (id, doc, gone)
      { kind: 'update', table: id, columns: ['id', 'doc', 'gone'], before: ['1', null, null], after: ['1', 'd', 'x'] },
      { kind: 'insert', table: id, columns: ['id', 'doc'], after: ['2', 'e'] },
    ]);
    assert.deepEqual(out, [
      { op: 'update', row: ['1', undefined, 'd'], fillKey: ['1'], commitTime: 1000 },
      { op: 'insert', row: ['2', null, 'e'], fillKey: undefined, commitTime: 1001 },
    ]);
  });
});
