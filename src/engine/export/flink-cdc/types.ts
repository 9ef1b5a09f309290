// Where Flink CDC 3.6's type mapping loses what LakeSync keeps (docs of its MySQL and PostgreSQL
// pipeline connectors, "Data Type Mapping"). One warning per column, saying what changes.
import type { SourceType } from '../../config/plan';
import type { SourceColumn } from '../../source/types';
import type { TableMapping } from '../../typemap/types';

/** What Flink CDC does with a source column, when that differs from LakeSync in a lossy way. */
export function flinkTypeDifference(source: SourceType, c: SourceColumn): string | undefined {
  const t = c.dataType.toLowerCase();
  if (source === 'mysql') {
    if ((t === 'decimal' || t === 'numeric') && (c.precision ?? 10) > 38) return `${c.fullType} becomes STRING in Flink CDC (its DECIMAL holds at most 38 digits)`;
    if (t === 'time') return `${c.fullType} becomes TIME(${Math.min(c.precision ?? 0, 3)}) in Flink CDC: negative values and values of 24 hours and more cannot be held${(c.precision ?? 0) > 3 ? ', digits below the millisecond are lost' : ''}`;
    if (['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection'].includes(t)) {
      return `${c.fullType} becomes GeoJSON text (STRING) in Flink CDC, where LakeSync keeps MySQL's binary form`;
    }
    if (t === 'bigint' && c.unsigned) return `${c.fullType} becomes DECIMAL(20, 0) in Flink CDC`;
    if (t === 'bit' && (c.length ?? 1) > 1) return `${c.fullType} becomes BINARY in Flink CDC`;
    if (t === 'year') return `${c.fullType} becomes INT in Flink CDC`;
    if (t === 'set') return `${c.fullType} becomes STRING in Flink CDC (a comma-separated list)`;
    return undefined;
  }
  if (t === 'interval') return `${c.fullType} becomes BIGINT (microseconds) in Flink CDC: months and days lose their calendar meaning`;
  if ((t === 'numeric' || t === 'decimal') && c.precision === undefined) return `${c.fullType} without a precision becomes DECIMAL(38, 0) in Flink CDC: digits after the decimal point are lost`;
  if ((t === 'numeric' || t === 'decimal') && (c.precision ?? 0) > 38) return `${c.fullType} does not fit Flink CDC's DECIMAL (at most 38 digits)`;
  if (t === 'time' || t === 'timetz' || t === 'time with time zone' || t === 'time without time zone') {
    if ((c.precision ?? 6) > 3) return `${c.fullType} becomes TIME(3) in Flink CDC: digits below the millisecond are lost`;
  }
  if (t === 'money') return `${c.fullType} becomes a DECIMAL in Flink CDC that depends on the server's lc_monetary`;
  if (c.isArray && /\[\]\[\]/.test(c.fullType)) return `${c.fullType}: Flink CDC reads only one-dimensional arrays`;
  return undefined;
}

export function typeWarnings(source: SourceType, m: TableMapping): string[] {
  const out: string[] = [];
  for (const col of m.columns) {
    const froms = col.mergedFrom?.map((f) => ({ id: `${f.table.db}.${f.table.table}`, c: f.column })) ?? [{ id: m.sources.map((s) => `${s.db}.${s.table}`)[0], c: col.source }];
    for (const f of froms) {
      const d = flinkTypeDifference(source, f.c);
      if (d) out.push(`${f.id}.${f.c.name}: ${d}`);
    }
  }
  return out;
}
