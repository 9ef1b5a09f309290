// Type OID -> ValueKind, resolved once per OID from pg_type (domains to their base type, arrays
// to their element). Both the snapshot and the stream convert values by OID through this, so a
// column converts the same way whichever path it arrives by.
import type { Client } from 'pg';
import { TEXT, type ValueKind } from './values';

const BUILTIN: Record<number, ValueKind> = {
  16: { kind: 'bool' },
  17: { kind: 'bytea' },
  790: { kind: 'money' },
  1186: { kind: 'interval' },
};

interface PgTypeRow { oid: number; typtype: string; typcategory: string; typelem: number; typbasetype: number; typdelim: string }

export class TypeResolver {
  private readonly cache = new Map<number, ValueKind>();

  /** `query` runs SQL on any normal connection of the source database. */
  constructor(private readonly query: () => Promise<Client>) {}

  /** Resolves every OID in `oids` (and their element/base types) into the cache. */
  async load(oids: Iterable<number>): Promise<void> {
    let todo = [...new Set(oids)].filter((o) => !this.cache.has(o) && BUILTIN[o] === undefined);
    const rows = new Map<number, PgTypeRow>();
    while (todo.length > 0) {
      const client = await this.query();
      const res = await client.query<Record<keyof PgTypeRow, string>>(
        'SELECT oid::int AS oid, typtype::text AS typtype, typcategory::text AS typcategory, typelem::int AS typelem, typbasetype::int AS typbasetype, typdelim::text AS typdelim FROM pg_type WHERE oid = ANY($1::oid[])',
        [todo]);
      // Connections return every value as text (session.ts RAW_TYPES).
      const got = res.rows.map((r): PgTypeRow => ({
        oid: Number(r.oid), typtype: r.typtype, typcategory: r.typcategory,
        typelem: Number(r.typelem), typbasetype: Number(r.typbasetype), typdelim: r.typdelim,
      }));
      for (const r of got) rows.set(r.oid, r);
      todo = got.flatMap((r) => [r.typelem, r.typbasetype])
        .filter((o) => o !== 0 && !rows.has(o) && !this.cache.has(o) && BUILTIN[o] === undefined);
    }
    const resolve = (oid: number): ValueKind => {
      const known = BUILTIN[oid] ?? this.cache.get(oid);
      if (known) return known;
      const r = rows.get(oid);
      let kind: ValueKind = TEXT;
      if (r?.typtype === 'd') kind = resolve(r.typbasetype);
      else if (r && r.typcategory === 'A' && r.typelem !== 0) kind = { kind: 'array', element: resolve(r.typelem), delimiter: r.typdelim };
      this.cache.set(oid, kind);
      return kind;
    };
    for (const oid of rows.keys()) resolve(oid);
  }

  /** The kind of a loaded OID (unknown OIDs are passed through as text). */
  kindOf(oid: number | undefined): ValueKind {
    if (oid === undefined) return TEXT;
    return BUILTIN[oid] ?? this.cache.get(oid) ?? TEXT;
  }
}
