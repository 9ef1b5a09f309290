// The canonical text of a FLOAT or DOUBLE column (docs/verify.md), the same on every side.
//
// Each side widens the value to a double (exact: a FLOAT is compared as the float32 the target
// stores) and prints it as the shortest text that reads back to the same double. PostgreSQL
// (extra_float_digits >= 1), MySQL/MariaDB (CAST(double AS CHAR)) and DuckDB all print those
// same shortest digits, but in different notations (`1e+20`, `1e20`, `100000000000000000000.0`,
// `1.5e-07`, `0.00000015`). So the text is rewritten, in each side's SQL, to one notation:
// `[-]DIGITS e EXP` with no leading or trailing zero digit, meaning 0.DIGITS x 10^EXP
// (`1.5e-07` -> `15e-6`). Equal texts are then the same double, bit for bit. Zero is `0` (its
// sign is not compared); NaN and the infinities are `NaN`, `Infinity`, `-Infinity`.

/** The string functions of one SQL dialect the rewrite needs. */
export interface TextFns {
  /** Part `n` (1: before, 2: after; '' when `sep` is absent) of `s` split at the first `sep`. */
  part(s: string, sep: string, n: 1 | 2): string;
  /** `s` without leading (`side` 'l') or trailing ('r') `ch` characters. */
  trim(s: string, ch: string, side: 'l' | 'r'): string;
  len(s: string): string;
  cat(parts: string[]): string;
  /** Integer of a text that may be '' (0) or carry a sign. */
  int(s: string): string;
  /** Text of an integer expression. */
  text(n: string): string;
  lit(s: string): string;
}

/** SQL: the canonical form of `t`, a double's shortest round-trip text (not NaN or infinite). */
export function canonicalFloatText(t: string, f: TextFns): string {
  const abs = f.trim(t, '-', 'l');
  const mantissa = f.part(abs, 'e', 1);
  const intPart = f.part(mantissa, '.', 1);
  const digits = f.cat([intPart, f.part(mantissa, '.', 2)]);
  const lead = f.trim(digits, '0', 'l');
  const sig = f.trim(lead, '0', 'r');
  // 0.DIGITS x 10^EXP: the exponent written, plus the integer digits, less the leading zeros dropped
  const exp = `(${f.int(f.part(abs, 'e', 2))} + ${f.len(intPart)} - (${f.len(digits)} - ${f.len(lead)}))`;
  return `CASE WHEN ${sig} = '' THEN '0' ELSE ${f.cat([`CASE WHEN ${t} LIKE '-%' THEN '-' ELSE '' END`, sig, f.lit('e'), f.text(exp)])} END`;
}

export const pgTextFns: TextFns = {
  part: (s, sep, n) => `split_part(${s}, '${sep}', ${n})`,
  trim: (s, ch, side) => `${side}trim(${s}, '${ch}')`,
  len: (s) => `length(${s})`,
  cat: (p) => `(${p.join(' || ')})`,
  int: (s) => `coalesce(nullif(${s}, '')::int, 0)`,
  text: (n) => `(${n})::text`,
  lit: (s) => `'${s}'`,
};

export const duckdbTextFns: TextFns = {
  part: (s, sep, n) => `split_part(${s}, '${sep}', ${n})`,
  trim: (s, ch, side) => `${side}trim(${s}, '${ch}')`,
  len: (s) => `length(${s})`,
  cat: (p) => `(${p.join(' || ')})`,
  int: (s) => `coalesce(CAST(nullif(${s}, '') AS INTEGER), 0)`,
  text: (n) => `CAST(${n} AS VARCHAR)`,
  lit: (s) => `'${s}'`,
};

export const mysqlTextFns: TextFns = {
  part: (s, sep, n) => (n === 1 ? `SUBSTRING_INDEX(${s}, '${sep}', 1)` : `IF(LOCATE('${sep}', ${s}) > 0, SUBSTRING(${s}, LOCATE('${sep}', ${s}) + 1), '')`),
  trim: (s, ch, side) => `TRIM(${side === 'l' ? 'LEADING' : 'TRAILING'} '${ch}' FROM ${s})`,
  len: (s) => `CHAR_LENGTH(${s})`,
  cat: (p) => `CONCAT(${p.join(', ')})`,
  int: (s) => `CAST(IF(${s} = '', '0', ${s}) AS SIGNED)`,
  text: (n) => `CAST(${n} AS CHAR)`,
  lit: (s) => `'${s}'`,
};
