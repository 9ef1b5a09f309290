// What `verify --repair` backfills: exactly the keys found different, as a filter in the source's
// SQL (over the same canonical expressions the checksums use, so any key type works) and the same
// filter in the target's SQL (rows there that the source lacks are removed by the backfill).
import type { Difference, VerifiedTable } from './compare';
import type { Dialect } from './rowsql';
import { duckdbDialect } from './target';

/** More keys than this are repaired by a resync of the table instead. */
export const MAX_REPAIR_KEYS = 1000;

export function repairWhere(t: VerifiedTable, diffs: Difference[], source: Dialect): { where?: string; targetWhere?: string } {
  const keys = diffs.filter((d) => d.keyValues).map((d) => d.keyValues!);
  if (!t.key.length || keys.length === 0 || keys.length > MAX_REPAIR_KEYS) return {};
  const build = (d: Dialect, exprs: (string | undefined)[]) => keys.map((k) => `(${t.key.map((i, j) =>
    (k[j] === null ? `${exprs[i]} IS NULL` : `${exprs[i]} = ${d.literal(k[j]!)}`)).join(' AND ')})`).join(' OR ');
  return { where: build(source, t.sourceColumns), targetWhere: build(duckdbDialect, t.target.columns) };
}
