// Minimal table description from information_schema for the reader (columns in ordinal order and
// the primary key). Used until metadata.ts offers describe/discover; kept deliberately small.
import type { SourceColumn, SourceTable, TableId } from '../types';
import { rows, type Sql } from './session';

interface ColumnRow {
  name: string; ordinal: number; dataType: string; fullType: string; nullable: string;
  charLen: string | null; numPrec: string | null; numScale: string | null; dtPrec: string | null; charset: string | null;
}

export async function describeTable(c: Sql, id: TableId): Promise<SourceTable | undefined> {
  const cols = await rows<ColumnRow>(c, `SELECT COLUMN_NAME AS name, ORDINAL_POSITION AS ordinal, DATA_TYPE AS dataType,
      COLUMN_TYPE AS fullType, IS_NULLABLE AS nullable, CHARACTER_MAXIMUM_LENGTH AS charLen, NUMERIC_PRECISION AS numPrec,
      NUMERIC_SCALE AS numScale, DATETIME_PRECISION AS dtPrec, CHARACTER_SET_NAME AS charset
    FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, [id.db, id.table]);
  if (!cols.length) return undefined;
  const pk = await rows<{ name: string }>(c, `SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE
    WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`, [id.db, id.table]);
  const columns: SourceColumn[] = cols.map((r) => {
    const dataType = String(r.dataType).toLowerCase();
    const fullType = String(r.fullType).toLowerCase();
    const enumMatch = /^(?:enum|set)\((.*)\)$/.exec(String(r.fullType));
    return {
      name: r.name, ordinal: Number(r.ordinal), dataType, fullType, nullable: r.nullable === 'YES',
      ...(dataType === 'bit' ? { length: Number(r.numPrec) } : r.charLen !== null ? { length: Number(r.charLen) } : {}),
      ...(r.numPrec !== null ? { precision: Number(r.numPrec) } : r.dtPrec !== null ? { precision: Number(r.dtPrec) } : {}),
      ...(r.numScale !== null ? { scale: Number(r.numScale) } : {}),
      ...(/\bunsigned\b/.test(fullType) ? { unsigned: true } : {}),
      ...(r.charset ? { charset: r.charset } : {}),
      ...(enumMatch ? { enumValues: [...enumMatch[1].matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1].replace(/''/g, "'")) } : {}),
    };
  });
  return { id, columns, primaryKey: pk.map((p) => p.name) };
}

export async function listTables(c: Sql): Promise<TableId[]> {
  const r = await rows<{ db: string; t: string }>(c, `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS t FROM information_schema.TABLES
    WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')`);
  return r.map((x) => ({ db: x.db, table: x.t }));
}
