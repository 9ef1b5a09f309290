// Writes changes into one Iceberg table: upserts and deletes by primary key become one data file
// (the new row images) plus one position delete file (the old images' positions, found through
// the key index), committed as one snapshot whose summary carries the caller's properties (the
// source position). The key index follows the commit; if the process dies in between, the next
// open rebuilds it from the table.
import type { DuckDBConnection } from '@duckdb/node-api';
import { KeyIndex } from './keyindex';
import { currentRowsSql, quoteIdent, quoteLiteral, writeDataFile, writeDeleteFile, writeExpr } from './parquet';
import type { Field, IcebergType } from './spec';
import { IcebergTable } from './table';
import { canPromote, icebergType, sameType } from './types';

export interface ColumnSpec {
  name: string;
  /** The DuckDB type of the column's values in the stage (the type map's target type). */
  duckType: string;
}

export interface ApplyResult { inserted: number; deleted: number; snapshotId: number }

/** The stage's operation column: 'delete' removes the key, anything else upserts the row. */
export const OP = '_op';

export type SchemaChange =
  | { kind: 'add'; name: string }
  | { kind: 'drop'; name: string }
  | { kind: 'rename'; from: string; to: string }
  | { kind: 'promote'; name: string; from: IcebergType; to: IcebergType }
  /** A type change Iceberg cannot promote: a new field id under the same name, every row rewritten. */
  | { kind: 'replace'; name: string; from: IcebergType; to: IcebergType };

export class IcebergTableWriter {
  private constructor(readonly table: IcebergTable, private readonly conn: DuckDBConnection, readonly index: KeyIndex) {}

  /**
   * Opens the table at `dir` (creating it from `columns` when missing) and makes the key index
   * current. `key` names the primary key columns (the schema's identifier fields). `read`: the
   * table as just read from `dir`, when the caller has it.
   */
  static async open(conn: DuckDBConnection, dir: string, name: string, columns: ColumnSpec[], key: string[],
    properties: Record<string, string> = {}, read?: IcebergTable): Promise<IcebergTableWriter> {
    if (key.length === 0) throw new Error(`Iceberg table ${name}: a primary key is required (position deletes are found by key)`);
    let table = read ?? await IcebergTable.open(dir);
    if (!table) {
      let id = 0;
      const next = () => ++id;
      const keys = new Set(key);
      const fields: Field[] = columns.map((c) => {
        const fid = next();
        return { id: fid, name: c.name, required: keys.has(c.name), type: icebergType(c.duckType, next).type };
      });
      table = await IcebergTable.create(dir, fields, key.map((k) => fields.find((f) => f.name === k)!.id), properties);
    }
    await KeyIndex.init(conn);
    const w = new IcebergTableWriter(table, conn, new KeyIndex(conn, name, keyFields(table)));
    await w.ensureIndex();
    return w;
  }

  get fields(): Field[] { return this.table.schema.fields; }

  private async files(): Promise<{ data: string[]; deletes: string[] }> {
    const live = await this.table.liveFiles();
    return {
      data: live.filter((f) => f.file.content === 0).map((f) => f.file.file_path),
      deletes: live.filter((f) => f.file.content === 1).map((f) => f.file.file_path),
    };
  }

  /** SQL for the table's current rows (optionally with `_file`, `_pos`). */
  async rowsSql(extra = false): Promise<string> {
    const { data, deletes } = await this.files();
    return currentRowsSql(this.fields, data, deletes, extra);
  }

  /** SQL for the current rows of the keys `keysSql` yields (read from just the files that hold them). */
  async rowsAt(keysSql: string): Promise<string> {
    const r = await this.conn.runAndReadAll(`SELECT DISTINCT file_path FROM (${this.index.positionsSql(keysSql)})`);
    const files = (r.getRowObjectsJS() as { file_path: string }[]).map((x) => x.file_path);
    const at = currentRowsSql(this.fields, files, [], true);
    return `SELECT * EXCLUDE (_file, _pos) FROM (${at}) d SEMI JOIN (${this.index.positionsSql(keysSql)}) p ON d._file = p.file_path AND d._pos = p.pos`;
  }

  private async ensureIndex(): Promise<void> {
    const snap = this.table.snapshot?.['snapshot-id'];
    if (!(await this.index.current(snap))) await this.index.rebuild(await this.rowsSql(true), snap);
  }

  /**
   * Applies the stage `stage` (a DuckDB relation with the table's current column names and `_op`;
   * at most one row per key) as one snapshot. `truncate` removes every current row first;
   * `append` says no staged key can already be in the table (a first snapshot chunk), which
   * skips the index lookup. Returns undefined when there was nothing to commit and no summary.
   */
  async apply(stage: string, opts: { truncate?: boolean; append?: boolean; summary?: Record<string, string> } = {},
    conn: DuckDBConnection = this.conn): Promise<ApplyResult> {
    const fields = this.fields;
    const keyCols = this.index.keys.map((k) => `s.${quoteIdent(k.name)}`).join(', ');
    const staged = `SELECT * FROM ${stage}`;
    // a column the stage lacks (kept after a drop at the source) is NULL in the new rows
    const has = new Set(((await conn.runAndReadAll(`DESCRIBE ${staged}`)).getRowObjectsJS() as { column_name: string }[]).map((r) => r.column_name));
    // 1. the data file: every upserted row image, ordered by key (tight key bounds per file)
    const select = `SELECT ${fields.map((f) => `${writeExpr(f, has.has(f.name) ? `s.${quoteIdent(f.name)}` : 'NULL')} AS ${quoteIdent(f.name)}`).join(', ')} `
      + `FROM ${stage} s WHERE s.${quoteIdent(OP)} <> 'delete' ORDER BY ${keyCols}`;
    const data = await writeDataFile(conn, this.table.dir, fields, select);
    // 2. the delete file: current positions of every staged key (upserts replace, deletes remove)
    const live = opts.truncate ? await this.table.liveFiles() : [];
    const del = opts.truncate || opts.append ? undefined
      : await writeDeleteFile(conn, this.table.dir, this.index.positionsSql(staged));
    const add = [data, del].filter((f) => f !== undefined);
    const inserted = data?.record_count ?? 0;
    const deleted = opts.truncate ? Number(this.table.summary('total-records') ?? 0) - Number(this.table.summary('total-position-deletes') ?? 0)
      : del?.record_count ?? 0;
    // 3. the commit point
    const operation = opts.truncate ? (data ? 'overwrite' : 'delete') : del ? 'overwrite' : 'append';
    const snap = await this.table.commit({
      add, operation, summary: opts.summary,
      remove: opts.truncate ? new Set(live.map((f) => f.file.file_path)) : undefined,
    });
    // 4. the index follows
    const keyNames = this.index.keys.map((k) => quoteIdent(k.name)).join(', ');
    const added = data && `SELECT ${keyNames}, filename AS _file, file_row_number AS _pos `
      + `FROM read_parquet(${quoteLiteral(data.file_path)}, filename = true, file_row_number = true)`;
    await this.index.update(opts.truncate || opts.append ? undefined : staged, !!opts.truncate, added, snap['snapshot-id'], conn);
    return { inserted, deleted, snapshotId: snap['snapshot-id'] };
  }

  /**
   * Moves the table to `columns` with Iceberg's rules (spec: "Schema Evolution"): a column is
   * matched by name, or by `renames` (new name -> old name); new columns get new field ids,
   * dropped ones leave the schema (old files keep them, readers skip them), a type changes in
   * place only by an allowed promotion. Returns what changed.
   *
   * Two changes Iceberg v2 cannot express as metadata rewrite every row instead, in ONE commit
   * (the new schema and an "overwrite" snapshot replacing every data and delete file, with
   * `opts.summary`), so a reader sees the old table or the new one, never a mix:
   * - `opts.fills` (column -> SQL value): an added column whose existing rows take a value (a
   *   source DEFAULT; v2 has no initial-default);
   * - a type change that is not a promotion, when `opts.replace`: the column is replaced by a new
   *   field id under the same name and its values converted (CAST). Without `opts.replace` such
   *   a change throws.
   * Any other change is a metadata-only commit. Either way `opts.properties` are set in the commit.
   */
  async evolve(columns: ColumnSpec[], key: string[], renames: Record<string, string> = {},
    opts: { fills?: Record<string, string>; replace?: boolean; summary?: Record<string, string>; properties?: Record<string, string> } = {}): Promise<SchemaChange[]> {
    const old = this.fields;
    const byName = new Map(old.map((f) => [f.name, f]));
    let last = this.table.metadata['last-column-id'];
    const next = () => ++last;
    const changes: SchemaChange[] = [];
    const keys = new Set(key);
    const used = new Set<number>();
    // each new field's value in a rewrite, over the current rows `t` (old names)
    const values = new Map<number, string>();
    let rewrite = false;
    const fields: Field[] = columns.map((c) => {
      const prev = byName.get(renames[c.name] ?? c.name);
      if (!prev) {
        changes.push({ kind: 'add', name: c.name });
        const id = next();
        const fill = opts.fills?.[c.name];
        if (fill !== undefined) { values.set(id, fill); rewrite = true; }
        // added columns are optional: rows written before have no value (spec: "Schema Evolution")
        return { id, name: c.name, required: false, type: icebergType(c.duckType, next).type };
      }
      used.add(prev.id);
      if (prev.name !== c.name) changes.push({ kind: 'rename', from: prev.name, to: c.name });
      let idSeq = last;
      const wanted = icebergType(c.duckType, () => ++idSeq).type;
      let type = prev.type;
      if (!sameType(prev.type, wanted) && !sameShape(prev.type, wanted)) {
        if (!canPromote(prev.type, wanted)) {
          if (!opts.replace) {
            throw new Error(`column ${c.name}: Iceberg cannot change type ${JSON.stringify(prev.type)} to ${JSON.stringify(wanted)} in place `
              + '(allowed: int -> long, float -> double, decimal precision widening)');
          }
          // a new column under the same name: old files never read as the new type
          const id = next();
          const to = icebergType(c.duckType, next).type;
          changes.push({ kind: 'replace', name: c.name, from: prev.type, to });
          values.set(id, `t.${quoteIdent(prev.name)}`);
          rewrite = true;
          return { id, name: c.name, required: prev.required && keys.has(c.name), type: to };
        }
        changes.push({ kind: 'promote', name: c.name, from: prev.type, to: wanted });
        type = wanted;
      }
      values.set(prev.id, `t.${quoteIdent(prev.name)}`);
      return { id: prev.id, name: c.name, required: prev.required && keys.has(c.name), type };
    });
    for (const f of old) if (!used.has(f.id)) changes.push({ kind: 'drop', name: f.name });
    const ids = key.map((k) => fields.find((f) => f.name === k)?.id);
    if (ids.some((i) => i === undefined)) throw new Error(`key column missing from the new schema: ${key.join(', ')}`);
    const sameKey = JSON.stringify(ids) === JSON.stringify(this.table.schema['identifier-field-ids'] ?? []);
    if (changes.length === 0 && sameKey) return [];
    if (rewrite && this.table.snapshot) {
      await this.rewrite(fields, ids as number[], values, opts.summary ?? {}, opts.properties ?? {});
    } else {
      await this.table.setSchema(fields, ids as number[], opts.properties);
    }
    if (rewrite || !sameKey || changes.some((c) => c.kind === 'rename' && keys.has(c.to))) {
      await this.index.drop();
      Object.assign(this, { index: new KeyIndex(this.conn, this.index.name, keyFields(this.table)) });
      await KeyIndex.init(this.conn);
      await this.ensureIndex();
    }
    return changes;
  }

  /**
   * Every current row in the new shape `fields` (`values`: each field's SQL over the current rows
   * `t`), written to one data file and committed with the new schema as one snapshot that
   * removes every current data and delete file. A crash before the commit leaves orphan files
   * and the old table; after it, the key index is rebuilt on open (it reflects an older snapshot).
   */
  private async rewrite(fields: Field[], identifierIds: number[], values: Map<number, string>, summary: Record<string, string>,
    properties: Record<string, string>): Promise<void> {
    const live = await this.table.liveFiles();
    const keyNames = identifierIds.map((id) => quoteIdent(fields.find((f) => f.id === id)!.name)).join(', ');
    const select = `SELECT ${fields.map((f) => `${writeExpr(f, values.get(f.id) ?? 'NULL')} AS ${quoteIdent(f.name)}`).join(', ')} `
      + `FROM (${await this.rowsSql()}) t ORDER BY ${keyNames}`;
    const data = await writeDataFile(this.conn, this.table.dir, fields, select);
    await this.table.commit({
      add: data ? [data] : [], operation: data ? 'overwrite' : 'delete', summary,
      remove: new Set(live.map((f) => f.file.file_path)),
      schema: { fields, identifierIds }, properties,
    });
  }
}

function keyFields(t: IcebergTable): Field[] {
  const ids = t.schema['identifier-field-ids'] ?? [];
  return ids.map((id) => t.schema.fields.find((f) => f.id === id)!);
}

/** Same type ignoring nested field ids (a list column whose element type did not change). */
function sameShape(a: IcebergType, b: IcebergType): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return sameShape(a.element, b.element);
}
