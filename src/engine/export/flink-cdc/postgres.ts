// Flink CDC's PostgreSQL pipeline source (PostgresDataSourceOptions of release-3.6.0) for a PostgreSQL task.
import type { FlinkCdcSource } from './source';

export const postgresFlinkCdc: FlinkCdcSource = {
  connector: 'postgres',
  selectorForm: 'database.schema.table',
  container: 'schema',
  // selectors name the database first (db.schema.table); every table is in the task's one database
  selectorPrefix: (plan) => [plan.source.database ?? ''],
  typeDifference(c) {
    const t = c.dataType.toLowerCase();
    if (t === 'interval') return `${c.fullType} becomes BIGINT (microseconds) in Flink CDC: months and days lose their calendar meaning`;
    if ((t === 'numeric' || t === 'decimal') && c.precision === undefined) return `${c.fullType} without a precision becomes DECIMAL(38, 0) in Flink CDC: digits after the decimal point are lost`;
    if ((t === 'numeric' || t === 'decimal') && (c.precision ?? 0) > 38) return `${c.fullType} does not fit Flink CDC's DECIMAL (at most 38 digits)`;
    if (t === 'time' || t === 'timetz' || t === 'time with time zone' || t === 'time without time zone') {
      if ((c.precision ?? 6) > 3) return `${c.fullType} becomes TIME(3) in Flink CDC: digits below the millisecond are lost`;
    }
    if (t === 'money') return `${c.fullType} becomes a DECIMAL in Flink CDC that depends on the server's lc_monetary`;
    if (c.isArray && /\[\]\[\]/.test(c.fullType)) return `${c.fullType}: Flink CDC reads only one-dimensional arrays`;
    return undefined;
  },
  tlsHint: 'Pass it as debezium.database.sslmode (and the certificate paths as debezium.database.sslrootcert, sslcert, sslkey) in the source block',
  connectionEntries: (plan) => [
    { key: 'slot.name', value: plan.source.slot, comment: ['the task\'s own replication slot (a hand-over continues from its confirmed position)'] },
    { key: 'decoding.plugin.name', value: 'pgoutput' },
    { key: 'debezium.publication.name', value: plan.source.publication, comment: [
      'the task\'s publication (a Debezium property, passed through by the debezium. prefix);',
      'Flink CDC creates it FOR ALL TABLES when it is missing (Debezium publication.autocreate.mode all_tables)'] },
  ],
  startEntries(start, refusals, alt) {
    if (start.kind !== 'lsn') { refusals.push(`the checkpoint ${start.checkpoint} is a MySQL position but the task's source is PostgreSQL`); return []; }
    return [{ key: 'scan.startup.mode', value: 'committed-offset', comment: [
      `hand-over: read on from the slot's confirmed position; LakeSync confirmed exactly what the lakehouse holds (checkpoint ${start.checkpoint}).`, alt] }];
  },
  laterEntries: () => [],
  warnings(plan) {
    const out = ['Flink CDC\'s PostgreSQL pipeline source does not carry schema changes (DDL) to the sink: a column added to a PostgreSQL table after the hand-over does not reach the lakehouse until the job is restarted (rules.addColumn and the other schema rules do not apply as in LakeSync)'];
    if (plan.rules.newTables === 'sync' && plan.mode === 'database-mirror') {
      out.push('rules.newTables: sync: Flink CDC\'s PostgreSQL source picks up tables created later only when the job restarts');
    }
    return out;
  },
  headerNotes: ['- Flink CDC\'s PostgreSQL pipeline source does not carry schema changes.'],
};
