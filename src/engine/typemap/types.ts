// The result of mapping one source column to the lakehouse.
import type { SourceColumn, SourceTable, TableId } from '../source/types';

export interface ColumnMapping {
  source: SourceColumn;
  /** Target column name (the source name; identifiers are always quoted). */
  name: string;
  /** DuckDB type, e.g. `DECIMAL(12,2)`, `VARCHAR`, `TIMESTAMPTZ`, `INTEGER[]`. */
  targetType: string;
  /**
   * SQL expression that turns the staged canonical text (a VARCHAR) into `targetType`;
   * `$` stands for the staged column, e.g. `CAST($ AS DECIMAL(12,2))` or `unhex($)`.
   */
  fromText: string;
  /** Set when the mapping is lossless but not the natural type (documented representation). */
  note?: string;
  /** Set when information may be lost (or the type is unsupported). */
  warning?: string;
  /** Merged tables: every source column that feeds this target column (`source` is the first). */
  mergedFrom?: { table: TableId; column: SourceColumn }[];
}

export interface TableMapping {
  /** Source tables feeding the target (one for mirror modes, several for merge). */
  sources: TableId[];
  /** Target schema and table. */
  namespace: string;
  table: string;
  columns: ColumnMapping[];
  /** Target key columns (merge adds _lakesync_source_db, _lakesync_source_table). */
  key: string[];
  warnings: string[];
}

export type SourceTableLike = SourceTable;
