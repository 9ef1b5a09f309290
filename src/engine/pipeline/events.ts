// The change events every layer understands: readers produce them, the router and batcher
// group them, the target applies them.
import type { Position } from '../positions';
import type { SourceTable, TableId } from '../source/types';

/**
 * One row as canonical text values, in the order of the source table's columns (SourceTable.columns).
 * Each value is the text the column's mapping reads (ColumnMapping.fromText), or null for SQL NULL.
 * `undefined` means "not sent by the source, keep the target's value" (PostgreSQL unchanged TOAST).
 */
export type Row = (string | null | undefined)[];

export interface RowChange {
  kind: 'insert' | 'update' | 'delete';
  table: TableId;
  /** update: the old image or at least the old key (needed when the key changes); delete: the old key or full row. */
  before?: Row;
  /** insert / update: the new image. */
  after?: Row;
  /**
   * Optional: the column names of `before`/`after` when the reader knows them (pgoutput
   * Relation message, MySQL FULL row metadata) and they may differ from the table's current shape,
   * e.g. rows written before a DDL and replayed after a restart. The runner then places values by
   * name: a column the row lacks is NULL in an insert and kept in an update; unknown names are dropped.
   */
  columns?: string[];
}

export interface TruncateChange { kind: 'truncate'; table: TableId }

/**
 * A change of a table's shape, at its place in the stream: a DDL statement (MySQL query events) or
 * a new Relation message (PostgreSQL). Rows after it in the stream are in the new shape.
 */
export interface SchemaChange {
  kind: 'schema';
  table: TableId;
  /** The statement, or a description of the change. */
  ddl: string;
  /**
   * The table's shape right after this change, as the reader decoded it from the stream; null: the
   * table is gone (dropped or renamed away); undefined: the reader cannot tell (ask the source).
   */
  shape?: SourceTable | null;
  /** PostgreSQL: columns renamed by this change (old name -> new name), as the catalog's attnums tell. */
  renames?: { from: string; to: string }[];
  /** The reader could not follow this change (a DDL it cannot read): the table stops with this reason. */
  error?: string;
}

export type Change = RowChange | TruncateChange | SchemaChange;

/**
 * One committed source transaction (or one part of a very large one: `partial` true for all
 * parts but the last). `position` is where to resume after it: a checkpoint is only ever taken
 * at the position of a non-partial transaction.
 */
export interface Transaction {
  changes: Change[];
  position: Position;
  /** Source commit time, ms since epoch. */
  commitTime: number;
  partial?: boolean;
}
