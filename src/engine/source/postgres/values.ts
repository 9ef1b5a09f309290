// PostgreSQL text output -> LakeSync canonical text. ONE function for the snapshot (COPY text) and
// the stream (pgoutput text tuples), so the same source value always gives the same string.
//
// Every connection runs with SESSION_SETTINGS (session.ts): TimeZone=UTC, DateStyle=ISO,
// IntervalStyle=postgres, bytea_output=hex, lc_monetary=C, extra_float_digits=1. Under those
// settings most types already print canonical text (see typemap/postgres.ts, which reads it);
// the kinds below are the exceptions:
//   bool      t / f               -> true / false
//   bytea     \x00ff              -> 00ff
//   money     -$1,234.56          -> -1234.56
//   interval  1 year 2 mons ...   -> <months> months <days> days <microseconds> microseconds
//   arrays    {1,NULL,"a b"}      -> ["1",null,"a b"] (JSON array of element canonical texts)
// Dates and timestamps keep PostgreSQL's spelling, including infinity and the " BC" suffix,
// which the typemap's fromText handles.
import { pgArrayToCanonical, pgByteaToCanonical, pgIntervalToCanonical } from '../../typemap/canonical';

export type ValueKind =
  | { kind: 'text' }
  | { kind: 'bool' }
  | { kind: 'bytea' }
  | { kind: 'money' }
  | { kind: 'interval' }
  | { kind: 'array'; element: ValueKind; delimiter: string };

export const TEXT: ValueKind = { kind: 'text' };

/** A column's kind: an array in text form (`source.arrays: text`) passes PostgreSQL's array text through unchanged. */
export function columnKind(kind: ValueKind, col: { arrayText?: boolean }): ValueKind {
  return kind.kind === 'array' && col.arrayText ? TEXT : kind;
}

/** Converts one non-null PostgreSQL text value of the given kind to canonical text. */
export function toCanonical(kind: ValueKind, text: string): string {
  switch (kind.kind) {
    case 'text': return text;
    case 'bool': return text === 't' ? 'true' : text === 'f' ? 'false' : text;
    case 'bytea': return pgByteaToCanonical(text);
    case 'money': return moneyToDecimal(text);
    case 'interval': return pgIntervalToCanonical(text);
    case 'array': {
      const element = kind.element;
      return pgArrayToCanonical(text, (v) => toCanonical(element, v), kind.delimiter);
    }
  }
}

/**
 * Canonical text back to PostgreSQL input text, for key-range bounds in snapshot queries.
 * Only kinds that can be primary keys and differ from PostgreSQL's spelling matter.
 */
export function toPgText(kind: ValueKind, canonical: string): string {
  return kind.kind === 'bytea' ? `\\x${canonical}` : canonical;
}

function moneyToDecimal(text: string): string {
  // lc_monetary=C prints "$1,234.56" and "-$1,234.56"; some locales use parentheses for negatives.
  const negative = text.includes('-') || (text.startsWith('(') && text.endsWith(')'));
  const digits = text.replace(/[^0-9.]/g, '');
  return negative ? `-${digits}` : digits;
}
