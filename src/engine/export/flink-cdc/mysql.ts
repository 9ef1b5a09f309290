// Flink CDC's MySQL pipeline source (MySqlDataSourceOptions of release-3.6.0) for a MySQL/MariaDB task.
import type { FlinkCdcSource } from './source';
import type { Entry } from './yaml';

/** Flink CDC's ServerIdRange parses ids with Integer.parseInt (found by the interop test). */
export const MAX_FLINK_SERVER_ID = 2147483647;

/** The task's serverId when Flink CDC can take it with n-1 more; else a stable id derived from it in 5400..2^31-1. */
export function flinkServerId(serverId: number, n: number): number {
  if (serverId + n - 1 <= MAX_FLINK_SERVER_ID) return serverId;
  return 5400 + (serverId % (MAX_FLINK_SERVER_ID - 5400 - n + 2));
}

const GEOMETRY = ['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection'];

export const mysqlFlinkCdc: FlinkCdcSource = {
  connector: 'mysql',
  selectorForm: 'database.table',
  container: 'database',
  selectorPrefix: () => [],
  typeDifference(c) {
    const t = c.dataType.toLowerCase();
    if ((t === 'decimal' || t === 'numeric') && (c.precision ?? 10) > 38) return `${c.fullType} becomes STRING in Flink CDC (its DECIMAL holds at most 38 digits)`;
    if (t === 'time') return `${c.fullType} becomes TIME(${Math.min(c.precision ?? 0, 3)}) in Flink CDC: negative values and values of 24 hours and more cannot be held${(c.precision ?? 0) > 3 ? ', digits below the millisecond are lost' : ''}`;
    if (GEOMETRY.includes(t)) return `${c.fullType} becomes GeoJSON text (STRING) in Flink CDC, where LakeSync keeps MySQL's binary form`;
    if (t === 'bigint' && c.unsigned) return `${c.fullType} becomes DECIMAL(20, 0) in Flink CDC`;
    if (t === 'bit' && (c.length ?? 1) > 1) return `${c.fullType} becomes BINARY in Flink CDC`;
    if (t === 'year') return `${c.fullType} becomes INT in Flink CDC`;
    if (t === 'set') return `${c.fullType} becomes STRING in Flink CDC (a comma-separated list)`;
    return undefined;
  },
  tlsHint: 'Pass it as debezium.database.ssl.mode (and jdbc.properties.sslMode for the snapshot connections) in the source block',
  connectionEntries(plan, warnings) {
    const n = Math.max(1, plan.snapshot.concurrency);
    const first = flinkServerId(plan.source.serverId, n);
    if (first !== plan.source.serverId) {
      warnings.push(`source.serverId ${plan.source.serverId} is above what Flink CDC accepts (it reads server ids as Java int, at most ${MAX_FLINK_SERVER_ID}): `
        + `the pipeline uses ${first}-${first + n - 1}; set source.serverId below ${MAX_FLINK_SERVER_ID - n + 1} to choose yourself`);
    }
    return [{ key: 'server-id', value: n > 1 ? `${first}-${first + n - 1}` : String(first), comment: [
      `one replica server id per parallel reader (pipeline.parallelism ${n}), from the task's serverId; no other replica may use them`] }];
  },
  startEntries(start, refusals, alt) {
    if (start.kind !== 'binlog') { refusals.push(`the checkpoint ${start.checkpoint} is a PostgreSQL position but the task's source is MySQL`); return []; }
    if (start.mariadb) {
      if (!start.file || start.pos === undefined) {
        refusals.push(`the checkpoint ${start.checkpoint} holds only a MariaDB GTID, and Flink CDC's MySQL source does not follow MariaDB GTIDs. `
          + 'Alternative: export without --handover (scan.startup.mode: initial), or let LakeSync commit once more so its checkpoint carries the binlog file and position.');
        return [];
      }
      return [
        { key: 'scan.startup.mode', value: 'specific-offset', comment: [
          `hand-over at LakeSync's checkpoint ${start.checkpoint}: binlog file and position, the first transaction LakeSync has not applied.`,
          'MariaDB: file and position only: Flink CDC\'s MySQL source does not follow MariaDB GTIDs (open upstream issues).', alt] },
        { key: 'scan.startup.specific-offset.file', value: start.file },
        { key: 'scan.startup.specific-offset.pos', value: start.pos },
      ];
    }
    const entries: Entry[] = [{ key: 'scan.startup.mode', value: 'specific-offset', comment: [
      `hand-over at LakeSync's checkpoint ${start.checkpoint}: the first transaction LakeSync has not applied.`, alt] }];
    if (start.file && start.pos !== undefined) {
      entries.push({ key: 'scan.startup.specific-offset.file', value: start.file }, { key: 'scan.startup.specific-offset.pos', value: start.pos });
    }
    if (start.gtid) entries.push({ key: 'scan.startup.specific-offset.gtid-set', value: start.gtid, comment: ['the GTID set LakeSync had applied (it takes precedence over file and position)'] });
    if (entries.length === 1) refusals.push(`the checkpoint ${start.checkpoint} has neither a binlog file and position nor a GTID set`);
    return entries;
  },
  laterEntries(plan) {
    if (plan.rules.newTables === 'sync' && (plan.mode === 'database-mirror' || plan.tables.some((t) => /[*?[{]/.test(t)))) {
      return [{ key: 'scan.binlog.newly-added-table.enabled', value: true, comment: [
        'rules.newTables: sync: tables created while the pipeline runs are captured from the binlog'] }];
    }
    return [];
  },
  warnings: () => [],
  headerNotes: [],
};
