// The Iceberg sink's entry in the sink registry (../registry.ts): `target.type: iceberg`.
import { existsSync } from 'node:fs';
import type { TargetConfig } from '../../config/plan';
import { UserError } from '../../errors';
import type { QueryResult } from '../../../protocol/ipc';
import type { ReadOnlySink, SinkFactory, SinkLimits } from '../sink';
import { Db } from '../duckdb/db';
import { StateStore } from '../duckdb/state';
import { DEFAULT_MAINTENANCE, type MaintenanceSettings } from './maintenance';
import { join } from 'node:path';
import { IcebergSink, maintenanceFile, queryWarehouse, tableStorage, type IcebergTargetSettings } from './sink';
import { readReports } from './maintenance';
import { IcebergTable } from './table';
import { duckType } from './parquet';
import { icebergType } from './types';

export { IcebergSink };

function settings(target: TargetConfig): IcebergTargetSettings {
  if (!target.warehouse) throw new UserError('target.warehouse is required for target.type iceberg');
  const m = target.maintenance;
  const maintenance: MaintenanceSettings = m ? {
    enabled: m.enabled,
    intervalMs: m.intervalSeconds * 1000,
    targetFileSizeBytes: m.targetFileSizeMb * 1024 * 1024,
    minFiles: m.minFiles,
    keepSnapshotsMs: m.keepSnapshotsMinutes * 60_000,
    maxSnapshots: m.maxSnapshots,
  } : DEFAULT_MAINTENANCE;
  return { warehouse: target.warehouse, statePath: target.path, maintenance };
}

async function open(target: TargetConfig, limits?: SinkLimits): Promise<IcebergSink> {
  const s = { ...settings(target), memoryMb: limits?.memoryMb };
  return IcebergSink.open(s).catch((err: Error) => {
    if (/lock/i.test(err.message)) {
      throw new UserError(`${s.statePath} is in use by another process (another LakeSync engine writes this warehouse); stop it and start again`);
    }
    throw err;
  });
}

/** A stopped task's warehouse: its state store read-only, and queries over the tables' current snapshots. */
async function openReadOnly(target: TargetConfig): Promise<ReadOnlySink | undefined> {
  const { warehouse, statePath } = settings(target);
  if (!existsSync(warehouse)) return undefined;
  let state: StateStore | undefined;
  let close = async (): Promise<void> => undefined;
  if (existsSync(statePath)) {
    const db = await Db.open(statePath, { readOnly: true });
    close = () => db.close();
    const conn = await db.connect();
    const has = await conn.rows(`SELECT 1 FROM duckdb_tables() WHERE schema_name = '_lakesync' AND table_name = 'checkpoint'`).catch(async (err) => { await close(); throw err; });
    if (has.length) state = new StateStore(conn);
  }
  const reports = new Map(readReports(maintenanceFile(statePath)).map((r) => [r.table, r]));
  return {
    state,
    query: (sql: string, limit: number): Promise<QueryResult> => queryWarehouse(warehouse, sql, limit),
    storage: async (target: string) => {
      const dot = target.indexOf('.');
      return tableStorage(await IcebergTable.open(join(warehouse, target.slice(0, dot), target.slice(dot + 1))), reports.get(target));
    },
    close,
  };
}

/** The DuckDB type a reader of the warehouse sees for a column of target type `t` (types.ts). */
function storedType(t: string): string {
  let id = 0;
  return duckType(icebergType(t, () => ++id).type);
}

export const icebergSinkFactory: SinkFactory = { open, openReadOnly, storedType };
