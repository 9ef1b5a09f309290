// A source value the target's type cannot hold: DuckDB (which converts the staged text for both
// sinks) refuses it with a conversion or out-of-range error. Such an error names neither the
// table's column nor what to do, and reading the rows again cannot help: the runtime stops the
// table at once with this explanation instead of retrying (docs/type-mapping.md says which
// values these are, e.g. PostgreSQL timestamps past DuckDB's 294247-01-10).
import { DuckDBInstance } from '@duckdb/node-api';
import type { ColumnMapping, TableMapping } from '../typemap/types';
import { fromTextExpr, quoteLiteral } from './duckdb/sql';

const REFUSED = /^(Conversion Error|Out of Range Error):/;

/** The columns whose target type the error names (all columns when it names none we know). */
function candidates(message: string, columns: readonly ColumnMapping[]): ColumnMapping[] {
  const of = (test: (t: string) => boolean) => columns.filter((c) => test(c.targetType.toUpperCase()));
  const decimal = /DECIMAL\(\d+,\s*\d+\)/i.exec(message)?.[0].replace(/\s/g, '').toUpperCase();
  let found: ColumnMapping[] = [];
  if (/\btimestamp\b/i.test(message)) found = of((t) => t.startsWith('TIMESTAMP'));
  else if (/\bdate\b/i.test(message)) found = of((t) => t === 'DATE');
  else if (/\binterval\b/i.test(message)) found = of((t) => t === 'INTERVAL');
  else if (/\btime\b/i.test(message)) found = of((t) => t.startsWith('TIME'));
  else if (decimal) found = of((t) => t.replace(/\s/g, '') === decimal);
  else if (/\b(U?INT(8|16|32|64|128)|U?(TINY|SMALL|BIG|HUGE)INT|INTEGER)\b/i.test(message)) {
    found = of((t) => /^U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?$/.test(t) || /^U?INT(8|16|32|64|128)$/.test(t));
  }
  return found.length ? found : [...columns];
}

/** What is known about the range of the columns' target types that a user hits with real data. */
function rangeNote(cols: ColumnMapping[]): string {
  if (cols.some((c) => c.targetType.toUpperCase().startsWith('TIMESTAMP'))) {
    return "; DuckDB's TIMESTAMP and TIMESTAMPTZ end at 294247-01-10 AD, while PostgreSQL allows up to 294276 AD";
  }
  return '';
}

/**
 * Of `cols`, those whose conversion refuses `value` (tried in a throwaway in-memory DuckDB, only
 * when a table is about to stop); all of them when none does or the check itself fails.
 */
async function refusing(cols: ColumnMapping[], value: string): Promise<ColumnMapping[]> {
  if (cols.length <= 1) return cols;
  try {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const out: ColumnMapping[] = [];
      for (const c of cols) {
        await conn.run(`SELECT ${fromTextExpr(c.fromText, quoteLiteral(value))}`).then(() => undefined, () => { out.push(c); });
      }
      return out.length ? out : cols;
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  } catch {
    return cols;
  }
}

/**
 * The explanation of `err` when it is a value the target cannot hold, for the table of `mapping`;
 * undefined for any other error (those may be worth a retry).
 */
export async function explainRefusedValue(err: unknown, mapping: TableMapping): Promise<string | undefined> {
  const message = err instanceof Error ? err.message : String(err);
  if (!REFUSED.test(message)) return undefined;
  const first = message.split('\n')[0];
  const value = /"([^"]*)"/.exec(first)?.[1] ?? /'([^']*)'/.exec(first)?.[1];
  let cols = candidates(first, mapping.columns.filter((c) => !c.name.startsWith('_lakesync_')));
  if (value !== undefined) cols = await refusing(cols, value);
  // the error does not say which column: several of the same kind may each refuse the value
  const where = cols.length === 1
    ? `column ${cols[0].name} (${cols[0].source.fullType ?? cols[0].source.dataType} -> ${cols[0].targetType}${rangeNote(cols)})`
    : `one of the columns ${cols.map((c) => `${c.name} (${c.targetType})`).join(', ')}${rangeNote(cols)}`;
  return `the target cannot hold the value ${value !== undefined ? `"${value}" ` : ''}of ${where}: ${first}. ` +
    'Nothing is changed silently: correct or remove the value at the source';
}
