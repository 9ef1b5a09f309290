// A real in-memory DuckDB for the type map tests: stage canonical text as VARCHAR, load it into a
// table of the mapped type exactly as the target does, read the stored value back.
import { DuckDBInstance, DuckDBIntervalValue, DuckDBListValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type { ColumnMapping } from '../../../src/engine/typemap/types';
import { quoteLiteral, renderFromText } from '../../../src/engine/typemap/duckdb';

let conn: DuckDBConnection | undefined;
let n = 0;

export async function duck(): Promise<DuckDBConnection> {
  if (!conn) {
    const db = await DuckDBInstance.create(':memory:');
    conn = await db.connect();
    await conn.run(`SET TimeZone = 'UTC'`);
  }
  return conn;
}

export interface ReadBack {
  /** DuckDB's text of the stored value (null for NULL). */
  text: string | null;
  /** The stored value as the node API returns it (JS). */
  js: unknown;
  /** hex of BLOB values. */
  hex?: string | null;
}

/** Loads each staged text through `fromText` into a column of `targetType` and reads it back. */
export async function roundTrip(m: Pick<ColumnMapping, 'targetType' | 'fromText'>, staged: (string | null)[]): Promise<ReadBack[]> {
  const c = await duck();
  const t = `rt${n++}`;
  await c.run(`CREATE TEMP TABLE ${t}_stage (i INTEGER, s VARCHAR)`);
  await c.run(`CREATE TEMP TABLE ${t} (i INTEGER, v ${m.targetType})`);
  if (staged.length) {
    const values = staged.map((s, i) => `(${i}, ${s === null ? 'NULL' : quoteLiteral(s)})`).join(', ');
    await c.run(`INSERT INTO ${t}_stage VALUES ${values}`);
  }
  await c.run(`INSERT INTO ${t} SELECT i, ${renderFromText(m.fromText, 's')} FROM ${t}_stage`);
  const blob = m.targetType === 'BLOB';
  const r = await c.runAndReadAll(`SELECT CAST(v AS VARCHAR), v${blob ? ', lower(hex(v))' : ''} FROM ${t} ORDER BY i`);
  const rows = r.getRows().map((row) => row.map(plain));
  await c.run(`DROP TABLE ${t}; DROP TABLE ${t}_stage`);
  return rows.map((row) => ({ text: row[0] as string | null, js: row[1], ...(blob ? { hex: row[2] as string | null } : {}) }));
}

/** DuckDB values as plain JS (lists as arrays, intervals as their three parts, others as DuckDB's text). */
function plain(v: DuckDBValue): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof DuckDBListValue) return v.items.map(plain);
  if (v instanceof DuckDBIntervalValue) return { months: v.months, days: v.days, micros: v.micros };
  return String(v);
}
