// The SQL shape of a verified row, the same on every side (PostgreSQL, MySQL/MariaDB, DuckDB):
// each column's canonical text (docs/verify.md; the expressions are per dialect) is written
// length-prefixed (`5:hello`, NULL as `N`), so no value can imitate a column boundary; the row's
// text is their concatenation; the row's hash is the first 60 bits of its MD5 as an integer.
// A chunk's checksum is (count, sum of row hashes): order does not matter, so the same
// aggregate serves keyed tables and multisets (tables without a key), and it refines into hash
// buckets (`hash % m`) when a chunk is bisected.

export interface Dialect {
  /** `length(e) || ':' || e`, or `N` for NULL. */
  field(expr: string): string;
  /** Concatenation of row fields (never NULL: fields are not). */
  concat(parts: string[]): string;
  /** 60-bit non-negative integer from the MD5 of a text. */
  hash(text: string): string;
  /** Sum of hashes as exact text. */
  sum(hash: string): string;
  /** Quoted identifier. */
  ident(name: string): string;
  /** String literal. */
  literal(value: string): string;
}

/** Bisection refines buckets `hash % FANOUT^level` (each level splits the buckets of the one before). */
export const FANOUT = 16;

/** The hash of a row from its columns' canonical expressions. */
export function rowHash(d: Dialect, columns: (string | undefined)[]): string {
  const parts = columns.filter((c): c is string => c !== undefined).map((c) => d.field(c));
  return d.hash(d.concat(parts.length ? parts : ["''"]));
}

/** A `(count, sum)` query over the rows of `from` matching `where`. */
export function checksumSql(d: Dialect, from: string, columns: (string | undefined)[], where: string[]): string {
  const h = rowHash(d, columns);
  return `SELECT count(*) AS n, ${d.sum(h)} AS s FROM ${from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
}

/** Buckets of the level before: only rows with `hash % m` in `buckets`. */
export interface Parent { m: number; buckets: number[] }

/** `(count, sum)` per bucket `hash % m` (within the parent buckets), only the buckets that have rows. */
export function bucketSql(d: Dialect, from: string, columns: (string | undefined)[], where: string[], m: number, parent?: Parent): string {
  const h = rowHash(d, columns);
  return `SELECT h % ${m} AS b, count(*) AS n, ${d.sum('h')} AS s FROM (SELECT ${h} AS h FROM ${from}`
    + `${where.length ? ` WHERE ${where.join(' AND ')}` : ''}) q`
    + `${parent ? ` WHERE h % ${parent.m} IN (${parent.buckets.join(', ')})` : ''} GROUP BY h % ${m}`;
}

/** The rows of some buckets: each column's canonical text (`c0`, `c1`...), and the row hash (`h`). */
export function rowsSql(d: Dialect, from: string, columns: (string | undefined)[], where: string[], parent?: Parent, limit = 10_000): string {
  const h = rowHash(d, columns);
  const cols = columns.map((c, i) => `${c ?? 'NULL'} AS c${i}`);
  return `SELECT * FROM (SELECT ${[...cols, `${h} AS h`].join(', ')} FROM ${from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}) q`
    + `${parent ? ` WHERE h % ${parent.m} IN (${parent.buckets.join(', ')})` : ''} LIMIT ${limit}`;
}

/**
 * A key range over integer key columns (the only keys split into ranges: every side orders
 * integers alike, unlike text under collations), written the same in every dialect.
 */
export function rangeWhere(d: Dialect, key: string[], from: string[] | null, to: string[] | null): string[] {
  const out: string[] = [];
  const cols = key.length === 1 ? d.ident(key[0]) : `(${key.map((k) => d.ident(k)).join(', ')})`;
  const tuple = (v: string[]) => {
    for (const x of v) if (!/^-?\d+$/.test(x)) throw new Error(`not an integer key bound: ${x}`);
    return v.length === 1 ? v[0] : `(${v.join(', ')})`;
  };
  if (from) out.push(`${cols} >= ${tuple(from)}`);
  if (to) out.push(`${cols} < ${tuple(to)}`);
  return out;
}
