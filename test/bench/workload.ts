// The benchmark data: one 10-column table shape (~110 bytes a row as CSV) for both sources, generated
// on the server (generate_series / MariaDB's sequence engine), and the change workload: transactions
// of 100 changes = 70 updates + 20 inserts + 10 deletes, on key ranges that never overlap, so every
// change is a real row change and no batch sees the same key twice by accident.
import type { ServerHandle } from '../harness';

export const PG_DDL = (t: string) => `CREATE TABLE ${t} (
  id bigint PRIMARY KEY, a integer NOT NULL, b bigint NOT NULL, name varchar(64) NOT NULL, amount numeric(12,2) NOT NULL,
  created timestamp(6) NOT NULL, flag boolean NOT NULL, note varchar(64), score double precision NOT NULL, code char(8) NOT NULL)`;

export const MY_DDL = (t: string) => `CREATE TABLE ${t} (
  id BIGINT PRIMARY KEY, a INT NOT NULL, b BIGINT NOT NULL, name VARCHAR(64) NOT NULL, amount DECIMAL(12,2) NOT NULL,
  created DATETIME(6) NOT NULL, flag BOOLEAN NOT NULL, note VARCHAR(64), score DOUBLE NOT NULL, code CHAR(8) NOT NULL) ENGINE=InnoDB`;

/** DuckDB column types of the same shape, for read_csv of the raw-limit files. */
export const DUCK_COLUMNS = "{'id':'BIGINT','a':'INTEGER','b':'BIGINT','name':'VARCHAR','amount':'DECIMAL(12,2)',"
  + "'created':'TIMESTAMP','flag':'BOOLEAN','note':'VARCHAR','score':'DOUBLE','code':'VARCHAR'}";

const pgRow = (g: string) => `${g}, (${g} * 7) % 100000, ${g} * 1000003, 'customer ' || (${g} % 100000), ((${g} % 100000) / 100.0)::numeric(12,2), `
  + `timestamp '2024-01-01' + ${g} * interval '1 second' + (${g} % 999983) * interval '1 microsecond', ${g} % 2 = 0, `
  + `CASE WHEN ${g} % 3 = 0 THEN NULL ELSE 'note ' || ${g} END, ${g} / 7.0::float8, lpad(to_hex(${g}), 8, '0')`;

const myRow = (g: string) => `${g}, (${g} * 7) % 100000, ${g} * 1000003, CONCAT('customer ', ${g} % 100000), (${g} % 100000) / 100.0, `
  + `TIMESTAMPADD(MICROSECOND, ${g} % 999983, TIMESTAMPADD(SECOND, ${g}, '2024-01-01 00:00:00')), ${g} % 2 = 0, `
  + `IF(${g} % 3 = 0, NULL, CONCAT('note ', ${g})), ${g} / 7e0, LPAD(HEX(${g}), 8, '0')`;

/** Fills `table` with ids 1..rows (server-side, in pieces of 500k rows). */
export async function fillPg(s: ServerHandle, db: string, table: string, rows: number): Promise<void> {
  for (let from = 1; from <= rows; from += 500_000) {
    const to = Math.min(rows, from + 499_999);
    await s.sql(`INSERT INTO ${table} SELECT ${pgRow('g')} FROM generate_series(${from}::bigint, ${to}) g`, [], { database: db });
  }
  await s.sql(`VACUUM ANALYZE ${table}`, [], { database: db });
}

export async function fillMy(s: ServerHandle, db: string, table: string, rows: number): Promise<void> {
  for (let from = 1; from <= rows; from += 500_000) {
    const to = Math.min(rows, from + 499_999);
    await s.sql(`INSERT INTO ${table} SELECT ${myRow('seq')} FROM seq_${from}_to_${to}`, [], { database: db });
  }
}

/** Rows a change table starts with so that `changes` changes fit (updates and deletes use disjoint halves). */
export function changeBaseRows(changes: number): number {
  const txs = Math.ceil(changes / 100);
  return Math.max(2 * 10 * txs + 1400, Math.ceil(changes * 0.4 / 1400) * 1400);
}

/**
 * Transaction k of the change workload as one multi-statement string (one round trip):
 * 70 updates of ids in the lower half (cycling), 20 inserts above `base`, 10 deletes from the top
 * of the initial rows downwards.
 */
export function changeTx(kind: 'pg' | 'my', table: string, base: number, k: number): string {
  const span = Math.floor(base / 2 / 70) * 70;
  const u0 = ((k * 70) % span) + 1;
  const d1 = base - k * 10;
  const i0 = base + k * 20 + 1;
  if (kind === 'pg') {
    return `BEGIN; UPDATE ${table} SET a = a + 1, amount = amount + 1, created = created + interval '1 second', note = 'upd ${k}', score = score + 0.5 `
      + `WHERE id BETWEEN ${u0} AND ${u0 + 69}; INSERT INTO ${table} SELECT ${pgRow('g')} FROM generate_series(${i0}::bigint, ${i0 + 19}) g; `
      + `DELETE FROM ${table} WHERE id BETWEEN ${d1 - 9} AND ${d1}; COMMIT`;
  }
  return `START TRANSACTION; UPDATE ${table} SET a = a + 1, amount = amount + 1, created = created + INTERVAL 1 SECOND, note = 'upd ${k}', score = score + 0.5 `
    + `WHERE id BETWEEN ${u0} AND ${u0 + 69}; INSERT INTO ${table} SELECT ${myRow('seq')} FROM seq_${i0}_to_${i0 + 19}; `
    + `DELETE FROM ${table} WHERE id BETWEEN ${d1 - 9} AND ${d1}; COMMIT`;
}

/** The newest id inserted by transaction k (the freshness marker: ids grow with commit order). */
export function txMarker(base: number, k: number): number { return base + k * 20 + 20; }

/** Writes transactions first..first+count-1 back to back on `conns` connections; returns the elapsed ms. */
export async function writeChanges(s: ServerHandle, db: string, kind: 'pg' | 'my', table: string, base: number, txs: number): Promise<number> {
  const t0 = Date.now();
  for (let k = 0; k < txs; k++) await s.sql(changeTx(kind, table, base, k), [], { database: db });
  return Date.now() - t0;
}
