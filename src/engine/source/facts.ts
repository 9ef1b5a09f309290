// What the engine knows about a source without connecting to it: one `SourceFacts` per source
// (source/<name>/facts.ts), looked up by `source.type` in source/known.ts. Every question whose
// answer depends on the source's kind is a member here, so nothing outside source/ switches on
// `source.type` (test/unit/architecture/source-switch.test.ts).
import type { SourceConfig } from '../config/plan';
import type { Position } from '../positions';
import type { ColumnMapping } from '../typemap/types';
import type { FlinkCdcSource } from '../export/flink-cdc/source';
import type { SourceColumn } from './types';

export interface SourceFacts {
  /** The source's name for people (messages, `lakesync check`). */
  readonly label: string;
  /** source.port when the task file leaves it out. */
  readonly defaultPort: number;
  /** The database a starter task file (`lakesync init`, New Sync Task) names when none is given ('' for none). */
  readonly starterDatabase: string;
  /** Schemes of the connection URLs `lakesync init --from-url` reads as this source. */
  readonly urlSchemes: readonly string[];
  /** source.* settings only this source reads (the others warn that they are ignored). */
  readonly ownSettings: readonly string[];
  /**
   * source.database is the one database holding the task's schemas: table ids are schema.table
   * inside it, and the {database} placeholder is that database (PostgreSQL). False: table ids
   * are database.table.
   */
  readonly schemasInDatabase: boolean;
  /** Kinds of position this source's checkpoints hold (positions.ts); start requests may also be `time`. */
  readonly positionKinds: readonly Position['kind'][];
  /** A start position as the user wrote it (`lakesync run --position`, the extension's Start…); throws PositionError, for people. */
  startPosition(text: string): Position;
  /**
   * The change stream carries no DDL (PostgreSQL's logical decoding): new and dropped tables are
   * found by listing the source's tables again now and then. False: the stream itself says.
   */
  readonly rediscover: boolean;
  /** Where to look when the stream has stalled, for people. */
  readonly stallHint: string;
  /** What `lakesync reset --drop-slot` drops on the server, for people; undefined when the source keeps nothing there. */
  replicationState(source: SourceConfig): string | undefined;
  /** The type map of one source column (typemap/). */
  /** `inKey`: the column is part of the table's primary key. */
  mapColumn(col: SourceColumn, inKey?: boolean): ColumnMapping;
  /** `lakesync export --to flink-cdc`: the matching Flink CDC pipeline source. */
  readonly flinkCdc: FlinkCdcSource;
}
