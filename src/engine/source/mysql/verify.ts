// `lakesync verify` on MySQL/MariaDB: chunk checksums computed in the database over the canonical
// text of each column (docs/verify.md), read at an exactly known binlog position.
//
// The position: MariaDB reports the binlog position of a START TRANSACTION WITH CONSISTENT
// SNAPSHOT (binlog_snapshot_file / binlog_snapshot_position): the transactions that end at or
// before it are in the snapshot, the later ones are not. MySQL takes the snapshot under a brief
// FLUSH TABLES WITH READ LOCK (RELOAD privilege), as the full sync does.
import type { SourceConfig } from '../../config/plan';
import type { Position } from '../../positions';
import type { Dialect } from '../../verify/rowsql';
import type { VerifyColumn, VerifyReader } from '../../verify/types';
import type { SourceColumn, SourceTable } from '../types';
import { masterStatus } from './binlogpos';
import { isMariadb, openConnection, rows, type Sql } from './session';
import { quoteId, valueKind } from './values';
import { canonicalFloatText, mysqlTextFns } from '../../verify/floattext';

export const mysqlDialect: Dialect = {
  field: (e) => `COALESCE(CONCAT(CHAR_LENGTH(${e}), ':', ${e}), 'N')`,
  concat: (parts) => `CONCAT(${parts.join(', ')})`,
  hash: (t) => `CAST(CONV(SUBSTR(MD5(CONVERT(${t} USING utf8mb4)), 1, 15), 16, 10) AS UNSIGNED)`,
  sum: (h) => `CAST(COALESCE(SUM(${h}), 0) AS CHAR)`,
  ident: quoteId,
  // backslashes are escapes under the default sql_mode (the task's sessions keep it)
  literal: (v) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`,
};

const zero = (x: string) => `MONTH(${x}) = 0 OR DAYOFMONTH(${x}) = 0`;

/** Canonical text of a MySQL value `x` of column `col`, for target type `type`. */
export function mysqlCanonical(x: string, col: SourceColumn, type: string): string | undefined {
  const kind = valueKind(col);
  if (kind === 'float' || kind === 'double') {
    // widened to a double (a FLOAT exactly: the float32 the target stores), in the one notation of
    // verify/floattext.ts; compared only where the target keeps a floating-point type
    return type === 'FLOAT' || type === 'DOUBLE' ? canonicalFloatText(`CAST((${x} + 0E0) AS CHAR)`, mysqlTextFns) : undefined;
  }
  if (kind === 'bit') return `CAST(CAST(${x} AS UNSIGNED) AS CHAR)`;
  if (kind === 'year') return `CAST(${x} + 0 AS CHAR)`;
  if (kind === 'binary') return `LOWER(HEX(${x}))`;
  if ((kind === 'date' || kind === 'datetime') && type === 'VARCHAR') return `CONVERT(${x} USING utf8mb4)`; // source.zeroDates: text
  if (kind === 'timestamp' && type === 'VARCHAR') return `CONCAT(CONVERT(${x} USING utf8mb4), '+00')`;
  // The server's day numbers of January and February of the year 0 are one higher than those of the
  // proleptic Gregorian calendar the target uses: 0000-01-01 would compare as 0000-01-02.
  const year0 = `YEAR(${x}) = 0 AND MONTH(${x}) <= 2`;
  if (kind === 'date' && type === 'DATE') return `CASE WHEN ${zero(x)} THEN NULL ELSE CAST(DATEDIFF(${x}, '1970-01-01') - IF(${year0}, 1, 0) AS CHAR) END`;
  if (kind === 'date' || kind === 'datetime' || kind === 'timestamp') {
    return `CASE WHEN ${zero(x)} THEN NULL ELSE CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', ${x}) - IF(${year0}, 86400000000, 0) AS CHAR) END`;
  }
  if (kind === 'time') return `CONCAT('0 0 ', CAST(TIME_TO_SEC(${x}) * 1000000 AS SIGNED))`;
  const dec = /^DECIMAL\((\d+),(\d+)\)$/.exec(type);
  if (dec) return `CAST(CAST(${x} AS DECIMAL(${dec[1]},${dec[2]})) AS CHAR)`;
  if (kind === 'integer') return `CAST(${x} + 0 AS CHAR)`; // + 0: without a ZEROFILL column's padding (00255)
  if (kind === 'decimal' || kind === 'uuid' || kind === 'inet4' || kind === 'inet6') return `CAST(${x} AS CHAR)`;
  return `CONVERT(${x} USING utf8mb4)`; // text, enum, set, JSON
}

class MysqlVerifyReader implements VerifyReader {
  private conn?: Sql;
  private mariadb?: boolean;

  constructor(private readonly source: SourceConfig) {}

  async begin(): Promise<Position> {
    this.conn ??= await openConnection(this.source);
    const c = this.conn;
    this.mariadb ??= await isMariadb(c);
    if (this.mariadb) {
      await c.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      const st = await rows<{ Variable_name: string; Value: string }>(c, "SHOW STATUS LIKE 'binlog_snapshot_%'");
      const v = Object.fromEntries(st.map((r) => [r.Variable_name.toLowerCase(), r.Value]));
      if (!v.binlog_snapshot_file || !Number(v.binlog_snapshot_position)) throw new Error('verify needs the binary log (log_bin) to know the position of its reads');
      return { kind: 'binlog', file: v.binlog_snapshot_file, pos: Number(v.binlog_snapshot_position) };
    }
    await c.query('FLUSH TABLES WITH READ LOCK');
    try {
      await c.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      return await masterStatus(c);
    } finally {
      await c.query('UNLOCK TABLES');
    }
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    if (!this.conn) throw new Error('verify: no read begun');
    return rows<Record<string, unknown>>(this.conn, sql);
  }

  from(table: SourceTable): string { return `${quoteId(table.id.db)}.${quoteId(table.id.table)}`; }

  dialect(): Dialect { return mysqlDialect; }

  canonical(c: VerifyColumn): string | undefined {
    return c.source ? mysqlCanonical(quoteId(c.source.name), c.source, c.targetType) : 'NULL';
  }

  async end(): Promise<void> {
    await this.conn?.query('COMMIT').catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.conn?.end().catch(() => undefined);
    this.conn = undefined;
  }
}

export function openMysqlVerify(source: SourceConfig): VerifyReader {
  return new MysqlVerifyReader(source);
}
