// The bulk snapshot path of MySQL/MariaDB: the server builds one CSV line per row (CHUNK_CSV) whose
// fields are exactly the canonical text readChunk gives (values.ts: snapshotSelectExpr +
// fromSnapshotText), so no value passes through JavaScript one by one. A kind whose canonical text
// needs JavaScript (FLOAT's shortest float32 digits, INET6's RFC 5952 text) has no expression here:
// its table takes readChunk.
import type { SourceColumn, SourceTable } from '../types';
import { quoteId, valueKind } from './values';

const NULL = `X'5C4E'`; // the two bytes \N (a hex literal: no sql_mode changes how it reads)

/** Text as UTF-8 bytes (binary, so no collation mix and no further conversion), quoted, quotes doubled. */
function quoted(col: SourceColumn, c: string): string {
  const cs = (col.charset ?? '').toLowerCase();
  // utf8mb3/ascii bytes are already UTF-8; any other charset is converted as the wire would
  const bytes = cs === 'utf8mb4' || cs === 'utf8mb3' || cs === 'utf8' || cs === 'ascii'
    ? `CAST(${c} AS BINARY)` : `CAST(CONVERT(${c} USING utf8mb4) AS BINARY)`;
  return `CONCAT('"', REPLACE(${bytes}, '"', '""'), '"')`;
}

/**
 * JavaScript's Number -> String of a non-zero double, from the server's shortest round-trip text
 * `t` (MariaDB/MySQL print the same digits, but in exponent form from 1e15 and for tiny values,
 * and plain from 1e-7 where JavaScript writes 1e-7): digits D and point position n, then
 * ECMAScript's Number::toString layout.
 */
function jsDoubleText(t: string): string {
  const a = `IF(LEFT(${t}, 1) = '-', SUBSTR(${t}, 2), ${t})`;
  const sign = `IF(LEFT(${t}, 1) = '-', '-', '')`;
  const layout = (d: string, n: string): string => {
    const k = `CHAR_LENGTH(${d})`;
    return `CASE WHEN ${k} <= ${n} AND ${n} <= 21 THEN CONCAT(${d}, REPEAT('0', ${n} - ${k}))`
      + ` WHEN 0 < ${n} AND ${n} <= 21 THEN CONCAT(LEFT(${d}, ${n}), '.', SUBSTR(${d}, ${n} + 1))`
      + ` WHEN -6 < ${n} AND ${n} <= 0 THEN CONCAT('0.', REPEAT('0', -(${n})), ${d})`
      + ` ELSE CONCAT(LEFT(${d}, 1), IF(${k} > 1, CONCAT('.', SUBSTR(${d}, 2)), ''), 'e', IF(${n} - 1 >= 0, '+', '-'), ABS(${n} - 1)) END`;
  };
  // exponent form: m e E (m = d[.ddd], first digit non-zero)
  const eDigits = `REPLACE(SUBSTRING_INDEX(${a}, 'e', 1), '.', '')`;
  const eN = `(CAST(SUBSTRING_INDEX(${a}, 'e', -1) AS SIGNED) + 1)`;
  // plain form: ip[.fp]
  const ip = `SUBSTRING_INDEX(${a}, '.', 1)`;
  const fp = `IF(LOCATE('.', ${a}) > 0, SUBSTRING_INDEX(${a}, '.', -1), '')`;
  const bigDigits = `TRIM(TRAILING '0' FROM CONCAT(${ip}, ${fp}))`;
  const bigN = `CHAR_LENGTH(${ip})`;
  const smallDigits = `TRIM(LEADING '0' FROM ${fp})`;
  const smallN = `(CHAR_LENGTH(${smallDigits}) - CHAR_LENGTH(${fp}))`;
  return `CONCAT(${sign}, CASE WHEN LOCATE('e', ${a}) > 0 THEN ${layout(eDigits, eN)}`
    + ` WHEN ${ip} <> '0' THEN ${layout(bigDigits, bigN)} ELSE ${layout(smallDigits, smallN)} END)`;
}

/** The CSV field of one column (NULL as \N), or undefined when SQL cannot give its canonical text. */
export function csvFieldExpr(col: SourceColumn): string | undefined {
  const c = quoteId(col.name);
  const orNull = (e: string) => `IFNULL(${e}, ${NULL})`;
  switch (valueKind(col)) {
    // An integer's display width (BIGINT(1), INT(5) ZEROFILL) bounds neither its value nor its text, but
    // the server sizes the line by it: GROUP BY's temporary table then cuts the line (18446744073709551615 -> 1).
    case 'integer': return orNull(`CAST(${c} AS CHAR(${Math.max(20, Number(/\((\d+)\)/.exec(col.fullType ?? '')?.[1] ?? 0))}))`);
    case 'decimal': case 'date': case 'datetime': case 'time':
      return orNull(c);
    case 'bit': return orNull(`CAST(${c} AS UNSIGNED)`);
    // YEAR(4) reads as its number (0000 -> 0); the old two-digit YEAR(2) prints differently
    case 'year': return /year\(2\)/i.test(col.fullType ?? '') ? undefined : orNull(`CAST(${c} AS UNSIGNED)`);
    case 'timestamp': return orNull(`CONCAT(${c}, '+00')`);
    // Common doubles print alike in both; zero (and -0) is 0; the rest are laid out as JavaScript does.
    // `+ 0E0` drops a ZEROFILL column's padding (00001.5), which the snapshot's Number() ignores too.
    case 'double': {
      const v = `(${c} + 0E0)`;
      return orNull(`CASE WHEN ${v} IS NULL THEN NULL WHEN ${v} = 0 THEN '0' WHEN ABS(${v}) >= 1e-6 AND ABS(${v}) < 1e15 THEN CAST(${v} AS CHAR)`
        + ` ELSE ${jsDoubleText(`CAST(${v} AS CHAR)`)} END`);
    }
    case 'text': case 'json': return orNull(quoted(col, c));
    case 'binary': return orNull(`CONCAT('"', LOWER(HEX(${c})), '"')`);
    case 'uuid': return orNull(`LOWER(INSERT(INSERT(INSERT(INSERT(HEX(CAST(${c} AS BINARY(16))), 21, 0, '-'), 17, 0, '-'), 13, 0, '-'), 9, 0, '-'))`);
    case 'inet4': return orNull(`INET_NTOA(CONV(HEX(CAST(${c} AS BINARY(4))), 16, 10))`);
    case 'float': case 'inet6': return undefined;
  }
}

/** The SELECT list of one CSV line per row (a binary string), or undefined when a column needs readChunk. */
export function csvLineExpr(table: SourceTable): string | undefined {
  const fields: string[] = [];
  for (const col of table.columns) {
    const f = csvFieldExpr(col);
    if (f === undefined) return undefined;
    fields.push(f);
  }
  return `CAST(CONCAT_WS(',', ${fields.join(', ')}) AS BINARY)`;
}

/**
 * The most bytes one CSV line of `table` can take, or undefined when a column is unbounded (TEXT,
 * BLOB, JSON, spatial): text counts 4 bytes a character and every quote doubled.
 */
export function maxLineBytes(table: SourceTable): number | undefined {
  let total = 0;
  for (const col of table.columns) {
    const t = col.dataType.toLowerCase();
    switch (valueKind(col)) {
      case 'text':
        if (!['char', 'varchar', 'enum', 'set'].includes(t) || col.length === undefined) return undefined;
        total += col.length * 8 + 2;
        break;
      case 'binary':
        if (!['binary', 'varbinary', 'char', 'varchar'].includes(t) || col.length === undefined) return undefined;
        total += col.length * 2 + 2;
        break;
      case 'json': return undefined;
      default: total += 72; // numbers, dates, times, UUID, INET4: at most 67 characters (DECIMAL(65,30))
    }
    total += 1;
  }
  return total;
}

/** Bytes the server may put into one group of CSV lines (GROUP_CONCAT's limit; a group never reaches it). */
export const GROUP_LIMIT = 4 << 20;
/** The most bytes of lines one group can hold by the columns' declared widths (far below max_allowed_packet). */
const GROUP_BYTES = 256 << 10;

/**
 * Copies of tables with one integer key and lines of bounded width take their rows from the server
 * in groups of consecutive keys (GROUP_CONCAT of the lines, at most GROUP_BYTES a group): one result row
 * per group instead of one per row, since mysql2's per-row cost is most of what is left in JavaScript.
 */
export function lineGroup(table: SourceTable): { key: string; rows: number } | undefined {
  if (table.primaryKey.length !== 1) return undefined;
  const key = table.columns.find((c) => c.name === table.primaryKey[0]);
  const width = maxLineBytes(table);
  if (!key || valueKind(key) !== 'integer' || width === undefined) return undefined;
  const rows = Math.min(1024, Math.floor(GROUP_BYTES / width));
  return rows >= 16 ? { key: key.name, rows } : undefined;
}
