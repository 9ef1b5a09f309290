// SQL text helpers: every identifier is quoted and every literal escaped; user text never
// reaches SQL any other way. Quoting is the type map's, so DDL and DML agree.
import { quoteIdent, quoteLiteral, renderFromText } from '../../typemap/duckdb';

export { quoteIdent, quoteLiteral };

export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** Replaces `$` (the staged column) in a mapping's fromText expression. */
export function fromTextExpr(fromText: string, staged: string): string {
  return renderFromText(fromText, staged);
}
