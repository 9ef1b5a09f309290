// Where Flink CDC 3.6's type mapping loses what LakeSync keeps (docs of its MySQL and PostgreSQL
// pipeline connectors, "Data Type Mapping"; each source's rules in ./mysql.ts, ./postgres.ts).
import type { FlinkCdcSource } from './source';
import type { TableMapping } from '../../typemap/types';

/** One warning per column whose type Flink CDC maps in a lossy way. */
export function typeWarnings(source: FlinkCdcSource, m: TableMapping): string[] {
  const out: string[] = [];
  for (const col of m.columns) {
    const froms = col.mergedFrom?.map((f) => ({ id: `${f.table.db}.${f.table.table}`, c: f.column })) ?? [{ id: m.sources.map((s) => `${s.db}.${s.table}`)[0], c: col.source }];
    for (const f of froms) {
      const d = source.typeDifference(f.c);
      if (d) out.push(`${f.id}.${f.c.name}: ${d}`);
    }
  }
  return out;
}
