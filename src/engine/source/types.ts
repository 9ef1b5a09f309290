// What the source readers know about a table. Produced by metadata discovery, consumed by
// the type map, the preview, the snapshot and stream readers and the target.

/** `db` is the MySQL database or the PostgreSQL schema. */
export interface TableId { readonly db: string; readonly table: string }

export function tableKey(t: TableId): string { return `${t.db}.${t.table}`; }

export interface SourceColumn {
  name: string;
  /** Position in the source table, 1-based (ordinal_position / attnum). */
  ordinal: number;
  /** The base type name as the server spells it, lower case: `int`, `varchar`, `numeric`, `_int4` is spelled `int4[]`... */
  dataType: string;
  /** The full declared type, e.g. `decimal(12,2) unsigned`, `character varying(64)`, `integer[]`. */
  fullType: string;
  nullable: boolean;
  length?: number;        // character or binary length, bit(n) width
  precision?: number;     // numeric precision, time/timestamp fractional digits (fsp)
  scale?: number;
  unsigned?: boolean;     // MySQL
  charset?: string;       // MySQL
  enumValues?: string[];  // MySQL enum/set labels, PostgreSQL enum labels
  isArray?: boolean;      // PostgreSQL
  elementType?: string;   // PostgreSQL array element type / domain base type
  /** PostgreSQL array kept as its exact array text (task `source.arrays: text`), not as a LIST. */
  arrayText?: boolean;
  /** MySQL DATE/DATETIME/TIMESTAMP kept as the server's exact text (task `source.zeroDates: text`). */
  dateText?: boolean;
  /** PostgreSQL type OID (for pgoutput decoding). */
  typeOid?: number;
  /**
   * The value the rows already in the table took when a schema change added this column (its
   * constant default, or MySQL's implicit one for NOT NULL), canonical text; set only on the
   * shape a stream reads from that change (MySQL ADD COLUMN, PostgreSQL's stored missing value).
   * Absent: NULL. The target fills its existing rows with it when it adds the column.
   */
  fill?: string;
  /**
   * Set only on the shape a stream reads from a schema change, on a column that change gave the
   * rows already in the table values the stream does not carry: why. A volatile or expression
   * default, an AUTO_INCREMENT or identity column added to a table with rows, a PostgreSQL type
   * change that may have rewritten the values (`USING`). The runner resyncs the table there.
   */
  rewritten?: string;
  /** PostgreSQL type modifier (atttypmod; -1 when none): a change of it is a change of type. */
  typeMod?: number;
  /** PostgreSQL: the domain's name when the column's type is a domain (dataType/fullType are then its base type). */
  domain?: string;
  /** MySQL/MariaDB generated column (VIRTUAL/STORED/PERSISTENT); PostgreSQL generated columns are not listed at all. */
  generated?: boolean;
}

export interface SourceTable {
  id: TableId;
  columns: SourceColumn[];
  /** Primary key column names in key order; empty when the table has none. */
  primaryKey: string[];
  /** PostgreSQL: REPLICA IDENTITY (d default, f full, i index, n nothing). */
  replicaIdentity?: 'd' | 'f' | 'i' | 'n';
  /** MySQL: the table's default character set (for text columns added without their own). */
  defaultCharset?: string;
  /** Estimated row count, for progress and chunk planning. */
  estimatedRows?: number;
  /** The table's size on disk when discovered (bytes), to choose how a small table is copied. */
  estimatedBytes?: number;
}
