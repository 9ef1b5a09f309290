// MySQL / MariaDB -> DuckDB type map. One row per source type (information_schema DATA_TYPE).
// Canonical text: what the server prints in a SELECT with time_zone='+00:00' (DATETIME/DATE/TIME
// verbatim, zero dates included), integers and exact DECIMAL as decimal text, BIT(n) as its
// unsigned integer value, binary strings as lowercase hex, TIMESTAMP as UTC text with `+00`.
import type { SourceColumn } from '../source/types';
import type { ColumnMapping } from './types';
import { castTo, zeroDateCast } from './duckdb';

type Mapped = Pick<ColumnMapping, 'targetType' | 'fromText' | 'note' | 'warning'>;
type Rule = (c: SourceColumn) => Mapped;

const as = (targetType: string, note?: string): Rule => () => withNote({ targetType, fromText: castTo(targetType) }, note);
const text = (note?: string): Rule => () => withNote({ targetType: 'VARCHAR', fromText: '$' }, note);
const blob = (note?: string): Rule => () => withNote({ targetType: 'BLOB', fromText: 'unhex($)' }, note);
const int = (signed: string, unsigned: string): Rule => (c) => as(c.unsigned ? unsigned : signed)(c);

function withNote(m: Mapped, note?: string): Mapped { return note ? { ...m, note } : m; }

const ZERO = 'zero dates (0000-00-00, month or day 00) land as NULL';
const GEOMETRY = blob('MySQL internal geometry: 4-byte SRID (little endian) followed by WKB');

export const mysqlRules: Record<string, Rule> = {
  tinyint: int('TINYINT', 'UTINYINT'), smallint: int('SMALLINT', 'USMALLINT'),
  mediumint: int('INTEGER', 'UINTEGER'), int: int('INTEGER', 'UINTEGER'), integer: int('INTEGER', 'UINTEGER'),
  bigint: int('BIGINT', 'UBIGINT'),
  decimal: (c) => {
    const p = c.precision ?? 10; const s = c.scale ?? 0;
    if (p <= 38) return { targetType: `DECIMAL(${p},${s})`, fromText: castTo(`DECIMAL(${p},${s})`) };
    return { targetType: 'VARCHAR', fromText: '$', note: `exact decimal text (DECIMAL(${p},${s}) is wider than DuckDB's 38 digits)` };
  },
  numeric: (c) => mysqlRules.decimal(c), dec: (c) => mysqlRules.decimal(c), fixed: (c) => mysqlRules.decimal(c),
  serial: as('UBIGINT'),
  float: as('FLOAT'), double: as('DOUBLE'), real: as('DOUBLE'),
  bit: (c) => ({ targetType: 'UBIGINT', fromText: castTo('UBIGINT'), note: `BIT(${c.length ?? 1}) as its unsigned integer value` }),
  year: as('SMALLINT', 'year number (0 for the zero year 0000)'),
  date: () => ({ targetType: 'DATE', fromText: zeroDateCast('DATE'), note: ZERO }),
  datetime: () => ({ targetType: 'TIMESTAMP', fromText: zeroDateCast('TIMESTAMP'), note: ZERO }),
  timestamp: () => ({ targetType: 'TIMESTAMPTZ', fromText: zeroDateCast('TIMESTAMPTZ'), note: `UTC; ${ZERO}` }),
  time: as('INTERVAL', 'MySQL TIME is a duration (-838:59:59 to 838:59:59): kept exactly as INTERVAL'),
  char: text(), varchar: text(), tinytext: text(), text: text(), mediumtext: text(), longtext: text(),
  enum: text('enum label as text'), set: text('set members as comma-separated text'),
  json: as('JSON'),
  binary: blob(), varbinary: blob(), tinyblob: blob(), blob: blob(), mediumblob: blob(), longblob: blob(),
  uuid: as('UUID'),
  inet4: text('IPv4 address as text'), inet6: text('IPv6 address as text'),
  geometry: GEOMETRY, point: GEOMETRY, linestring: GEOMETRY, polygon: GEOMETRY, multipoint: GEOMETRY,
  multilinestring: GEOMETRY, multipolygon: GEOMETRY, geometrycollection: GEOMETRY, geomcollection: GEOMETRY,
  vector: blob('vector as its bytes (float32 little endian)'),
};

const TEXTUAL = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext']);

/** Maps one MySQL/MariaDB column. */
export function mapMysqlColumn(col: SourceColumn): ColumnMapping {
  const type = col.dataType.toLowerCase();
  // char/varchar/text in the binary character set are byte strings
  const rule = col.charset === 'binary' && TEXTUAL.has(type) ? blob() : mysqlRules[type];
  const m: Mapped = rule ? rule(col)
    : { targetType: 'VARCHAR', fromText: '$', warning: `type ${col.fullType} is not known to LakeSync: kept as its text` };
  return { source: col, name: col.name, ...m };
}
