// PostgreSQL -> DuckDB type map. One row per source type: target type, how the staged canonical
// text is read (fromText), and a note when the representation is not the natural one.
// Canonical text = PostgreSQL's own text output with DateStyle=ISO, TimeZone=UTC,
// extra_float_digits=1 (shortest round trip), bytea_output=hex without `\x`, except where noted.
import type { SourceColumn } from '../source/types';
import type { ColumnMapping } from './types';
import { bcAwareCast, castTo, decimalCast, listFromText } from './duckdb';

interface Rule {
  /** Fixed target type, or computed from the column. */
  type: string | ((c: SourceColumn) => string);
  fromText?: string | ((type: string) => string);
  note?: string | ((c: SourceColumn) => string | undefined);
  warning?: string;
}

const text = (note?: string): Rule => ({ type: 'VARCHAR', fromText: '$', note });
const as = (type: string, note?: string): Rule => ({ type, note });

/**
 * DuckDB DECIMAL holds 38 digits; wider or unconstrained numerics stay exact as decimal text.
 * PostgreSQL 15 also allows a negative scale (numeric(5,-2) rounds to hundreds) and a scale above
 * the precision (numeric(3,5) < 0.001): both fit a DECIMAL that keeps every digit.
 */
function decimalOf(c: SourceColumn): string | undefined {
  if (c.precision === undefined) return undefined;
  const s = c.scale ?? 0;
  const [p, scale] = s < 0 ? [c.precision - s, 0] : [Math.max(c.precision, s), s];
  return p <= 38 ? `DECIMAL(${p},${scale})` : undefined;
}
const numeric: Rule = {
  type: (c) => decimalOf(c) ?? 'VARCHAR',
  fromText: (t) => (t === 'VARCHAR' ? '$' : decimalCast(t)),
  note: (c) => (decimalOf(c)
    ? 'NaN lands as NULL (DECIMAL has no NaN)'
    : 'exact decimal text (DuckDB DECIMAL stops at 38 digits; NaN and ±Infinity kept as text)'),
};

export const postgresRules: Record<string, Rule> = {
  int2: as('SMALLINT'), int4: as('INTEGER'), int8: as('BIGINT'),
  oid: as('UINTEGER'), xid: as('UINTEGER'), cid: as('UINTEGER'), xid8: as('UBIGINT'),
  regclass: text('object name as text'), regtype: text('object name as text'), regproc: text('object name as text'),
  numeric,
  money: { type: 'DECIMAL(19,2)', fromText: castTo('DECIMAL(19,2)'), note: 'amount without currency symbol (read as numeric)' },
  float4: as('FLOAT'), float8: as('DOUBLE'),
  bool: as('BOOLEAN'),
  bpchar: text('blank-padded to its length, as stored'), char: text('internal one-byte "char"'),
  varchar: text(), text: text(), name: text(), citext: text('case-insensitive text: comparisons in DuckDB are case-sensitive'),
  bytea: { type: 'BLOB', fromText: 'unhex($)' },
  bit: { type: 'BIT', note: 'bit string of fixed length' },
  varbit: text('bit string as text of 0 and 1 (DuckDB BIT cannot hold the empty bit string)'),
  date: { type: 'DATE', fromText: bcAwareCast('DATE') },
  timestamp: { type: 'TIMESTAMP', fromText: bcAwareCast('TIMESTAMP') },
  timestamptz: { type: 'TIMESTAMPTZ', fromText: bcAwareCast('TIMESTAMPTZ'), note: 'UTC' },
  time: as('TIME'), timetz: as('TIMETZ'),
  interval: { type: 'INTERVAL', note: 'months, days and microseconds kept apart, as in PostgreSQL' },
  uuid: as('UUID'),
  json: as('JSON'), jsonb: as('JSON'),
  inet: text('network address as text'), cidr: text('network address as text'),
  macaddr: text('MAC address as text'), macaddr8: text('MAC address as text'),
  xml: text('XML document as text'), tsvector: text('text search vector as text'), tsquery: text('text search query as text'),
  point: text('geometric value as text'), line: text('geometric value as text'), lseg: text('geometric value as text'),
  box: text('geometric value as text'), path: text('geometric value as text'), polygon: text('geometric value as text'),
  circle: text('geometric value as text'),
  // PostGIS: its text output is hex EWKB, the same by COPY and by pgoutput; kept as those bytes
  geometry: { type: 'BLOB', fromText: 'unhex($)', note: 'PostGIS EWKB bytes: WKB with the SRID (and Z/M) inside' },
  geography: { type: 'BLOB', fromText: 'unhex($)', note: 'PostGIS EWKB bytes: WKB with the SRID (and Z/M) inside' },
  pg_lsn: text('LSN as text'), txid_snapshot: text('snapshot as text'), pg_snapshot: text('snapshot as text'),
  int4range: text('range as text'), int8range: text('range as text'), numrange: text('range as text'),
  tsrange: text('range as text'), tstzrange: text('range as text'), daterange: text('range as text'),
  int4multirange: text('multirange as text'), int8multirange: text('multirange as text'),
  nummultirange: text('multirange as text'), tsmultirange: text('multirange as text'),
  tstzmultirange: text('multirange as text'), datemultirange: text('multirange as text'),
};

/** SQL-standard spellings that information_schema and format_type use. */
const ALIASES: Record<string, string> = {
  smallint: 'int2', integer: 'int4', int: 'int4', bigint: 'int8', smallserial: 'int2', serial: 'int4', bigserial: 'int8',
  decimal: 'numeric', real: 'float4', 'double precision': 'float8', boolean: 'bool',
  character: 'bpchar', 'character varying': 'varchar', '"char"': 'char',
  'bit varying': 'varbit', 'timestamp without time zone': 'timestamp', 'timestamp with time zone': 'timestamptz',
  'time without time zone': 'time', 'time with time zone': 'timetz',
};

export function normalizePostgresType(name: string): string {
  const n = name.toLowerCase().replace(/\(.*\)/, '').trim();
  return ALIASES[n] ?? n;
}

/** Maps one PostgreSQL column (domains already resolved to their base type by metadata). */
export function mapPostgresColumn(col: SourceColumn): ColumnMapping {
  if (col.isArray) return mapArray(col);
  const m = mapScalar(col, normalizePostgresType(col.dataType));
  return { source: col, name: col.name, ...m };
}

type Mapped = Pick<ColumnMapping, 'targetType' | 'fromText' | 'note' | 'warning'>;

function mapScalar(col: SourceColumn, type: string): Mapped {
  if (col.enumValues) {
    return { targetType: 'VARCHAR', fromText: '$', note: `enum label as text (${col.enumValues.length} labels; new labels need no DDL)` };
  }
  const rule = postgresRules[type];
  if (!rule) {
    return { targetType: 'VARCHAR', fromText: '$', warning: `type ${col.fullType} is not known to LakeSync: kept as its text output` };
  }
  const targetType = typeof rule.type === 'function' ? rule.type(col) : rule.type;
  const fromText = typeof rule.fromText === 'function' ? rule.fromText(targetType) : rule.fromText ?? castTo(targetType);
  const note = typeof rule.note === 'function' ? rule.note(col) : rule.note;
  const out: Mapped = { targetType, fromText };
  if (note) out.note = note;
  if (rule.warning) out.warning = rule.warning;
  return out;
}

/**
 * Arrays become DuckDB lists of the element's type. Canonical text: a JSON array of the elements'
 * canonical texts as JSON strings (null for NULL), nested for more dimensions; `{}` is `[]`.
 */
function mapArray(col: SourceColumn): ColumnMapping {
  if (col.arrayText) {
    return { source: col, name: col.name, targetType: 'VARCHAR', fromText: '$', note: 'PostgreSQL array text, exact (lower bounds and dimensions kept; source.arrays: text)' };
  }
  const elementName = col.elementType ?? col.dataType.replace(/\[\]$/, '');
  const element: SourceColumn = { ...col, isArray: false, dataType: normalizePostgresType(elementName), fullType: elementName };
  const dims = Math.max(1, (col.fullType.match(/\[\]/g) ?? []).length);
  const el = mapScalar(element, element.dataType);
  const note = [`${dims}-dimensional list starting at 1 (other shapes stop the table; source.arrays: text keeps any array)`, el.note]
    .filter(Boolean).join('; ');
  const out: ColumnMapping = {
    source: col, name: col.name,
    targetType: el.targetType + '[]'.repeat(dims),
    fromText: listFromText(el.fromText, dims),
    note,
  };
  if (el.warning) out.warning = el.warning;
  return out;
}
