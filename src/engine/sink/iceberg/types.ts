// DuckDB column types (what the type map produces) -> Iceberg types, the DuckDB type each column
// is cast to before the Parquet writer sees it, and the spec's binary form of bounds.
// Spec: "Primitive Types", "Parquet" appendix (type mapping), Appendix D "Single-value serialization".
import type { IcebergType, PrimitiveType } from './spec';

export interface IcebergColumnType {
  type: IcebergType;
  /** DuckDB type written to Parquet for it (Parquet physical/logical types the spec maps to `type`). */
  write: string;
  /** Set when the Iceberg form is a documented lossless representation, not the natural type. */
  note?: string;
}

const SIMPLE: Record<string, { type: PrimitiveType; write: string; note?: string }> = {
  BOOLEAN: { type: 'boolean', write: 'BOOLEAN' },
  TINYINT: { type: 'int', write: 'INTEGER' },
  SMALLINT: { type: 'int', write: 'INTEGER' },
  INTEGER: { type: 'int', write: 'INTEGER' },
  UTINYINT: { type: 'int', write: 'INTEGER' },
  USMALLINT: { type: 'int', write: 'INTEGER' },
  UINTEGER: { type: 'long', write: 'BIGINT' },
  BIGINT: { type: 'long', write: 'BIGINT' },
  UBIGINT: { type: 'decimal(20, 0)', write: 'DECIMAL(20,0)', note: 'unsigned 64-bit integers as decimal(20, 0)' },
  HUGEINT: { type: 'decimal(38, 0)', write: 'DECIMAL(38,0)' },
  FLOAT: { type: 'float', write: 'FLOAT' },
  REAL: { type: 'float', write: 'FLOAT' },
  DOUBLE: { type: 'double', write: 'DOUBLE' },
  DATE: { type: 'date', write: 'DATE' },
  TIME: { type: 'time', write: 'TIME' },
  TIMESTAMP: { type: 'timestamp', write: 'TIMESTAMP' },
  TIMESTAMPTZ: { type: 'timestamptz', write: 'TIMESTAMPTZ' },
  'TIMESTAMP WITH TIME ZONE': { type: 'timestamptz', write: 'TIMESTAMPTZ' },
  VARCHAR: { type: 'string', write: 'VARCHAR' },
  JSON: { type: 'string', write: 'VARCHAR', note: 'JSON as its text' },
  UUID: { type: 'uuid', write: 'UUID' },
  BLOB: { type: 'binary', write: 'BLOB' },
  // no Iceberg type holds these; their DuckDB text form is exact and reads back as the same value
  INTERVAL: { type: 'string', write: 'VARCHAR', note: 'interval as its text (e.g. "1 year 2 months 3 days 04:05:06.789")' },
  TIMETZ: { type: 'string', write: 'VARCHAR', note: 'time with time zone as its text (e.g. "12:00:00+02")' },
  'TIME WITH TIME ZONE': { type: 'string', write: 'VARCHAR', note: 'time with time zone as its text (e.g. "12:00:00+02")' },
  BIT: { type: 'string', write: 'VARCHAR', note: 'bit string as its text of 0 and 1' },
};

/** The Iceberg type of a DuckDB column type; `nextId` hands out ids for nested fields (list elements). */
export function icebergType(duckType: string, nextId: () => number): IcebergColumnType {
  const t = duckType.trim().toUpperCase();
  if (t.endsWith('[]')) {
    const inner = icebergType(t.slice(0, -2), nextId);
    return {
      type: { type: 'list', 'element-id': nextId(), element: inner.type, 'element-required': false },
      write: `${inner.write}[]`,
      note: inner.note,
    };
  }
  const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t) ?? /^NUMERIC\((\d+),\s*(\d+)\)$/.exec(t);
  if (dec) {
    const [p, s] = [Number(dec[1]), Number(dec[2])];
    // Iceberg decimals: precision <= 38 (DuckDB's own limit too)
    return { type: `decimal(${p}, ${s})`, write: `DECIMAL(${p},${s})` };
  }
  const simple = SIMPLE[t];
  if (simple) return { ...simple };
  if (t.startsWith('ENUM')) return { type: 'string', write: 'VARCHAR', note: 'enum as its label' };
  return { type: 'string', write: 'VARCHAR', note: `${duckType} as its text` };
}

/** Iceberg's allowed type promotions ("Schema Evolution": int->long, float->double, decimal(P,S)->decimal(P',S), P'>P). */
export function canPromote(from: IcebergType, to: IcebergType): boolean {
  if (typeof from !== 'string' || typeof to !== 'string') return false;
  if (from === to) return true;
  if (from === 'int' && to === 'long') return true;
  if (from === 'float' && to === 'double') return true;
  const a = /^decimal\((\d+), (\d+)\)$/.exec(from); const b = /^decimal\((\d+), (\d+)\)$/.exec(to);
  return !!a && !!b && a[2] === b[2] && Number(b[1]) >= Number(a[1]);
}

/**
 * Whether `to` is a smaller type of the same kind as `from` (long -> int, double -> float, a
 * decimal with fewer integer digits or a smaller scale): Iceberg never narrows, and LakeSync keeps
 * the wider column for such a change (docs/iceberg.md "Schema changes").
 */
export function narrows(from: IcebergType, to: IcebergType): boolean {
  if (typeof from !== 'string' || typeof to !== 'string') return false;
  if (from === 'long' && to === 'int') return true;
  if (from === 'double' && to === 'float') return true;
  const a = /^decimal\((\d+), (\d+)\)$/.exec(from); const b = /^decimal\((\d+), (\d+)\)$/.exec(to);
  if (!a || !b) return false;
  const [pa, sa, pb, sb] = [a[1], a[2], b[1], b[2]].map(Number);
  return sb < sa || pb - sb < pa - sa;
}

export function sameType(a: IcebergType, b: IcebergType): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Microseconds of `HH:MM:SS[.ffffff]`. */
function timeMicros(text: string): bigint | undefined {
  const m = /^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) return undefined;
  return ((BigInt(m[1]) * 60n + BigInt(m[2])) * 60n + BigInt(m[3])) * 1_000_000n + BigInt((m[4] ?? '').padEnd(6, '0'));
}

function le(n: bigint, bytes: 4 | 8): Buffer {
  const b = Buffer.alloc(bytes);
  if (bytes === 4) b.writeInt32LE(Number(n)); else b.writeBigInt64LE(n);
  return b;
}

/** Two's-complement big-endian, minimal length (the spec's decimal form). */
function decimalBytes(unscaled: bigint): Buffer {
  let len = 1;
  while (unscaled >= 1n << BigInt(8 * len - 1) || unscaled < -(1n << BigInt(8 * len - 1))) len++;
  const b = Buffer.alloc(len);
  let v = BigInt.asUintN(8 * len, unscaled);
  for (let i = len - 1; i >= 0; i--) { b[i] = Number(v & 0xffn); v >>= 8n; }
  return b;
}

/** Longest string bound kept (bounds are optional; a long value is better left out than truncated wrong). */
const MAX_STRING_BOUND = 64;

/**
 * A min or max as DuckDB's RETURN_STATS prints it -> the spec's single-value binary form, or
 * undefined where this writer leaves the bound out (floats, binary, lists; dates and timestamps,
 * whose statistics text drops the era: 5000 BC prints as "5000-01-01").
 * Bounds only prune files, so leaving one out is always safe; a wrong one is not.
 */
export function boundBytes(type: IcebergType, text: string): Buffer | undefined {
  if (typeof type !== 'string') return undefined;
  try {
    switch (type) {
      case 'boolean': return text === 'true' ? Buffer.from([1]) : text === 'false' ? Buffer.from([0]) : undefined;
      case 'int': return /^-?\d+$/.test(text) ? le(BigInt(text), 4) : undefined;
      case 'long': return /^-?\d+$/.test(text) ? le(BigInt(text), 8) : undefined;
      case 'time': { const t = timeMicros(text); return t === undefined ? undefined : le(t, 8); }
      case 'string': {
        const b = Buffer.from(text, 'utf8');
        return b.length <= MAX_STRING_BOUND ? b : undefined;
      }
      case 'uuid': {
        const hex = text.replace(/-/g, '');
        return /^[0-9a-f]{32}$/i.test(hex) ? Buffer.from(hex, 'hex') : undefined;
      }
      default: {
        const dec = /^decimal\((\d+), (\d+)\)$/.exec(type);
        if (!dec) return undefined;
        const scale = Number(dec[2]);
        const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
        if (!m || (m[3] ?? '').length !== scale) return undefined;
        return decimalBytes(BigInt(`${m[1]}${m[2]}${m[3] ?? ''}`));
      }
    }
  } catch {
    return undefined;
  }
}
