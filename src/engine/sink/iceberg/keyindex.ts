// The primary key -> (data file, row position) index of one Iceberg table, kept in LakeSync's
// DuckDB state file beside the warehouse. It turns an update or delete by key into a position
// delete (spec: "Position Delete Files"), which every mainstream reader applies, unlike equality
// deletes. The index is a cache of the table: it records the snapshot it reflects, and when that
// is not the table's current snapshot (a crash between the Iceberg commit and the index update)
// it is rebuilt from the table itself.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Field } from './spec';
import { duckType, quoteIdent, quoteLiteral } from './parquet';

export const INDEX_SCHEMA = '_lakesync_iceberg';

export class KeyIndex {
  readonly table: string;

  constructor(private readonly conn: DuckDBConnection, readonly name: string, readonly keys: Field[]) {
    this.table = `${quoteIdent(INDEX_SCHEMA)}.${quoteIdent(`keys:${name}`)}`;
  }

  static async init(conn: DuckDBConnection): Promise<void> {
    await conn.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(INDEX_SCHEMA)}`);
    await conn.run(`CREATE TABLE IF NOT EXISTS ${quoteIdent(INDEX_SCHEMA)}.snapshots (tbl VARCHAR PRIMARY KEY, snapshot_id BIGINT, key_names VARCHAR)`);
  }

  /** Key equality of index rows `i` and rows `s` (keys are required fields: plain `=`). */
  on(i: string, s: string): string {
    return this.keys.map((k) => `${i}.${quoteIdent(k.name)} = ${s}.${quoteIdent(k.name)}`).join(' AND ');
  }

  /** Whether the index reflects `snapshotId` with the same key columns. */
  async current(snapshotId: number | undefined): Promise<boolean> {
    const r = await this.conn.runAndReadAll(`SELECT snapshot_id, key_names FROM ${quoteIdent(INDEX_SCHEMA)}.snapshots WHERE tbl = ${quoteLiteral(this.name)}`);
    const rows = r.getRowObjectsJS() as { snapshot_id: bigint | null; key_names: string }[];
    if (!rows.length) return false;
    const sameKeys = rows[0].key_names === JSON.stringify(this.keys.map((k) => k.id));
    const snap = rows[0].snapshot_id === null ? undefined : Number(rows[0].snapshot_id);
    return sameKeys && snap === snapshotId;
  }

  /** Replaces the index with the key and position of every row `rowsSql` (with `_file`, `_pos`) yields. */
  async rebuild(rowsSql: string, snapshotId: number | undefined): Promise<void> {
    const cols = this.keys.map((k) => `${quoteIdent(k.name)} ${duckType(k.type)}`).join(', ');
    await this.writeAt(snapshotId, async () => {
      await this.conn.run(`CREATE OR REPLACE TABLE ${this.table} (${cols}, _file VARCHAR, _pos BIGINT)`);
      await this.insertPositions(rowsSql);
    });
  }

  /** SQL: (file_path, pos) of the current rows whose key is in `keysSql`. */
  positionsSql(keysSql: string): string {
    return `SELECT i._file AS file_path, i._pos AS pos FROM ${this.table} i SEMI JOIN (${keysSql}) s ON ${this.on('i', 's')}`;
  }

  /**
   * After a commit: rows with keys in `removedKeysSql` are gone (when `all`, every row is), and
   * the rows `addedSql` (keys, `_file`, `_pos`) are new; the index now reflects `snapshotId`.
   * `conn`: the connection that sees `removedKeysSql` (a snapshot writer's TEMP stage).
   */
  async update(removedKeysSql: string | undefined, all: boolean, addedSql: string | undefined, snapshotId: number,
    conn: DuckDBConnection = this.conn): Promise<void> {
    await this.writeAt(snapshotId, async () => {
      if (all) await conn.run(`DELETE FROM ${this.table}`);
      else if (removedKeysSql) await conn.run(`DELETE FROM ${this.table} i WHERE EXISTS (SELECT 1 FROM (${removedKeysSql}) s WHERE ${this.on('i', 's')})`);
      if (addedSql) await this.insertPositions(addedSql, conn);
    }, conn);
  }

  /** Rows moved by a compaction: (old file, old pos) -> (new file, new pos) for the same keys. */
  async replaceFiles(addedSql: string, removedFiles: string[], snapshotId: number): Promise<void> {
    await this.writeAt(snapshotId, async () => {
      if (removedFiles.length) {
        await this.conn.run(`DELETE FROM ${this.table} WHERE _file IN (${removedFiles.map(quoteLiteral).join(', ')})`);
      }
      await this.insertPositions(addedSql);
    });
  }

  /** One transaction: the change to the index and the snapshot it now reflects, or neither. */
  private async writeAt(snapshotId: number | undefined, change: () => Promise<void>, conn: DuckDBConnection = this.conn): Promise<void> {
    await conn.run('BEGIN TRANSACTION');
    try {
      await change();
      await this.mark(snapshotId, conn);
      await conn.run('COMMIT');
    } catch (err) {
      await conn.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** Adds the key and position of every row `rowsSql` (with `_file`, `_pos`) yields. */
  private async insertPositions(rowsSql: string, conn: DuckDBConnection = this.conn): Promise<void> {
    await conn.run(`INSERT INTO ${this.table} SELECT ${this.keys.map((k) => quoteIdent(k.name)).join(', ')}, _file, _pos FROM (${rowsSql})`);
  }

  private async mark(snapshotId: number | undefined, conn: DuckDBConnection = this.conn): Promise<void> {
    await conn.run(`INSERT OR REPLACE INTO ${quoteIdent(INDEX_SCHEMA)}.snapshots VALUES (${quoteLiteral(this.name)}, `
      + `${snapshotId ?? 'NULL'}, ${quoteLiteral(JSON.stringify(this.keys.map((k) => k.id)))})`);
  }

  async drop(): Promise<void> {
    await this.conn.run(`DROP TABLE IF EXISTS ${this.table}`);
    await this.conn.run(`DELETE FROM ${quoteIdent(INDEX_SCHEMA)}.snapshots WHERE tbl = ${quoteLiteral(this.name)}`);
  }
}
