// Replication slot and publication of a task: created when missing, checked before use
// (one slot serves one running task; an invalidated slot cannot be resumed), dropped on request.
import type pg from 'pg';
import type { TaskPlan } from '../../config/plan';
import { PermanentSourceError, UserError } from '../../errors';
import { parseLsn } from '../../positions';
import { appendPublicationName, keylessRule, keylessVerdict } from '../keyless';
import { tableKey, type SourceTable } from '../types';
import { connect, ident, qualified } from './session';

export interface SlotInfo {
  name: string;
  plugin: string | null;
  database: string | null;
  active: boolean;
  activePid: number | null;
  confirmedFlush: bigint | null;
  walStatus: string | null;
}

export async function readSlot(client: pg.Client, name: string): Promise<SlotInfo | undefined> {
  const res = await client.query<Record<string, string | null>>(
    `SELECT slot_name, plugin, database, active::text AS active, active_pid::text AS active_pid,
            confirmed_flush_lsn::text AS confirmed_flush, wal_status
       FROM pg_replication_slots WHERE slot_name = $1`, [name]);
  const r = res.rows[0];
  if (!r) return undefined;
  return {
    name,
    plugin: r.plugin,
    database: r.database,
    active: r.active === 'true',
    activePid: r.active_pid === null ? null : Number(r.active_pid),
    confirmedFlush: r.confirmed_flush ? parseLsn(r.confirmed_flush) : null,
    walStatus: r.wal_status,
  };
}

/** Refuses a slot that cannot serve this task: another database or plugin, in use, invalidated. */
export function checkSlot(plan: TaskPlan, slot: SlotInfo, ownPids: number[] = []): void {
  const file = plan.file;
  const plugin = pluginOf(plan);
  if (slot.plugin !== plugin || slot.database !== plan.source.database) {
    throw new UserError(
      `Replication slot "${slot.name}" exists but belongs to ${slot.database ? `database "${slot.database}"` : 'a physical replica'}` +
      `${slot.plugin ? ` with plugin ${slot.plugin}` : ''}; this task needs a ${plugin} slot in "${plan.source.database}" (source.plugin). ` +
      `Set source.slot to another name in ${file}, or drop it: SELECT pg_drop_replication_slot('${slot.name}');`);
  }
  if (slot.active && !(slot.activePid !== null && ownPids.includes(slot.activePid))) {
    throw new UserError(
      `Replication slot "${slot.name}" is in use by another connection (pid ${slot.activePid ?? 'unknown'}): ` +
      `two tasks must never share a slot. Stop the other task (or end that connection: SELECT pg_terminate_backend(${slot.activePid ?? 'pid'});), ` +
      `or give this task its own source.slot in ${file}.`);
  }
  if (slot.walStatus === 'lost') {
    throw new PermanentSourceError(
      `Replication slot "${slot.name}" was invalidated by PostgreSQL (wal_status = lost: it retained more WAL than max_slot_wal_keep_size), ` +
      `so the changes since the last checkpoint are gone. Run \`lakesync reset ${file} --drop-slot\`, then \`lakesync run ${file}\` for a full sync.`);
  }
}

/** The task's logical decoding output plugin (source.plugin). */
export function pluginOf(plan: Pick<TaskPlan, 'source'>): 'pgoutput' | 'decoderbufs' {
  return plan.source.plugin ?? 'pgoutput';
}

/** Creates a slot without exporting a snapshot; returns its consistent point. */
export async function createSlot(client: pg.Client, name: string, plugin: 'pgoutput' | 'decoderbufs' = 'pgoutput'): Promise<bigint> {
  const res = await client.query<{ lsn: string }>(
    'SELECT lsn::text AS lsn FROM pg_create_logical_replication_slot($1, $2)', [name, plugin]);
  return parseLsn(res.rows[0].lsn);
}

export interface ExportedSlot {
  /** The replication connection: it must stay idle and open while the snapshot is imported. */
  client: pg.Client;
  consistentPoint: bigint;
  snapshotName: string;
}

/**
 * CREATE_REPLICATION_SLOT ... EXPORT_SNAPSHOT: the snapshot holds exactly the transactions
 * committed before the slot's consistent point, and the slot streams exactly those after it.
 */
export async function createSlotExportingSnapshot(plan: TaskPlan): Promise<ExportedSlot> {
  const client = await connect(plan, { replication: true, appName: `lakesync:${plan.name}:snapshot` });
  try {
    const res = await client.query<{ consistent_point: string; snapshot_name: string }>(
      `CREATE_REPLICATION_SLOT ${ident(plan.source.slot)} LOGICAL ${pluginOf(plan)} EXPORT_SNAPSHOT`);
    const r = res.rows[0];
    return { client, consistentPoint: parseLsn(r.consistent_point), snapshotName: r.snapshot_name };
  } catch (err) {
    await client.end().catch(() => undefined);
    throw explainCreateError(plan, err);
  }
}

export function explainCreateError(plan: TaskPlan, err: unknown): Error {
  const msg = err instanceof Error ? err.message : String(err);
  if (/could not access file "decoderbufs"|could not load library .*decoderbufs/.test(msg)) {
    return new UserError(`PostgreSQL cannot load the decoderbufs output plugin (source.plugin: decoderbufs in ${plan.file}): ${msg}. ` +
      'Install it on the database server (Debian/Ubuntu: apt-get install postgresql-<version>-decoderbufs), or set source.plugin: pgoutput.');
  }
  if (/wal_level/.test(msg)) {
    return new UserError(`PostgreSQL cannot create the replication slot: ${msg}. Set wal_level = logical (ALTER SYSTEM SET wal_level = logical;) and restart the server.`);
  }
  if (/all replication slots are in use|max_replication_slots/.test(msg)) {
    return new UserError(`PostgreSQL has no free replication slot: ${msg}. Raise max_replication_slots (ALTER SYSTEM SET max_replication_slots = 10;) and restart, or drop an unused slot.`);
  }
  if (/permission denied|must be superuser or replication role/.test(msg)) {
    return new UserError(`The user "${plan.source.user}" may not create replication slots: ${msg}. Grant it: ALTER ROLE ${ident(plan.source.user)} WITH REPLICATION;`);
  }
  return err instanceof Error ? err : new Error(msg);
}

export async function dropSlot(client: pg.Client, plan: TaskPlan): Promise<boolean> {
  const slot = await readSlot(client, plan.source.slot);
  if (!slot) return false;
  if (slot.active) checkSlot(plan, slot);
  await client.query('SELECT pg_drop_replication_slot($1)', [plan.source.slot]);
  return true;
}

/**
 * Makes the publication publish exactly the task's tables (multi-table-mirror) or every table of
 * the task's schemas (database-mirror, FOR TABLES IN SCHEMA, PostgreSQL 15+). Kept in sync on
 * every start, so tables added to the task file are published too.
 */
export async function ensurePublication(client: pg.Client, plan: TaskPlan, all: SourceTable[]): Promise<void> {
  const name = plan.source.publication;
  const pub = await client.query<{ puballtables: string; pubviaroot: string }>(
    'SELECT puballtables::text AS puballtables, pubviaroot::text AS pubviaroot FROM pg_publication WHERE pubname = $1', [name]);
  // rules.keylessTables: tables without a key that are skipped or stopped are not published at
  // all, append ones only through the insert-only publication (source/keyless.ts)
  const verdict = (t: SourceTable) => keylessVerdict(plan, t)?.action ?? 'sync';
  const tables = all.filter((t) => verdict(t) === 'sync');
  if (keylessRule(plan) === 'append') await ensureAppendPublication(client, plan, all.filter((t) => verdict(t) === 'append'));
  // FOR TABLES IN SCHEMA would publish (and so break the updates and deletes of) a table without
  // key and replica identity: schemas holding one are published table by table instead
  const schemaMode = plan.mode === 'database-mirror' && plan.databases.length > 0
    && (keylessRule(plan) === 'fail' || (await tablesWithoutIdentity(client, plan, tables, true)).length === 0);
  await refuseTablesWithoutIdentity(client, plan, tables, schemaMode);
  const target = schemaMode
    ? `TABLES IN SCHEMA ${plan.databases.map(ident).join(', ')}`
    : `TABLE ${tables.map((t) => qualified(t.id)).join(', ')}`;
  if (!schemaMode && tables.length === 0) return; // nothing to publish; the stream will carry nothing
  try {
    if (pub.rows.length === 0) {
      // publish_via_partition_root: changes of a partitioned table arrive under the table the task
      // names, not under each partition.
      await client.query(`CREATE PUBLICATION ${ident(name)} FOR ${target} WITH (publish_via_partition_root = true)`);
      return;
    }
    if (pub.rows[0].pubviaroot !== 'true' && await hasPartitioned(client, tables)) {
      await client.query(`ALTER PUBLICATION ${ident(name)} SET (publish_via_partition_root = true)`);
    }
    if (pub.rows[0].puballtables === 'true') return; // FOR ALL TABLES already covers every table
    if (schemaMode) {
      const res = await client.query<{ nspname: string }>(
        `SELECT n.nspname FROM pg_publication_namespace pn JOIN pg_namespace n ON n.oid = pn.pnnspid
           JOIN pg_publication p ON p.oid = pn.pnpubid WHERE p.pubname = $1`, [name]);
      const rel = await client.query('SELECT 1 FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid WHERE p.pubname = $1', [name]);
      const have = new Set(res.rows.map((r) => r.nspname));
      if (rel.rows.length === 0 && have.size === plan.databases.length && plan.databases.every((d) => have.has(d))) return;
    } else {
      const res = await client.query<{ schemaname: string; tablename: string }>(
        'SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1', [name]);
      const have = new Set(res.rows.map((r) => `${r.schemaname}.${r.tablename}`));
      if (tables.every((t) => have.has(tableKey(t.id))) && have.size === tables.length) return;
    }
    await client.query(`ALTER PUBLICATION ${ident(name)} SET ${target}`);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/permission denied|must be owner|must be superuser/.test(msg)) {
      throw new UserError(
        `The user "${plan.source.user}" may not ${pub.rows.length === 0 ? 'create' : 'change'} publication "${name}": ${msg}. ` +
        `Create it as a superuser or the tables' owner: ${pub.rows.length === 0 ? 'CREATE' : 'ALTER'} PUBLICATION ${ident(name)} ${pub.rows.length === 0 ? 'FOR' : 'SET'} ${target};`);
    }
    throw err;
  }
}

async function hasPartitioned(client: pg.Client, tables: SourceTable[]): Promise<boolean> {
  const res = await client.query(
    `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'p' AND (n.nspname || '.' || c.relname) = ANY($1) LIMIT 1`, [tables.map((t) => tableKey(t.id))]);
  return res.rows.length > 0;
}

/**
 * decoderbufs (no publication): a keyed table with REPLICA IDENTITY NOTHING sends no row for its
 * updates and deletes, so they could not be applied; refused with the statement that fixes it.
 * Keyless tables are the business of rules.keylessTables.
 */
export async function refuseRowlessTables(client: pg.Client, plan: TaskPlan, tables: SourceTable[]): Promise<void> {
  const res = await client.query<{ nspname: string; relname: string }>(
    `SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relreplident = 'n' AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)
        AND (n.nspname || '.' || c.relname) = ANY($1)`, [tables.map((t) => tableKey(t.id))]);
  if (res.rows.length === 0) return;
  const names = res.rows.map((r) => `${ident(r.nspname)}.${ident(r.relname)}`);
  throw new UserError(`${names.join(', ')} ${names.length === 1 ? 'has' : 'have'} REPLICA IDENTITY NOTHING: decoderbufs then sends no row for updates and deletes. ` +
    `Run ${names.map((n) => `ALTER TABLE ${n} REPLICA IDENTITY DEFAULT;`).join(' ')} or exclude ${names.length === 1 ? 'it' : 'them'} in ${plan.file}.`);
}

/**
 * A table without a primary key and REPLICA IDENTITY DEFAULT/NOTHING in a publication makes the
 * *application's* UPDATE and DELETE on it fail. LakeSync never publishes such a table; the user
 * decides (REPLICA IDENTITY FULL, or a primary key).
 */
async function refuseTablesWithoutIdentity(client: pg.Client, plan: TaskPlan, tables: SourceTable[], schemaMode: boolean): Promise<void> {
  const names = await tablesWithoutIdentity(client, plan, tables, schemaMode);
  if (names.length === 0) return;
  throw new UserError(
    `${names.length === 1 ? 'Table' : 'Tables'} ${names.join(', ')} ${names.length === 1 ? 'has' : 'have'} no primary key and no replica identity: ` +
    `once published, PostgreSQL would reject UPDATE and DELETE on ${names.length === 1 ? 'it' : 'them'} (rules.keylessTables: ${keylessRule(plan)}). Add a primary key, or run ` +
    names.map((n) => `ALTER TABLE ${n} REPLICA IDENTITY FULL;`).join(' ') +
    (schemaMode ? '' : ` Or remove ${names.length === 1 ? 'it' : 'them'} from tables in ${plan.file}.`) +
    ' Or set rules.keylessTables: append (insert-only), skip or sync (that table stops).');
}

/** Tables (of the schemas, or the given ones) without a primary key and without a replica identity. */
async function tablesWithoutIdentity(client: pg.Client, plan: TaskPlan, tables: SourceTable[], schemaMode: boolean): Promise<string[]> {
  const res = await client.query<{ nspname: string; relname: string }>(
    `SELECT n.nspname, c.relname
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p')
        AND (c.relreplident = 'n' OR (c.relreplident = 'd' AND NOT EXISTS (
              SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)))
        AND ${schemaMode ? 'n.nspname = ANY($1)' : "(n.nspname || '.' || c.relname) = ANY($1)"}`,
    [schemaMode ? plan.databases : tables.map((t) => tableKey(t.id))]);
  return res.rows.map((r) => `${ident(r.nspname)}.${ident(r.relname)}`);
}

/**
 * The insert-only publication of rules.keylessTables: append (`<publication>_append`, publish =
 * 'insert, truncate'): it needs no replica identity, so the application's own UPDATE and DELETE
 * on those tables keep working. Created even when empty: the stream always names it.
 */
async function ensureAppendPublication(client: pg.Client, plan: TaskPlan, tables: SourceTable[]): Promise<void> {
  const name = appendPublicationName(plan.source.publication);
  const exists = (await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name])).rows.length > 0;
  const want = new Set(tables.map((t) => tableKey(t.id)));
  const list = tables.map((t) => qualified(t.id)).join(', ');
  try {
    if (!exists) {
      await client.query(`CREATE PUBLICATION ${ident(name)}${want.size ? ` FOR TABLE ${list}` : ''} WITH (publish = 'insert, truncate', publish_via_partition_root = true)`);
      return;
    }
    const have = new Set((await client.query<{ k: string }>(
      "SELECT schemaname || '.' || tablename AS k FROM pg_publication_tables WHERE pubname = $1", [name])).rows.map((r) => r.k));
    if (have.size === want.size && [...want].every((k) => have.has(k))) return;
    if (want.size) await client.query(`ALTER PUBLICATION ${ident(name)} SET TABLE ${list}`);
    else {
      const rel = await client.query<{ s: string; t: string }>('SELECT schemaname AS s, tablename AS t FROM pg_publication_tables WHERE pubname = $1', [name]);
      await client.query(`ALTER PUBLICATION ${ident(name)} DROP TABLE ${rel.rows.map((r) => qualified({ db: r.s, table: r.t })).join(', ')}`);
    }
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/permission denied|must be owner|must be superuser/.test(msg)) {
      throw new UserError(`The user "${plan.source.user}" may not ${exists ? 'change' : 'create'} the insert-only publication "${name}" of rules.keylessTables: append: ${msg}. ` +
        `Create it as a superuser or the tables' owner: CREATE PUBLICATION ${ident(name)} FOR TABLE ${list || '<tables>'} WITH (publish = 'insert, truncate');`);
    }
    throw err;
  }
}
