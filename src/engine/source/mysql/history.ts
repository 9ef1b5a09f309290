// LakeSync's schema history of a MySQL/MariaDB stream: the shape of every task table at the
// reader's point in the binlog, moved forward by the binlog's own DDL (query events), in order.
// It alone decides which columns a row event has: zongji's own metadata query (today's
// information_schema) never does, so a row written before a later ALTER is read with its shape.
// Shapes are persisted with their positions; a restart takes the shape valid at its start.
import type { SourceColumn, SourceTable, TableId } from '../types';
import { tableKey } from '../types';
import { ddlEffects, type DdlEffect } from './alter';

/** The INFORMATION_SCHEMA.COLUMNS row zongji decodes a row event's values with. */
export interface ZongjiColumnSchema {
  COLUMN_NAME: string; COLLATION_NAME: string | null; CHARACTER_SET_NAME: string | null; COLUMN_COMMENT: string; COLUMN_TYPE: string;
}

export function columnSchema(c: SourceColumn): ZongjiColumnSchema {
  // MariaDB's JSON is LONGTEXT on disk and in the binlog
  const type = c.dataType === 'json' && c.fullType === 'json' && c.charset ? 'longtext' : c.fullType;
  return { COLUMN_NAME: c.name, COLLATION_NAME: null, CHARACTER_SET_NAME: c.charset ?? null, COLUMN_COMMENT: '', COLUMN_TYPE: type };
}

export class SchemaHistory {
  private readonly shapes = new Map<string, SourceTable>();
  /** Tables whose shape a statement made unknown: the statement and why. */
  private readonly unknown = new Map<string, { statement: string; reason: string }>();
  private readonly dbCharsets = new Map<string, string>();

  /** `decorate` marks a shape as the task reads it (source.zeroDates: text), whichever way the shape was learnt. */
  constructor(initial: Iterable<SourceTable>, dbCharsets?: Map<string, string>, private readonly decorate: (t: SourceTable) => SourceTable = (t) => t) {
    for (const t of initial) this.shapes.set(tableKey(t.id), decorate(t));
    for (const [db, cs] of dbCharsets ?? []) this.dbCharsets.set(db, cs);
  }

  shape(id: TableId): SourceTable | undefined { return this.shapes.get(tableKey(id)); }
  unknownReason(id: TableId): { statement: string; reason: string } | undefined { return this.unknown.get(tableKey(id)); }

  /** Sets a table's shape (one the server described, for a table the binlog created in a way only it knows). */
  set(shape: SourceTable): void {
    this.shapes.set(tableKey(shape.id), this.decorate(shape));
    this.unknown.delete(tableKey(shape.id));
  }

  /**
   * Moves the history over one statement of the binlog; called in binlog order, before any later
   * event is decoded. Returns what the statement did to which tables.
   */
  apply(statement: string, defaultDb: string): DdlEffect[] {
    this.noteDatabaseCharset(statement, defaultDb);
    const effects = ddlEffects(statement, defaultDb, {
      shape: (id) => this.shapes.get(tableKey(id)),
      databaseCharset: (db) => this.dbCharsets.get(db),
    });
    for (const e of effects) {
      const key = tableKey(e.table);
      if (e.kind === 'shape') { e.shape = this.decorate(e.shape); this.shapes.set(key, e.shape); this.unknown.delete(key); }
      else if (e.kind === 'drop' || e.kind === 'describe') { this.shapes.delete(key); this.unknown.delete(key); }
      else if (e.kind === 'unknown') this.unknown.set(key, { statement, reason: e.reason });
    }
    return effects;
  }

  /** A table whose shape cannot be told from here on (its rows are not read until a resync). */
  markUnknown(id: TableId, statement: string, reason: string): void {
    this.unknown.set(tableKey(id), { statement, reason });
  }

  /** zongji's column rows for a table as the history knows it now; undefined when unknown. */
  columnSchemas(id: TableId): ZongjiColumnSchema[] | undefined {
    if (this.unknown.has(tableKey(id))) return undefined;
    return this.shapes.get(tableKey(id))?.columns.map(columnSchema);
  }

  private noteDatabaseCharset(statement: string, defaultDb: string): void {
    const m = /^\s*(?:CREATE|ALTER)\s+(?:DATABASE|SCHEMA)\s+(?:IF\s+NOT\s+EXISTS\s+)?(`(?:[^`]|``)+`|[\w$]+)?[\s\S]*?\b(?:CHARACTER\s+SET|CHARSET)\s*=?\s*(\w+)/i.exec(statement);
    if (!m) return;
    const db = m[1] ? m[1].replace(/^`|`$/g, '').replace(/``/g, '`') : defaultDb;
    this.dbCharsets.set(db, m[2].toLowerCase() === 'utf8' ? 'utf8mb3' : m[2].toLowerCase());
  }
}
