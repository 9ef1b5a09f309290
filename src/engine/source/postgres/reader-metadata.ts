// Table discovery for the PostgreSQL source adapter. A compact catalog reader (tables, columns
// with domains resolved to their base type, primary key, replica identity, row estimate);
// the richer metadata module (metadata.ts) takes over when it is present.
import type pg from 'pg';
import type { TaskPlan } from '../../config/plan';
import { candidateDatabases, selectTables } from '../select';
import type { SourceColumn, SourceTable, TableId } from '../types';

interface ColumnRow {
  attname: string; attnum: string; notnull: string; typname: string; fulltype: string; typoid: string;
  typcategory: string; elemname: string | null; typmod: string; enumlabels: string | null;
}

export class PgMetadataReader {
  constructor(private readonly plan: TaskPlan, private readonly client: () => Promise<pg.Client>) {}

  async discover(): Promise<SourceTable[]> {
    const c = await this.client();
    const schemas = candidateDatabases(this.plan);
    const res = await c.query<{ nspname: string; relname: string }>(
      `SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
          ${schemas ? 'AND n.nspname = ANY($1)' : ''}
        ORDER BY 1, 2`, schemas ? [schemas] : []);
    const ids = res.rows.map((r) => ({ db: r.nspname, table: r.relname }));
    const selected = selectTables(this.plan, ids).groups.flatMap((g) => g.sources);
    const out: SourceTable[] = [];
    for (const id of selected) {
      const t = await this.describe(id);
      if (t) out.push(t);
    }
    return out;
  }

  async describe(id: TableId): Promise<SourceTable | undefined> {
    const c = await this.client();
    const rel = await c.query<{ oid: string; relreplident: string; reltuples: string }>(
      `SELECT c.oid::int::text AS oid, c.relreplident::text AS relreplident, c.reltuples::bigint::text AS reltuples
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
      [id.db, id.table]);
    if (rel.rows.length === 0) return undefined;
    const oid = rel.rows[0].oid;
    const cols = await c.query<ColumnRow>(
      `WITH a AS (
         SELECT a.attname, a.attnum, a.attnotnull,
                CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END AS base,
                CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod
           FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
          WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped)
       SELECT a.attname, a.attnum::text AS attnum, a.attnotnull::text AS notnull, bt.typname::text AS typname,
              format_type(a.base, a.typmod) AS fulltype, a.base::int::text AS typoid, bt.typcategory::text AS typcategory,
              et.typname::text AS elemname, a.typmod::text AS typmod,
              (SELECT string_agg(e.enumlabel, E'\\x1f' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = a.base) AS enumlabels
         FROM a JOIN pg_type bt ON bt.oid = a.base LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
        ORDER BY a.attnum`, [oid]);
    const pk = await c.query<{ attname: string }>(
      `SELECT a.attname FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
         JOIN pg_attribute a ON a.attnum = k.attnum
        WHERE i.indrelid = $1::oid AND i.indisprimary AND a.attrelid = $1::oid ORDER BY k.n`, [oid]);
    const columns = cols.rows.map((r, i) => toColumn(r, i));
    const replident = rel.rows[0].relreplident as SourceTable['replicaIdentity'];
    const estimated = Number(rel.rows[0].reltuples);
    return {
      id: { db: id.db, table: id.table },
      columns,
      primaryKey: pk.rows.map((r) => r.attname),
      ...(replident ? { replicaIdentity: replident } : {}),
      ...(estimated >= 0 ? { estimatedRows: estimated } : {}),
    };
  }
}

function toColumn(r: ColumnRow, i: number): SourceColumn {
  const isArray = r.typcategory === 'A' && r.elemname !== null;
  const col: SourceColumn = {
    name: r.attname,
    ordinal: i + 1,
    dataType: isArray ? `${r.elemname}[]` : r.typname,
    fullType: r.fulltype,
    nullable: r.notnull !== 'true',
    typeOid: Number(r.typoid),
  };
  if (isArray) { col.isArray = true; col.elementType = r.elemname ?? undefined; }
  if (r.enumlabels !== null) col.enumValues = r.enumlabels.split('\x1f');
  const typmod = Number(r.typmod);
  const base = isArray ? r.elemname : r.typname;
  if (typmod >= 0) {
    if (base === 'numeric') { col.precision = ((typmod - 4) >> 16) & 0xffff; col.scale = (typmod - 4) & 0xffff; }
    else if (base === 'varchar' || base === 'bpchar') col.length = typmod - 4;
    else if (base === 'bit' || base === 'varbit') col.length = typmod;
    else if (base === 'timestamp' || base === 'timestamptz' || base === 'time' || base === 'timetz' || base === 'interval') col.precision = typmod & 0xffff;
  }
  return col;
}
