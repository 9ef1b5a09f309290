// The value MySQL gives the rows already in a table when ALTER TABLE adds a column, as LakeSync
// reads it from the statement (the binlog carries no row events for them).
import assert from 'node:assert/strict';
import { ddlEffects } from '../../../src/engine/source/mysql/alter';
import type { SourceTable } from '../../../src/engine/source/types';

const items: SourceTable = {
  id: { db: 'd', table: 'items' }, primaryKey: ['id'],
  columns: [{ name: 'id', ordinal: 1, dataType: 'int', fullType: 'int(11)', nullable: false, precision: 10, scale: 0 }],
};

function fills(statement: string): Record<string, string | undefined> {
  const [e] = ddlEffects(statement, 'd', { shape: () => items, databaseCharset: () => 'utf8mb4' });
  assert.equal(e.kind, 'shape', JSON.stringify(e));
  const shape = (e as { shape: SourceTable }).shape;
  return Object.fromEntries(shape.columns.filter((c) => c.name !== 'id').map((c) => [c.name, c.fill]));
}

describe('MySQL ADD COLUMN: the value existing rows take', () => {
  it('a constant DEFAULT, a NOT NULL column\'s implicit default, nothing for nullable columns and expressions', () => {
    assert.deepEqual(fills(`ALTER TABLE items ADD COLUMN s varchar(10) NOT NULL DEFAULT 'new' AFTER id, ADD n int NOT NULL,
      ADD COLUMN x int, ADD d datetime DEFAULT CURRENT_TIMESTAMP, ADD z decimal(8,2) DEFAULT -1.5, ADD nn varchar(3) DEFAULT NULL,
      ADD e enum('a','b') NOT NULL, ADD b tinyint(1) NOT NULL DEFAULT TRUE, ADD t text NOT NULL, ADD u varchar(4) DEFAULT _utf8mb4'x'`), {
      s: 'new', n: '0', x: undefined, d: undefined, z: '-1.5', nn: undefined, e: 'a', b: '1', t: '', u: 'x',
    });
  });

  it('values the statement does not tell (expression defaults, AUTO_INCREMENT, generated, NOT NULL dates) are marked for a resync; constants and NULL are not', () => {
    const [e] = ddlEffects(`ALTER TABLE items ADD c timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP, ADD u char(36) DEFAULT (uuid()),
      ADD s int NOT NULL AUTO_INCREMENT, ADD UNIQUE KEY (s), ADD g int AS (id * 2) VIRTUAL, ADD d date NOT NULL,
      ADD k varchar(3) NOT NULL DEFAULT 'x', ADD n int, ADD z int NOT NULL`, 'd', { shape: () => items, databaseCharset: () => 'utf8mb4' });
    const shape = (e as { shape: SourceTable }).shape;
    const marked = Object.fromEntries(shape.columns.filter((c) => c.name !== 'id').map((c) => [c.name, c.rewritten?.replace(/:.*/, '')]));
    assert.deepEqual(marked, {
      c: 'column c was added with an expression default', u: 'column u was added with an expression default',
      s: 'column s was added with AUTO_INCREMENT', g: 'column g was added as a generated column',
      d: 'column d was added NOT NULL without a default', k: undefined, n: undefined, z: undefined,
    });
    // the mark belongs to the statement that added the column, not to later ones
    const [next] = ddlEffects('ALTER TABLE items ADD w int', 'd', { shape: () => shape, databaseCharset: () => 'utf8mb4' });
    assert.ok((next as { shape: SourceTable }).shape.columns.every((c) => c.name === 'w' || c.rewritten === undefined));
  });

  it('MODIFY and CHANGE fill nothing (their rows keep their values)', () => {
    const [e] = ddlEffects('ALTER TABLE items MODIFY id bigint NOT NULL DEFAULT 5', 'd', { shape: () => items, databaseCharset: () => 'utf8mb4' });
    assert.equal((e as { shape: SourceTable }).shape.columns[0].fill, undefined);
  });
});
