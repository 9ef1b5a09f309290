// What the tree needs to know about a task file before any engine runs: name, source, target.
// Read leniently from the YAML text (a half-typed file still shows up in the tree); the engine's
// config loader stays the judge of validity. No vscode import: unit-tested.
import { parseDocument } from 'yaml';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultSlotName, deriveServerId, taskNameFromFile } from '../../engine/config/identity';
import { describeNaming } from '../../engine/config/naming-rule';
import type { SyncMode } from '../../engine/config/plan';

export interface TaskFileInfo {
  /** Absolute path of the task file. */
  file: string;
  name: string;
  sourceType?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  slot?: string;
  serverId?: number;
  mode?: string;
  /** Absolute path of the DuckDB file (iceberg: LakeSync's state file in the warehouse). */
  targetPath: string;
  /** `target.type`: duckdb (the default) or iceberg. */
  targetType: 'duckdb' | 'iceberg';
  /** iceberg: absolute path of the warehouse folder. */
  warehouse?: string;
  namespace?: string;
  /** The target naming rule, readable (`ods.{table}`, `{schema}.{table}`): engine/config/naming.ts. */
  naming: string;
  /** `tablesFrom` as written (a table list file, relative to the task file). */
  tablesFrom?: string;
  /** Engine heap limit from `parameters.memoryMb`, when the file sets it. */
  memoryMb?: number;
  /** True when the YAML itself does not parse. */
  broken: boolean;
}

export const TASK_FILE_SUFFIX = '.sync.yaml';

/** Whether an editor document is a task file (any scheme: untitled ones too). */
export function isTaskDocument(doc: { uri: { path: string } }): boolean {
  return doc.uri.path.endsWith(TASK_FILE_SUFFIX);
}

export function defaultTaskName(file: string): string {
  return taskNameFromFile(file);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}
function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}
function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Default target file, next to the task file (the engine's default). */
export function defaultTargetPath(file: string, name: string): string {
  return path.join(path.dirname(file), '.lakehouse', `${name}.duckdb`);
}

function resolveTarget(file: string, raw: string): string {
  const p = raw === '~' || raw.startsWith('~/') ? path.join(os.homedir(), raw.slice(1)) : raw;
  return path.resolve(path.dirname(file), p);
}

export function readTaskFileInfo(file: string, text: string): TaskFileInfo {
  const doc = parseDocument(text, { prettyErrors: false });
  const broken = doc.errors.length > 0;
  let root: Record<string, unknown> = {};
  try { root = obj(doc.toJS({ maxAliasCount: 50 })); } catch { /* keep defaults */ }
  const source = obj(root.source);
  const target = obj(root.target);
  const params = obj(root.parameters);
  const name = str(root.name) ?? defaultTaskName(file);
  const rawTarget = str(target.path);
  const sourceType = str(source.type);
  const fromSource = obj(target.namespace).from === 'source';
  const warehouse = str(target.type) === 'iceberg' ? resolveTarget(file, str(target.warehouse) ?? `.lakehouse/${name}`) : undefined;
  return {
    file,
    name,
    sourceType,
    host: str(source.host),
    port: num(source.port),
    database: str(source.database),
    user: str(source.user),
    // The engine's own defaults, so two tasks that share one by default are caught too.
    slot: str(source.slot) ?? (sourceType === 'postgres' ? defaultSlotName(name) : undefined),
    serverId: num(source.serverId) ?? (sourceType === 'mysql' ? deriveServerId(name) : undefined),
    mode: str(root.mode),
    // iceberg: the engine's state (and status file) live in <warehouse>/.lakesync/ (config/build.ts)
    targetPath: warehouse ? path.join(warehouse, '.lakesync', 'state.duckdb')
      : rawTarget ? resolveTarget(file, rawTarget) : defaultTargetPath(file, name),
    targetType: warehouse ? 'iceberg' : 'duckdb',
    warehouse,
    namespace: fromSource ? '{schema}' : str(target.namespace),
    naming: describeNaming({
      mode: (str(root.mode) ?? 'multi-table-mirror') as SyncMode, databases: strings(root.databases), tables: strings(root.tables),
      source: { type: sourceType === 'postgres' ? 'postgres' : 'mysql', database: str(source.database) },
      target: { namespace: fromSource ? { from: 'source' } : str(target.namespace), tableName: str(target.tableName), lowerCase: target.lowerCase === true },
    }),
    memoryMb: num(params.memoryMb),
    tablesFrom: str(root.tablesFrom),
    broken,
  };
}

/** The status file the engine writes next to the target: `<target path>.status.json`. */
export function statusFileOf(info: TaskFileInfo): string {
  return `${info.targetPath}.status.json`;
}

/** Names of `${secret:NAME}` references in a task file, in order of appearance, unique. */
export function secretRefs(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/\$\{secret:([^}\s]+)\}/g)) names.add(m[1]);
  return [...names];
}
