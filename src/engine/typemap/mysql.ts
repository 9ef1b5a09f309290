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

const DATES: Record<string, 'DATE' | 'TIMESTAMP' | 'TIMESTAMPTZ'> = { date: 'DATE', datetime: 'TIMESTAMP', timestamp: 'TIMESTAMPTZ' };

/**
 * DATE/DATETIME/TIMESTAMP and their zero dates (0000-00-00, month or day 00; canonical text keeps
 * them as the server prints them): the server's exact text with `source.zeroDates: text`; else
 * typed, a zero date NULL, and in a key column an error that stops the table, because two keys
 * that differ only in their zero dates would become one.
 */
function mapDate(col: SourceColumn, type: 'DATE' | 'TIMESTAMP' | 'TIMESTAMPTZ', inKey: boolean): Mapped {
  const utc = type === 'TIMESTAMPTZ' ? 'UTC; ' : '';
  if (col.dateText) {
    return { targetType: 'VARCHAR', fromText: '$', note: `${utc}the server's exact text, zero dates included (source.zeroDates: text)${utc ? ', with +00' : ''}` };
  }
  if (!inKey) return { targetType: type, fromText: zeroDateCast(type), note: `${utc}${ZERO}` };
  const fromText = `CASE WHEN substr($, 6, 2) = '00' OR substr($, 9, 2) = '00' THEN error('the zero date ' || $ || ' is in a primary key column: `
    + `DuckDB has no such date, and as NULL two keys could become one; set source.zeroDates: text in the task file to keep dates as their exact text, `
    + `then lakesync resync the table') ELSE CAST($ AS ${type}) END`;
  return { targetType: type, fromText, note: `${utc}a zero date in this key column stops the table (source.zeroDates: text keeps it)` };
}

/** Maps one MySQL/MariaDB column; `inKey`: the column is part of the table's primary key. */
export function mapMysqlColumn(col: SourceColumn, inKey = false): ColumnMapping {
  const type = col.dataType.toLowerCase();
  if (DATES[type]) return { source: col, name: col.name, ...mapDate(col, DATES[type], inKey) };
  // char/varchar/text in the binary character set are byte strings
  const rule = col.charset === 'binary' && TEXTUAL.has(type) ? blob() : mysqlRules[type];
  const m: Mapped = rule ? rule(col)
    : { targetType: 'VARCHAR', fromText: '$', warning: `type ${col.fullType} is not known to LakeSync: kept as its text` };
  return { source: col, name: col.name, ...m };
}
