// DuckDB-side helpers shared by both type maps: identifier quoting, the `$` placeholder,
// fromText expressions per target type, list (array) expressions, and type widening.

/** Quotes an identifier for DuckDB: always quoted, embedded quotes doubled, so any name round trips. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** SQL string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Substitutes the staged column expression for every `$` of a fromText expression. */
export function renderFromText(fromText: string, column: string): string {
  // fromText expressions never contain `$` except as the placeholder (see the modules below).
  return fromText.split('$').join(column);
}

export const castTo = (type: string): string => `CAST($ AS ${type})`;

/**
 * PostgreSQL writes BC dates as `0044-03-15 BC` / `0044-03-15 12:00:00+00 BC`; DuckDB silently
 * reads the former as AD, so the suffix is moved to where DuckDB expects it: `0044-03-15 (BC) ...`.
 */
export function bcAwareCast(type: 'DATE' | 'TIMESTAMP' | 'TIMESTAMPTZ'): string {
  const fixed = type === 'DATE'
    ? `substr($, 1, length($) - 3) || ' (BC)'`
    : `regexp_replace(substr($, 1, length($) - 3), '^([0-9]+-[0-9]+-[0-9]+) ', '\\1 (BC) ')`;
  return `CAST(CASE WHEN suffix($, ' BC') THEN ${fixed} ELSE $ END AS ${type})`;
}

/** NaN cannot live in a DECIMAL: it lands as NULL (documented). */
export function decimalCast(type: string): string {
  return `CASE WHEN $ = 'NaN' THEN NULL ELSE CAST($ AS ${type}) END`;
}

/** MySQL zero dates (`0000-00-00`, `2024-00-10`, `2024-05-00`) land as NULL (documented default). */
export function zeroDateCast(type: 'DATE' | 'TIMESTAMP' | 'TIMESTAMPTZ'): string {
  return `CASE WHEN substr($, 6, 2) = '00' OR substr($, 9, 2) = '00' THEN NULL ELSE CAST($ AS ${type}) END`;
}

/**
 * An array staged as JSON array text whose elements are the element's canonical text as JSON
 * strings (or null); nested arrays for more dimensions. `elementFromText` reads one element.
 */
export function listFromText(elementFromText: string, dims: number): string {
  const varcharList = 'VARCHAR' + '[]'.repeat(dims);
  const parsed = `CAST(CAST($ AS JSON) AS ${varcharList})`;
  let expr = elementFromText;
  if (elementFromText === '$') expr = parsed;
  else {
    for (let d = 0; d < dims; d++) {
      const v = `lakesync_e${d}`;
      expr = `list_transform($, lambda ${v}: ${renderFromText(expr, v)})`;
    }
    expr = renderFromText(expr, parsed);
  }
  return `CASE WHEN ${listShapeFits(dims)} THEN ${expr} ELSE ${listMisfit(dims)} END`;
}

/**
 * A LIST holds a 1-based array of exactly its own dimensions. PostgreSQL enforces neither (an
 * `int[]` column may hold `[0:1]={1,2}` or `{{1,2},{3,4}}`), and PostgreSQL arrays are always
 * rectangular, so following the first element down `dims` levels checks the whole shape.
 * JSON pointers (`/0/0`) instead of `$[0]` paths: `$` is the fromText placeholder.
 */
function listShapeFits(dims: number): string {
  const at = (depth: number) => (depth === 0 ? 'json_type($)' : `json_type($, '${'/0'.repeat(depth)}')`);
  const levels = Array.from({ length: dims }, (_, d) => `${at(d)} = 'ARRAY'`);
  return `json_valid($) AND json_type($) = 'ARRAY' AND (json_array_length($) = 0 OR (${levels.join(' AND ')} AND coalesce(${at(dims)}, '') <> 'ARRAY'))`;
}

/** Fails the batch (the table stops, never a renumbered or flattened value), saying how to keep such arrays. */
function listMisfit(dims: number): string {
  return `error('the PostgreSQL array ' || left($, 60) || ' does not fit a ${dims}-dimensional list starting at 1 `
    + `(PostgreSQL does not enforce declared dimensions or lower bounds); set source.arrays: text in the task file `
    + `to keep every array as its exact PostgreSQL text, then lakesync resync the table')`;
}

const SIGNED = ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT'];
const UNSIGNED = ['UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT'];
/** Decimal digits an integer type needs. */
const INT_DIGITS: Record<string, number> = {
  TINYINT: 3, SMALLINT: 5, INTEGER: 10, BIGINT: 19, HUGEINT: 39,
  UTINYINT: 3, USMALLINT: 5, UINTEGER: 10, UBIGINT: 20, UHUGEINT: 39,
};
const STRINGY = new Set(['VARCHAR', 'JSON', 'UUID']);

export interface Decimal { precision: number; scale: number }
export function parseDecimal(type: string): Decimal | undefined {
  const m = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(type);
  return m ? { precision: Number(m[1]), scale: Number(m[2]) } : undefined;
}

export interface Widened {
  targetType: string;
  /** Set when the values of one side change meaning (e.g. rendered as text). */
  warning?: string;
  note?: string;
}

/**
 * The narrowest DuckDB type that holds every value of both types, exactly where possible.
 * Used to unify merged tables and to evolve a column whose source type changed.
 */
export function widen(a: string, b: string): Widened {
  if (a === b) return { targetType: a };
  const la = listOf(a); const lb = listOf(b);
  if (la !== undefined || lb !== undefined) {
    if (la !== undefined && lb !== undefined) {
      const inner = widen(la, lb);
      if (inner.targetType !== 'VARCHAR' || la === 'VARCHAR' || lb === 'VARCHAR') {
        return { ...inner, targetType: `${inner.targetType}[]` };
      }
    }
    return text(a, b);
  }
  const ia = intRank(a); const ib = intRank(b);
  if (ia && ib) {
    if (ia.unsigned === ib.unsigned) return { targetType: (ia.unsigned ? UNSIGNED : SIGNED)[Math.max(ia.rank, ib.rank)] };
    const u = ia.unsigned ? ia : ib; const s = ia.unsigned ? ib : ia;
    const rank = Math.max(s.rank, u.rank + 1);
    if (rank < SIGNED.length) return { targetType: SIGNED[rank] };
    return { targetType: 'DECIMAL(38,0)' }; // UHUGEINT never comes from a source
  }
  const da = asDecimal(a); const db = asDecimal(b);
  if (da && db) {
    // The larger precision grown by the scale difference (the team's rule: DECIMAL(10,2) +
    // DECIMAL(12,4) -> DECIMAL(14,4)); never narrower than the exact minimum.
    const scale = Math.max(da.scale, db.scale);
    const precision = Math.max(da.precision, db.precision) + scale - Math.min(da.scale, db.scale);
    if (precision <= 38) return { targetType: `DECIMAL(${precision},${scale})` };
    return { targetType: 'VARCHAR', note: `values wider than DECIMAL(38) are kept as exact decimal text (${a} + ${b})` };
  }
  const floats = new Set(['FLOAT', 'DOUBLE']);
  if (floats.has(a) && floats.has(b)) return { targetType: 'DOUBLE' };
  if ((floats.has(a) && small(b)) || (floats.has(b) && small(a))) return { targetType: 'DOUBLE' };
  if ((a === 'DATE' && b === 'TIMESTAMP') || (b === 'DATE' && a === 'TIMESTAMP')) return { targetType: 'TIMESTAMP' };
  if ((a === 'DATE' && b === 'TIMESTAMPTZ') || (b === 'DATE' && a === 'TIMESTAMPTZ')) return { targetType: 'TIMESTAMPTZ' };
  if ((a === 'TIME' && b === 'INTERVAL') || (b === 'TIME' && a === 'INTERVAL')) return { targetType: 'INTERVAL' };
  if (STRINGY.has(a) && STRINGY.has(b)) return { targetType: 'VARCHAR' };
  return text(a, b);
}

function text(a: string, b: string): Widened {
  return { targetType: 'VARCHAR', warning: `types ${a} and ${b} have no common type: values are kept as their canonical text` };
}
function listOf(t: string): string | undefined { return t.endsWith('[]') ? t.slice(0, -2) : undefined; }
function intRank(t: string): { rank: number; unsigned: boolean } | undefined {
  const s = SIGNED.indexOf(t); if (s >= 0) return { rank: s, unsigned: false };
  const u = UNSIGNED.indexOf(t); if (u >= 0) return { rank: u, unsigned: true };
  return undefined;
}
function asDecimal(t: string): Decimal | undefined {
  const d = parseDecimal(t); if (d) return d;
  const digits = INT_DIGITS[t];
  return digits !== undefined ? { precision: digits, scale: 0 } : undefined;
}
/** Integers that a DOUBLE holds exactly. */
function small(t: string): boolean {
  return ['TINYINT', 'SMALLINT', 'INTEGER', 'UTINYINT', 'USMALLINT', 'UINTEGER'].includes(t);
}

/**
 * A generic fromText for a target type (used after widening, when the two sides' own
 * expressions no longer apply). Tolerant of every canonical text that widen() admits.
 */
export function fromTextFor(targetType: string): string {
  const inner = listOf(targetType);
  if (inner !== undefined) {
    let dims = 1; let el = inner;
    while (el.endsWith('[]')) { el = el.slice(0, -2); dims++; }
    return listFromText(fromTextFor(el), dims);
  }
  if (targetType === 'VARCHAR') return '$';
  if (targetType === 'BLOB') return 'unhex($)';
  if (parseDecimal(targetType)) return decimalCast(targetType);
  if (targetType === 'DATE' || targetType === 'TIMESTAMP' || targetType === 'TIMESTAMPTZ') {
    // zero dates (MySQL) and BC suffixes (PostgreSQL): both sources may feed a widened column
    const bc = bcAwareCast(targetType);
    return `CASE WHEN substr($, 6, 2) = '00' OR substr($, 9, 2) = '00' THEN NULL ELSE ${bc} END`;
  }
  return castTo(targetType);
}
