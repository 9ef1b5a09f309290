// Attnums of a pgoutput Relation message's columns, and the renames they show: the same answer
// for a message met while streaming and for one met again after a restart (today's catalog may
// know other names by then).
import assert from 'node:assert/strict';
import { relationAttnums } from '../../../src/engine/source/postgres/metadata';

const shape = (...cols: [string, number][]) => cols.map(([name, ordinal]) => ({ name, ordinal }));
const catalog = (...cols: [string, number][]) => new Map(cols);

describe('PostgreSQL Relation message attnums', () => {
  const before = shape(['id', 1], ['qty', 2], ['note', 3], ['legacy', 4]);

  it('unchanged and retyped columns keep their attnums; nothing is renamed', () => {
    const r = relationAttnums(before, ['id', 'qty', 'note', 'legacy'], catalog(['id', 1], ['qty', 2], ['note', 3], ['legacy', 4]));
    assert.deepEqual(r, { attnums: [1, 2, 3, 4], renames: [] });
  });

  it('a rename the catalog still knows keeps the attnum of the old name', () => {
    const r = relationAttnums(before, ['id', 'qty', 'remark', 'legacy'], catalog(['id', 1], ['qty', 2], ['remark', 3], ['legacy', 4]));
    assert.deepEqual(r, { attnums: [1, 2, 3, 4], renames: [{ from: 'note', to: 'remark' }] });
  });

  it('a rename replayed after a restart, renamed again since (the catalog does not know the name): the free attnum between its neighbours', () => {
    const r = relationAttnums(before, ['id', 'qty', 'remark', 'legacy'], catalog(['id', 1], ['qty', 2], ['comment', 3], ['legacy', 4]));
    assert.deepEqual(r, { attnums: [1, 2, 3, 4], renames: [{ from: 'note', to: 'remark' }] });
  });

  it('a drop and an add in one burst are not a rename: added columns come after all others', () => {
    const r = relationAttnums(before, ['id', 'qty', 'legacy', 'tag'], catalog(['id', 1], ['qty', 2], ['legacy', 4], ['tag', 5]));
    assert.deepEqual(r, { attnums: [1, 2, 4, 5], renames: [] });
    // the same, replayed when the catalog no longer has the added column
    const later = relationAttnums(before, ['id', 'qty', 'legacy', 'tag'], catalog(['id', 1], ['qty', 2], ['legacy', 4]));
    assert.deepEqual(later, { attnums: [1, 2, 4, 5], renames: [] });
  });

  it('a column dropped and added again under its name is a new column, not the old one', () => {
    const r = relationAttnums(before, ['id', 'note', 'legacy', 'qty'], catalog(['id', 1], ['note', 3], ['legacy', 4], ['qty', 5]));
    assert.deepEqual(r, { attnums: [1, 3, 4, 5], renames: [] });
  });

  it('a message replayed with the older shape after the history moved on tells the reverse rename', () => {
    const after = shape(['id', 1], ['qty', 2], ['remark', 3], ['legacy', 4]);
    const r = relationAttnums(after, ['id', 'qty', 'note', 'legacy'], catalog(['id', 1], ['qty', 2], ['remark', 3], ['legacy', 4]));
    assert.deepEqual(r, { attnums: [1, 2, 3, 4], renames: [{ from: 'remark', to: 'note' }] });
  });

  it('a rename and a drop in one burst: the rename by the catalog, the drop by the missing attnum', () => {
    const r = relationAttnums(before, ['id', 'qty', 'remark'], catalog(['id', 1], ['qty', 2], ['remark', 3]));
    assert.deepEqual(r, { attnums: [1, 2, 3], renames: [{ from: 'note', to: 'remark' }] });
  });
});
