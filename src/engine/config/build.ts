// Validated, resolved task data -> TaskPlan: defaults from the schema, derived names and ids,
// and the target path made absolute relative to the task file.
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { defaultSlotName, deriveServerId, taskNameFromFile } from './identity';
import type { EngineParameters, IcebergMaintenanceConfig, Pem, Rules, SnapshotConfig, SourceType, SshConfig, SyncMode, TargetConfig, TaskPlan, TlsConfig, TlsMode } from './plan';
import { schemaDefault } from './schema';
import { sourceFacts } from '../source/known';

type Data = Record<string, any>;

export { defaultSlotName, deriveServerId, MIN_DERIVED_SERVER_ID, taskNameFromFile } from './identity';

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

/** A resolved PEM value: text (from a ${secret:}/${env:} reference) or a path relative to the task file. */
function pem(value: string | undefined, taskDir: string): Pem | undefined {
  if (value === undefined) return undefined;
  if (/-----BEGIN|PuTTY-User-Key-File|\n/.test(value)) return { text: value };
  const p = expandHome(value);
  return { path: isAbsolute(p) ? p : resolve(taskDir, p) };
}

function tlsConfig(tls: Data | undefined, taskDir: string): TlsConfig {
  const t = tls ?? {};
  const out: TlsConfig = { mode: (t.mode ?? schemaDefault<TlsMode>('source.tls.mode')) as TlsMode };
  const ca = pem(t.ca, taskDir); if (ca) out.ca = ca;
  const cert = pem(t.cert, taskDir); if (cert) out.cert = cert;
  const key = pem(t.key, taskDir); if (key) out.key = key;
  if (t.keyPassphrase) out.keyPassphrase = t.keyPassphrase;
  if (t.serverName) out.serverName = t.serverName;
  return out;
}

function sshConfig(ssh: Data | undefined, taskDir: string): SshConfig | undefined {
  if (!ssh) return undefined;
  const out: SshConfig = {
    host: ssh.host, port: ssh.port ?? 22, user: ssh.user,
    trustUnknownHostKey: ssh.trustUnknownHostKey ?? false,
    keepaliveSeconds: ssh.keepaliveSeconds ?? 15,
  };
  const key = pem(ssh.privateKey, taskDir); if (key) out.privateKey = key;
  if (ssh.privateKeyPassphrase) out.privateKeyPassphrase = ssh.privateKeyPassphrase;
  if (ssh.password) out.password = ssh.password;
  if (ssh.knownHosts) { const k = expandHome(ssh.knownHosts); out.knownHosts = isAbsolute(k) ? k : resolve(taskDir, k); }
  if (ssh.hostKey) out.hostKey = ssh.hostKey;
  return out;
}

/** `listed`: the entries of the `tablesFrom` file (config/tablelist.ts), added to `tables`. */
export function buildPlan(data: Data, file: string, listed: string[] = []): TaskPlan {
  const abs = resolve(file);
  const name: string = data.name ?? taskNameFromFile(abs);
  const src = data.source as Data;
  const type = src.type as SourceType;
  const t = (data.target ?? {}) as Data;
  const rules = (data.rules ?? {}) as Data;
  const snap = (data.snapshot ?? {}) as Data;
  const params = (data.parameters ?? {}) as Data;
  const pick = <T>(obj: Data, section: string, key: string): T => (obj[key] ?? schemaDefault<T>(`${section}.${key}`)) as T;
  const targetPath = expandHome(t.path ?? `.lakehouse/${name}.duckdb`);
  const warehouse = expandHome(t.warehouse ?? `.lakehouse/${name}`);
  const warehousePath = isAbsolute(warehouse) ? warehouse : resolve(dirname(abs), warehouse);

  return {
    name,
    file: abs,
    source: {
      type,
      host: src.host,
      port: src.port ?? sourceFacts(type).defaultPort,
      user: src.user,
      password: src.password ?? schemaDefault<string>('source.password'),
      ...(src.database !== undefined ? { database: src.database } : {}),
      serverId: src.serverId ?? deriveServerId(name),
      slot: src.slot ?? defaultSlotName(name),
      publication: src.publication ?? defaultSlotName(name),
      ...(src.plugin !== undefined ? { plugin: src.plugin as 'pgoutput' | 'decoderbufs' } : {}),
      ...(src.arrays === 'text' ? { arrays: 'text' as const } : {}),
      ...(src.zeroDates === 'text' ? { zeroDates: 'text' as const } : {}),
      connectTimeoutMs: pick<number>(src, 'source', 'connectTimeoutMs'),
      tls: tlsConfig(src.tls as Data | undefined, dirname(abs)),
      ...(src.ssh ? { ssh: sshConfig(src.ssh as Data, dirname(abs)) } : {}),
    },
    mode: data.mode as SyncMode,
    databases: [...(data.databases ?? [])],
    tables: [...new Set([...(data.tables ?? []), ...listed])],
    exclude: [...(data.exclude ?? [])],
    virtualTables: Object.fromEntries(Object.entries((data.virtualTables ?? {}) as Record<string, string[]>).map(([k, v]) => [k, [...v]])),
    target: {
      type: (t.type ?? 'duckdb') as TargetConfig['type'],
      // iceberg: LakeSync's own state file lives in the warehouse (status file, query and reset find it there)
      path: t.type === 'iceberg' ? join(warehousePath, '.lakesync', 'state.duckdb')
        : isAbsolute(targetPath) ? targetPath : resolve(dirname(abs), targetPath),
      ...(t.type === 'iceberg' ? {
        warehouse: warehousePath,
        maintenance: Object.fromEntries(['enabled', 'intervalSeconds', 'targetFileSizeMb', 'minFiles', 'keepSnapshotsMinutes', 'maxSnapshots']
          .map((k) => [k, pick((t.maintenance ?? {}) as Data, 'target.maintenance', k)])) as unknown as IcebergMaintenanceConfig,
      } : {}),
      namespace: t.namespace ?? schemaDefault<string>('target.namespace'),
      ...(t.tableName !== undefined ? { tableName: t.tableName as string } : {}),
      ...(t.lowerCase === true ? { lowerCase: true } : {}),
    },
    rules: Object.fromEntries(['newTables', 'addColumn', 'dropColumn', 'renameColumn', 'changeType', 'dropTable', 'keylessTables', 'events']
      .map((k) => [k, pick(rules, 'rules', k)])) as unknown as Rules,
    snapshot: Object.fromEntries(['enabled', 'concurrency', 'chunkSize'].map((k) => [k, pick(snap, 'snapshot', k)])) as unknown as SnapshotConfig,
    parameters: Object.fromEntries(['memoryMb', 'flushIntervalMs', 'batchSize', 'maxTransactionChanges']
      .map((k) => [k, pick(params, 'parameters', k)])) as unknown as EngineParameters,
  };
}
