// The typed task, as the config loader hands it to everything else (after YAML parse, schema
// validation, defaults and ${env:}/${secret:} resolution). Field names follow the task file.

export type SourceType = 'mysql' | 'postgres';
export type SyncMode = 'database-mirror' | 'multi-table-mirror' | 'multi-table-merge';
export type EventType = 'insert' | 'update' | 'delete' | 'truncate';

export interface SourceConfig {
  type: SourceType;
  host: string;
  port: number;
  user: string;
  /** Resolved secret. Never log it, never write it to state or status. */
  password: string;
  /** PostgreSQL: the database of the task. MySQL: optional default database. */
  database?: string;
  /** MySQL: replica server id. */
  serverId: number;
  /** PostgreSQL replication slot and publication names. */
  slot: string;
  publication: string;
  /** PostgreSQL logical decoding output plugin of the slot (absent: pgoutput). */
  plugin?: 'pgoutput' | 'decoderbufs';
  /** PostgreSQL: array columns as typed LISTs (default) or as PostgreSQL's exact array text. */
  arrays?: 'list' | 'text';
  /** MySQL: DATE/DATETIME/TIMESTAMP typed with zero dates as NULL (default), or as the server's exact text. */
  zeroDates?: 'nullify' | 'text';
  /** Connect timeout in ms. */
  connectTimeoutMs: number;
  /** Transport encryption of every connection; absent means mode `prefer`. */
  tls?: TlsConfig;
  /** SSH tunnel every connection goes through, when set. */
  ssh?: SshConfig;
}

export type TlsMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

/** PEM material: a file (absolute path, read at connect time) or the text itself (from a reference). */
export type Pem = { path: string } | { text: string };

export interface TlsConfig {
  mode: TlsMode;
  ca?: Pem;
  cert?: Pem;
  /** Secret. Never log it. */
  key?: Pem;
  /** Secret. */
  keyPassphrase?: string;
  /** Name the certificate must carry and the SNI name; default: source.host. */
  serverName?: string;
}

export interface SshConfig {
  host: string;
  port: number;
  user: string;
  /** Secret. */
  privateKey?: Pem;
  /** Secret. */
  privateKeyPassphrase?: string;
  /** Secret. */
  password?: string;
  /** Absolute path of a known_hosts file (default ~/.ssh/known_hosts when it exists). */
  knownHosts?: string;
  /** Pinned host key fingerprint, `SHA256:<base64>`. */
  hostKey?: string;
  trustUnknownHostKey: boolean;
  keepaliveSeconds: number;
}

/** `target.namespace` as written: a fixed name, or mirror the source database/schema. */
export type NamespaceSetting = string | { from: 'source' };

/** `target.maintenance` of an Iceberg target (schema: target.maintenance). */
export interface IcebergMaintenanceConfig {
  enabled: boolean;
  intervalSeconds: number;
  targetFileSizeMb: number;
  minFiles: number;
  keepSnapshotsMinutes: number;
  maxSnapshots: number;
}

export interface TargetConfig {
  type: 'duckdb' | 'iceberg';
  /** Absolute path of the DuckDB file (iceberg: LakeSync's state file, `<warehouse>/.lakesync/state.duckdb`). */
  path: string;
  /** type iceberg: absolute warehouse folder (`<warehouse>/<namespace>/<table>/`). */
  warehouse?: string;
  /** type iceberg: background maintenance settings. */
  maintenance?: IcebergMaintenanceConfig;
  /**
   * Target schema as written: fixed, or mirror the source database/schema. Never read it to
   * name a table: config/naming.ts targetNameOf applies it with tableName and lowerCase.
   */
  namespace: NamespaceSetting;
  /** `target.tableName` template over {schema} {database} {table}; unset: naming.ts's default. */
  tableName?: string;
  /** Lower-case the names the templates produce from source names. */
  lowerCase?: boolean;
}

export interface Rules {
  newTables: 'sync' | 'ignore';
  addColumn: 'apply' | 'ignore' | 'fail';
  dropColumn: 'drop' | 'keep' | 'fail';
  renameColumn: 'apply' | 'ignore' | 'fail';
  changeType: 'apply' | 'ignore' | 'fail';
  dropTable: 'drop' | 'keep' | 'fail';
  /** Tables without a primary key (source/keyless.ts; unset in hand-made plans: sync). */
  keylessTables?: 'sync' | 'append' | 'skip' | 'fail';
  events: EventType[];
}

export interface SnapshotConfig {
  enabled: boolean;
  concurrency: number;
  chunkSize: number;
}

export interface EngineParameters {
  /** Node heap limit for the engine process, MiB. */
  memoryMb: number;
  /** Longest time a change waits before its batch is applied, ms. */
  flushIntervalMs: number;
  /** Most changes in one applied batch (all tables). */
  batchSize: number;
  /** Largest buffered source transaction, in changes, before it is applied in parts. */
  maxTransactionChanges: number;
}

export interface TaskPlan {
  /** Task name (file name without .sync.yaml unless set). */
  name: string;
  /** Absolute path of the task file. */
  file: string;
  source: SourceConfig;
  mode: SyncMode;
  databases: string[];
  tables: string[];
  exclude: string[];
  /** multi-table-merge: target table name -> regexes on `db.table`. */
  virtualTables: Record<string, string[]>;
  target: TargetConfig;
  rules: Rules;
  snapshot: SnapshotConfig;
  parameters: EngineParameters;
  /** Task-file warnings (e.g. a plain-text password), each `file:line:column warning: ...`. */
  warnings?: string[];
}
