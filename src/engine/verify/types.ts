// What verify needs from a source: a read at an exactly known position, and the canonical text
// of its columns in its own SQL (the source folders implement it: postgres/verify.ts, mysql/verify.ts).
import type { Position } from '../positions';
import type { SourceColumn, SourceTable } from '../source/types';
import type { Dialect } from './rowsql';

/** One verified column: the source column feeding it (undefined: not in this source, NULL) and its target type. */
export interface VerifyColumn { source?: SourceColumn; targetType: string }

export interface VerifyReader {
  /** Starts a consistent read of `table` and answers its exact source position (docs/verify.md). */
  begin(table: SourceTable): Promise<Position>;
  /** Runs a query inside the read begun last. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** The table as a FROM item. */
  from(table: SourceTable): string;
  dialect(): Dialect;
  /** Canonical text expression of a column (undefined: this column cannot be compared; it is left out on both sides). */
  canonical(c: VerifyColumn): string | undefined;
  /** Ends the read begun last. */
  end(): Promise<void>;
  close(): Promise<void>;
}
