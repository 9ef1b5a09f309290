// Small builders for target tests: real DuckDB files in temp dirs, hand-written mappings.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SourceTable } from '../../../src/engine/source/types';
import type { TableMapping } from '../../../src/engine/typemap/types';
import { makeRoute, type Route } from '../../../src/engine/pipeline/route';

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'lakesync-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** cols: [name, duckdbType]; the first `keyCount` columns form the primary key. */
export function table(db: string, name: string, cols: [string, string][], keyCount = 1): SourceTable {
  return {
    id: { db, table: name },
    columns: cols.map(([n, t], i) => ({ name: n, ordinal: i + 1, dataType: t.toLowerCase(), fullType: t.toLowerCase(), nullable: i >= keyCount })),
    primaryKey: cols.slice(0, keyCount).map(([n]) => n),
  };
}

export function mapping(src: SourceTable, types: string[], opts: { namespace?: string; table?: string; merged?: boolean } = {}): TableMapping {
  return {
    sources: [src.id],
    namespace: opts.namespace ?? 'ods',
    table: opts.table ?? src.id.table,
    columns: src.columns.map((c, i) => ({ source: c, name: c.name, targetType: types[i], fromText: `CAST($ AS ${types[i]})` })),
    key: [...(opts.merged ? ['_lakesync_source_db', '_lakesync_source_table'] : []), ...src.primaryKey],
    warnings: [],
  };
}

export function route(src: SourceTable, types: string[], opts: { namespace?: string; table?: string; merged?: boolean } = {}): Route {
  return makeRoute(src, mapping(src, types, opts));
}
