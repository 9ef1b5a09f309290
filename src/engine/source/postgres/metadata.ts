// PostgreSQL metadata: schemas, tables, and for each table its columns with the full type
// (typmod decoded, domains resolved to their base type, arrays to their element, enum labels),
// primary key in key order, replica identity and estimated rows. Catalog queries only, every
// name passed as a parameter, so any identifier (quotes, dots, unicode, case) round trips.
import type { Client } from 'pg';
import type { SourceColumn, SourceTable, TableId } from '../types';

type Query = Pick<Client, 'query'>;

const SYSTEM_SCHEMA = `n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'`;

/** User schemas of the connected database. */
export async function listPostgresSchemas(c: Query): Promise<string[]> {
  const r = await c.query<{ s: string }>(`SELECT n.nspname AS s FROM pg_namespace n WHERE ${SYSTEM_SCHEMA} ORDER BY 1`);
  return r.rows.map((x) => x.s);
}

/** Ordinary and partitioned tables (not partitions, views or foreign tables); `schemas` limits the search. */
export async function listPostgresTables(c: Query, schemas?: string[]): Promise<TableId[]> {
  const r = await c.query<{ db: string; t: string }>(
    `SELECT n.nspname AS db, c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${SYSTEM_SCHEMA}
        AND ($1::text[] IS NULL OR n.nspname = ANY($1::text[]))
      ORDER BY 1, 2`, [schemas ?? null]);
  return r.rows.map((x) => ({ db: x.db, table: x.t }));
}

interface TypeRow {
  oid: number; typname: string; typtype: string; typcategory: string; typelem: number;
  typbasetype: number; typtypmod: number; labels: string[] | null;
}

/** Loads pg_type rows for `oids` and every element/base type they lead to. */
async function loadTypes(c: Query, oids: number[], into: Map<number, TypeRow>): Promise<void> {
  let todo = [...new Set(oids)].filter((o) => !into.has(o));
  while (todo.length) {
    const r = await c.query<TypeRow>(
      `SELECT t.oid::int AS oid, t.typname, t.typtype::text AS typtype, t.typcategory::text AS typcategory,
              t.typelem::int AS typelem, t.typbasetype::int AS typbasetype, t.typtypmod,
              CASE WHEN t.typtype = 'e' THEN (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
                                               FROM pg_enum e WHERE e.enumtypid = t.oid) END AS labels
         FROM pg_type t WHERE t.oid = ANY($1::oid[])`, [todo]);
    for (const row of r.rows) into.set(row.oid, row);
    todo = r.rows.flatMap((x) => [x.typelem, x.typbasetype]).filter((o) => o !== 0 && !into.has(o));
  }
}

/** Precision, scale, length from a type modifier (see PostgreSQL's *typmodout functions). */
function typmodParts(typname: string, typmod: number): Pick<SourceColumn, 'precision' | 'scale' | 'length'> {
  if (typmod < 0) return {};
  switch (typname) {
    case 'numeric': {
      const p = ((typmod - 4) >> 16) & 0xffff;
      let s = (typmod - 4) & 0x7ff;
      if (s & 0x400) s -= 0x800; // PostgreSQL 15+: negative scales
      return { precision: p, scale: s };
    }
    case 'varchar': case 'bpchar': return { length: typmod - 4 };
    case 'bit': case 'varbit': return { length: typmod };
    case 'time': case 'timetz': case 'timestamp': case 'timestamptz': return { precision: typmod };
    case 'interval': return (typmod & 0xffff) !== 0xffff ? { precision: typmod & 0xffff } : {};
    default: return {};
  }
}

interface Resolved {
  dataType: string; fullType: string; domain?: string; enumValues?: string[];
  isArray?: boolean; elementType?: string; precision?: number; scale?: number; length?: number;
}

function resolve(types: Map<number, TypeRow>, oid: number, typmod: number, dims: number, fullType: string): Resolved {
  const t = types.get(oid);
  if (!t) return { dataType: 'unknown', fullType };
  if (t.typtype === 'd') {
    const base = resolve(types, t.typbasetype, t.typtypmod, 0, fullType);
    return { ...base, domain: base.domain ?? t.typname, fullType: base.fullType };
  }
  if (t.typcategory === 'A' && t.typelem !== 0) {
    const el = resolve(types, t.typelem, typmod, 0, fullType.replace(/(\[\])+$/, ''));
    return {
      ...el, isArray: true, elementType: el.dataType, dataType: `${el.dataType}[]`,
      fullType: el.fullType + '[]'.repeat(Math.max(1, dims)),
    };
  }
  const out: Resolved = { dataType: t.typname, fullType, ...typmodParts(t.typname, typmod) };
  if (t.typtype === 'e') out.enumValues = t.labels ?? [];
  return out;
}

interface ColumnRow {
  db: string; t: string; relid: number; replident: string; reltuples: number; bytes: number;
  name: string; num: number; notnull: boolean; typid: number; typmod: number; ndims: number;
  full_type: string;
}

/** Full descriptions of `ids` (tables that do not exist are left out); order follows `ids`. */
export async function describePostgresTables(c: Query, ids: TableId[]): Promise<SourceTable[]> {
  if (!ids.length) return [];
  const cols = await c.query<ColumnRow>(
    `SELECT n.nspname AS db, c.relname AS t, c.oid::int AS relid, c.relreplident::text AS replident, c.reltuples::float8 AS reltuples,
            pg_table_size(c.oid)::float8 AS bytes,
            a.attname AS name, a.attnum::int AS num, a.attnotnull AS notnull, a.atttypid::int AS typid, a.atttypmod AS typmod,
            a.attndims::int AS ndims,
            format_type(COALESCE(NULLIF(t.typbasetype, 0), a.atttypid),
                        CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END) AS full_type
       FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::text[])) AS want(db, t)
       JOIN pg_namespace n ON n.nspname = want.db
       JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = want.t AND c.relkind IN ('r', 'p')
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            -- generated columns: pgoutput (before PostgreSQL 18) never sends them, so the stream
            -- could not keep them; they are left out of the table everywhere (docs/type-mapping.md)
            AND a.attgenerated = ''
       JOIN pg_type t ON t.oid = a.atttypid
      ORDER BY c.oid, a.attnum`,
    [ids.map((i) => i.db), ids.map((i) => i.table)]);
  const types = new Map<number, TypeRow>();
  await loadTypes(c, cols.rows.map((r) => r.typid), types);
  const relids = [...new Set(cols.rows.map((r) => r.relid))];
  const pk = await c.query<{ relid: number; name: string }>(
    `SELECT k.conrelid::int AS relid, a.attname AS name
       FROM pg_constraint k CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
      WHERE k.contype = 'p' AND k.conrelid = ANY($1::oid[])
      ORDER BY k.conrelid, u.ord`, [relids]);

  const byKey = new Map<string, SourceTable>();
  for (const r of cols.rows) {
    const key = JSON.stringify([r.db, r.t]);
    let table = byKey.get(key);
    if (!table) {
      table = {
        id: { db: r.db, table: r.t }, columns: [],
        primaryKey: pk.rows.filter((p) => p.relid === r.relid).map((p) => p.name),
        replicaIdentity: r.replident as SourceTable['replicaIdentity'],
        ...(r.reltuples >= 0 ? { estimatedRows: Math.round(r.reltuples) } : {}),
        ...(r.bytes >= 0 ? { estimatedBytes: Number(r.bytes) } : {}),
      };
      byKey.set(key, table);
    }
    const res = resolve(types, r.typid, r.typmod, r.ndims, r.full_type);
    const col: SourceColumn = {
      name: r.name, ordinal: r.num, nullable: !r.notnull, typeOid: r.typid, typeMod: r.typmod, ...res,
    };
    table.columns.push(col);
  }
  return ids.map((i) => byKey.get(JSON.stringify([i.db, i.table]))).filter((t): t is SourceTable => t !== undefined);
}

/** One table's description, or undefined when it does not exist. */
export async function describePostgresTable(c: Query, id: TableId): Promise<SourceTable | undefined> {
  return (await describePostgresTables(c, [id]))[0];
}

/** A column of a pgoutput Relation message. */
export interface RelationShapeColumn { name: string; typeOid: number; typeMod: number; isKey: boolean }

/**
 * The shape of a table as a pgoutput Relation message tells it (the authority for the changes
 * after it): names, types and typmods from the message, types resolved through the catalog (a
 * type's description does not change with time), and renames told apart from drop + add by the
 * catalog's attnums: a renamed column keeps its attnum, an added one gets a new one.
 */
export async function describeRelation(c: Query, relationId: number, id: TableId, columns: RelationShapeColumn[],
  previous: SourceTable, ddl?: DdlKnowledge): Promise<{ table: SourceTable; renames: { from: string; to: string }[] }> {
  const pairs = [...new Map(columns.map((x) => [`${x.typeOid}:${x.typeMod}`, x])).values()];
  const ft = await c.query<{ oid: number; mod: number; full: string }>(
    `SELECT u.oid::int AS oid, u.mod::int AS mod,
            format_type(COALESCE(NULLIF(t.typbasetype, 0), t.oid), CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE u.mod END) AS full
       FROM unnest($1::oid[], $2::int[]) AS u(oid, mod) JOIN pg_type t ON t.oid = u.oid`,
    [pairs.map((x) => x.typeOid), pairs.map((x) => x.typeMod)]);
  const full = new Map(ft.rows.map((r) => [`${r.oid}:${r.mod}`, r.full]));
  // the session may read integers as text: keys as the catalog query returned them
  const byOid = new Map<number, TypeRow>();
  await loadTypes(c, columns.map((x) => x.typeOid), byOid);
  const types = new Map<number, TypeRow>([...byOid.values()].map((t) => [Number(t.oid), { ...t, oid: Number(t.oid), typelem: Number(t.typelem), typbasetype: Number(t.typbasetype), typtypmod: Number(t.typtypmod) }]));
  // attmissingval: the value rows that existed when the column was added took (a constant default;
  // kept until the table is rewritten); the default expression stands in for it after a rewrite
  const att = await c.query<{ name: string; num: number; notnull: boolean; identity: string; missing: string | null; def: string | null }>(
    `SELECT a.attname AS name, a.attnum::int AS num, a.attnotnull AS notnull, a.attidentity::text AS identity,
            CASE WHEN a.atthasmissing THEN a.attmissingval::text END AS missing, pg_get_expr(d.adbin, d.adrelid) AS def
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped`, [relationId]);
  const attnum = new Map(att.rows.map((r) => [r.name, { num: Number(r.num), notnull: r.notnull, identity: r.identity, missing: r.missing, def: r.def }]));
  const sent = new Set(columns.map((x) => x.name));
  const { attnums, renames } = relationAttnums(previous.columns.filter((x) => !x.generated),
    columns.map((x) => x.name), new Map([...attnum].map(([k, v]) => [k, v.num])));
  const before = new Map(previous.columns.map((x) => [Number(x.ordinal), x]));
  const out: SourceColumn[] = [];
  for (const [i, x] of columns.entries()) {
    const res = resolve(types, x.typeOid, x.typeMod, 1, full.get(`${x.typeOid}:${x.typeMod}`) ?? 'unknown');
    const prev = before.get(attnums[i]);
    const cat = attnum.get(x.name);
    // an added column (one this catalog row describes): the value the rows already there took
    const added = !prev && cat?.num === attnums[i];
    const fill = added && !res.isArray ? await addedValue(c, cat) : undefined;
    // values the WAL does not carry: an added column whose rows got a value that is not known
    // here (a volatile default, an identity), or a type change (PostgreSQL rewrote the column,
    // with a USING expression for all the Relation message tells, unless the DDL message did)
    const rewritten = added && fill === undefined ? unknownFill(x.name, cat)
      : prev && (prev.typeOid !== x.typeOid || (prev.typeMod ?? -1) !== x.typeMod) && !ddl?.plainCast(x.name)
        ? `column ${x.name} changed type from ${prev.fullType} to ${res.fullType}: PostgreSQL rewrote its values${ddl?.using(x.name) ? ` ${ddl.using(x.name)}` : ' (the WAL does not say whether with a USING expression)'}, and logs no row changes for that`
        : undefined;
    out.push({
      name: x.name, ordinal: attnums[i], nullable: prev?.nullable ?? !(cat?.notnull ?? false),
      typeOid: x.typeOid, typeMod: x.typeMod, ...res, ...(fill !== undefined ? { fill } : {}), ...(rewritten ? { rewritten } : {}),
    });
  }
  const renamed = (k: string) => renames.find((r) => r.from === k)?.to ?? k;
  const primaryKey = previous.primaryKey.map(renamed).filter((k) => sent.has(k));
  return { table: { ...previous, id, columns: out, primaryKey }, renames };
}

/**
 * The attnum of each column of a Relation message, and the renames they show. pgoutput sends a
 * table's columns in attnum order; a renamed or retyped column keeps its attnum, an added one
 * gets a number above every earlier one. `previous`: the shape before the message (ordinal =
 * attnum, from the schema history, so also right for a message replayed after a restart);
 * `catalog`: today's attnum of each column name. A name the previous shape has keeps its attnum
 * (unless the order shows it was dropped and added again); a new name takes today's attnum; a
 * name neither knows (renamed again since) takes the one attnum of the previous shape left free
 * between its neighbours. A column still unknown is new, numbered after all the others.
 */
export function relationAttnums(previous: { name: string; ordinal: number }[], names: string[], catalog: Map<string, number>):
  { attnums: number[]; renames: { from: string; to: string }[] } {
  const prevByName = new Map(previous.map((p) => [p.name, Number(p.ordinal)]));
  const prevByNum = new Map(previous.map((p) => [Number(p.ordinal), p.name]));
  const out: (number | undefined)[] = new Array(names.length).fill(undefined);
  const used = new Set<number>();
  let last = 0;
  // names of the previous shape first: they hold their attnums
  names.forEach((n, i) => {
    const a = prevByName.get(n);
    if (a !== undefined && a > last) { out[i] = a; used.add(a); last = a; }
  });
  last = 0;
  names.forEach((n, i) => {
    if (out[i] !== undefined) { last = out[i]!; return; }
    const a = catalog.get(n);
    const next = out.slice(i + 1).find((x) => x !== undefined) ?? Infinity;
    if (a !== undefined && a > last && a < next && !used.has(a)) { out[i] = a; used.add(a); last = a; }
  });
  // a name nobody knows between two known ones: the free previous attnum between them
  for (let i = 0; i < names.length; i++) {
    if (out[i] !== undefined) continue;
    let j = i;
    while (j < names.length && out[j] === undefined) j++;
    const lo = out.slice(0, i).reduce<number>((m, x) => Math.max(m, x ?? 0), 0);
    const hi = j < names.length ? out[j]! : Infinity;
    const free = previous.map((p) => Number(p.ordinal)).filter((a) => a > lo && a < hi && !used.has(a)).sort((a, b) => a - b);
    // between known columns nothing is new (added columns come last): the free ones, in order
    if (hi !== Infinity && free.length === j - i) for (let k = i; k < j; k++) { out[k] = free[k - i]; used.add(free[k - i]); }
    i = j;
  }
  let top = Math.max(0, ...previous.map((p) => Number(p.ordinal)), ...out.map((x) => x ?? 0));
  const attnums = out.map((x) => x ?? ++top);
  const renames: { from: string; to: string }[] = [];
  names.forEach((n, i) => {
    const was = prevByNum.get(attnums[i]);
    if (was !== undefined && was !== n) renames.push({ from: was, to: n });
  });
  return { attnums, renames };
}

/**
 * What the DDL messages of LakeSync's event trigger (docs/postgres.md) told about the statements
 * before a Relation message: which retyped columns were converted by a plain cast (no USING).
 */
export interface DdlKnowledge {
  /** The column's type was changed without a USING expression. */
  plainCast(column: string): boolean;
  /** The column's USING clause, for people (undefined: none known). */
  using(column: string): string | undefined;
}

/**
 * Why the rows already in the table hold values of an added column that are not known here;
 * undefined when they are NULL (no default, DEFAULT NULL).
 */
function unknownFill(name: string, cat: { identity: string; def: string | null }): string | undefined {
  const why = 'every row already in the table got its own value, and PostgreSQL logs no row changes for them';
  if (cat.identity) return `column ${name} was added as an identity column: ${why}`;
  if (cat.def === null || /^NULL(::[\w ."]+)?$/i.test(cat.def)) return undefined;
  return `column ${name} was added with DEFAULT ${cat.def}: ${why}`;
}

/**
 * The value (PostgreSQL text) rows that existed when a column was added took: the stored missing
 * value, else the default when it is a constant (a literal with casts, which every row got).
 * undefined: NULL, or not known (a volatile default rewrote the table with a value per row).
 */
async function addedValue(c: Query, att: { missing: string | null; def: string | null }): Promise<string | undefined> {
  if (att.missing !== null) {
    const inner = att.missing.slice(1, -1);
    if (inner === 'NULL') return undefined;
    return inner.startsWith('"') ? inner.slice(1, -1).replace(/\\(.)/g, '$1') : inner;
  }
  if (att.def === null || !/^(?:'(?:[^']|'')*'|-?[\d.]+|\(-?[\d.]+\)|true|false)(?:::[\w ."]+(?:\(\d+(?:,\d+)?\))?)*$/.test(att.def)) return undefined;
  const r = await c.query<{ v: string | null }>(`SELECT (${att.def})::text AS v`);
  return r.rows[0]?.v ?? undefined;
}
