// The persisted schema history of a task's source tables: the shape each table had from a source
// position on, kept in the target's state (SchemaHistoryStore). A resumed task reads the changes
// after its checkpoint with the shapes they were written with, and compares the schema changes it
// meets again with those shapes (not with today's), so a rename or a drop made before a crash is
// followed exactly as an uninterrupted run follows it.
import { comparePositions, formatPosition, parsePosition, type Position } from '../positions';
import type { SchemaHistoryStore } from './adapter';
import type { SourceTable, TableId } from './types';

export class StoredHistory {
  constructor(private readonly store: SchemaHistoryStore) {}

  /**
   * The shape of each table valid at `start`: the saved shape with the newest position at or
   * before it (of two at one position, the later saved). Shapes saved after `start` were written by
   * a run that got further before it stopped: their schema change comes again in the replay. A
   * table with none keeps the given shape, recorded at `start` when `record`.
   */
  async shapesAt(start: Position | undefined, tables: SourceTable[], record = true): Promise<SourceTable[]> {
    const out: SourceTable[] = [];
    const all = this.store.schemaHistories ? await this.store.schemaHistories(tables.map((t) => t.id)) : undefined;
    const toSave: { table: TableId; position: string; definition: SourceTable }[] = [];
    for (const t of tables) {
      let valid: { at: Position; table: SourceTable } | undefined;
      for (const h of all ? all.get(`${t.id.db}.${t.id.table}`) ?? [] : await this.store.schemaHistory(t.id)) {
        let p: Position;
        try { p = parsePosition(h.position); } catch { continue; }
        if (!start || p.kind !== start.kind || comparePositions(p, start) > 0) continue;
        if (!valid || comparePositions(p, valid.at) >= 0) valid = { at: p, table: h.table };
      }
      if (!valid && start && record) toSave.push({ table: t.id, position: formatPosition(start), definition: t });
      out.push(valid?.table ?? t);
    }
    if (this.store.saveSchemas && toSave.length > 1) await this.store.saveSchemas(toSave);
    else for (const e of toSave) await this.store.saveSchema(e.table, e.position, e.definition);
    return out;
  }

  async save(id: TableId, position: Position, shape: SourceTable): Promise<void> {
    await this.store.saveSchema(id, formatPosition(position), shape);
  }
}
