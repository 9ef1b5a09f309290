// The DuckDB sink's entry in the sink registry (../registry.ts): `target.type: duckdb`.
import { existsSync } from 'node:fs';
import type { TargetConfig } from '../../config/plan';
import { UserError } from '../../errors';
import type { QueryResult } from '../../../protocol/ipc';
import type { ReadOnlySink, SinkFactory, SinkLimits } from '../sink';
import { Db } from './db';
import { DuckDbSink } from './sink';
import { StateStore } from './state';

export { DuckDbSink };

async function open(target: TargetConfig, limits?: SinkLimits): Promise<DuckDbSink> {
  return DuckDbSink.open(target.path, limits).catch((err: Error) => {
    if (/lock/i.test(err.message)) {
      throw new UserError(`${target.path} is in use by another process (another LakeSync engine or a DuckDB client); close it and start again`);
    }
    throw err;
  });
}

/** The file opened read-only (another process may read it while no engine writes it). */
async function openReadOnly(target: TargetConfig): Promise<ReadOnlySink | undefined> {
  if (!existsSync(target.path)) return undefined;
  const db = await Db.open(target.path, { readOnly: true });
  const conn = await db.connect();
  const close = () => db.close();
  let has;
  try {
    has = await conn.rows(`SELECT 1 FROM duckdb_tables() WHERE schema_name = '_lakesync' AND table_name = 'checkpoint'`);
  } catch (err) { await close(); throw err; }
  return {
    state: has.length > 0 ? new StateStore(conn) : undefined,
    // the file is read-only: any statement is safe
    query: (sql: string, limit: number): Promise<QueryResult> => conn.columnsAndRows(sql, limit),
    close,
  };
}

export const duckdbSinkFactory: SinkFactory = { open, openReadOnly };
