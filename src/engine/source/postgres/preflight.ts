// PostgreSQL preflight: logical decoding, replication slots and senders, the REPLICATION
// attribute, the publication, SELECT on the task's tables, and tables whose UPDATE/DELETE a
// publication would break (no primary key, no replica identity).
import type pg from 'pg';
import type { TaskPlan } from '../../config/plan';
import { keylessCheck, nameList, targetNamesCheck, type CheckResult } from '../checks';
import { selectTables } from '../select';
import { tableKey, type SourceTable, type TableId } from '../types';
import { connectPostgres, pgTlsState } from './connect';
import { transportChecks } from '../transport-check';
import { displayIdent } from './ident';
import { ddlTriggerCheck } from './ddltrigger';

interface PgTable extends TableId {
  hasPk: boolean;
  /** relreplident: d default, f full, i index, n nothing. */
  ident: string;
  canSelect: boolean;
  schemaUsage: boolean;
  owned: boolean;
}

const ident = displayIdent;
const qualified = (t: TableId) => `${ident(t.db)}.${ident(t.table)}`;

export async function runPreflight(plan: TaskPlan, known?: SourceTable[]): Promise<CheckResult[]> {
  const s = plan.source;
  const out: CheckResult[] = [];
  let client: pg.Client;
  try {
    client = await connectPostgres(s);
  } catch (err) {
    return [{ id: 'connection', title: `connect to PostgreSQL at ${s.host}:${s.port}`, status: 'fail', detail: (err as Error).message }];
  }
  try {
    const q = async <T>(sql: string, params?: unknown[]): Promise<T[]> => (await client.query(sql, params as any[])).rows as T[];
    const [info] = await q<{ version: string; num: string; db: string; superuser: boolean; replication: boolean }>(
      `SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num,
              current_database() AS db, r.rolsuper AS superuser, r.rolreplication AS replication
         FROM pg_roles r WHERE r.rolname = current_user`);
    const versionNum = Number(info.num);
    out.push({ id: 'connection', title: `connect to PostgreSQL at ${s.host}:${s.port}`, status: 'ok',
      detail: `PostgreSQL ${info.version}, database "${info.db}", user "${s.user}"` });
    out.push(...transportChecks(pgTlsState(client, s), s));
    if (versionNum < 100000) {
      out.push({ id: 'version', title: 'PostgreSQL 10 or newer (pgoutput)', status: 'fail', detail: `server is ${info.version}`,
        fix: 'upgrade PostgreSQL to version 10 or newer (15 or newer for database-mirror)' });
    }

    const settings = Object.fromEntries((await q<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('wal_level', 'max_replication_slots', 'max_wal_senders')`))
      .map((r) => [r.name, r.setting]));

    // wal_level
    const wal = settings.wal_level;
    out.push(wal === 'logical'
      ? { id: 'wal_level', title: 'wal_level = logical', status: 'ok' }
      : { id: 'wal_level', title: 'wal_level = logical', status: 'fail', detail: `wal_level is ${wal}`,
        fix: 'ALTER SYSTEM SET wal_level = logical;  -- then restart PostgreSQL (or set wal_level = logical in postgresql.conf)' });

    // replication slot: the task's own (reused) or a free one
    const maxSlots = Number(settings.max_replication_slots);
    const slots = await q<{ slot_name: string; slot_type: string; plugin: string | null; database: string | null; active: boolean; active_pid: number | null; app: string | null }>(
      `SELECT s.slot_name, s.slot_type, s.plugin, s.database, s.active, s.active_pid, a.application_name AS app
         FROM pg_replication_slots s LEFT JOIN pg_stat_activity a ON a.pid = s.active_pid`);
    const own = slots.find((r) => r.slot_name === s.slot);
    const plugin = s.plugin ?? 'pgoutput';
    if (plugin === 'decoderbufs') out.push(...await decoderbufsChecks(q, plan));
    if (own) {
      if (own.slot_type !== 'logical' || own.plugin !== plugin || own.database !== info.db) {
        out.push({ id: 'replication_slot', title: `replication slot "${s.slot}"`, status: 'fail',
          detail: `slot "${s.slot}" exists but is ${own.slot_type}${own.plugin ? ` (${own.plugin})` : ''} on database "${own.database ?? '-'}", not ${plugin} on "${info.db}"`,
          fix: `choose another source.slot, or drop it if nothing uses it: SELECT pg_drop_replication_slot('${s.slot}');` });
      } else if (own.active) {
        const ours = own.app === 'lakesync';
        out.push({ id: 'replication_slot', title: `replication slot "${s.slot}"`, status: ours ? 'warn' : 'fail',
          detail: `slot "${s.slot}" is in use by process ${own.active_pid}${ours ? ' (a running LakeSync engine: is this task already running?)' : ''}`,
          fix: ours ? 'stop the running task before starting it again'
            : `stop the other consumer of slot "${s.slot}" (SELECT pg_terminate_backend(${own.active_pid});) or choose another source.slot` });
      } else {
        out.push({ id: 'replication_slot', title: `replication slot "${s.slot}"`, status: 'ok', detail: 'exists; the task resumes from it' });
      }
    } else if (slots.length >= maxSlots) {
      out.push({ id: 'replication_slot', title: 'a free replication slot', status: 'fail',
        detail: `all ${maxSlots} replication slots are used (max_replication_slots = ${maxSlots})`,
        fix: `ALTER SYSTEM SET max_replication_slots = ${maxSlots + 10};  -- then restart PostgreSQL; or drop an unused slot: SELECT pg_drop_replication_slot('name');` });
    } else {
      out.push({ id: 'replication_slot', title: 'a free replication slot', status: 'ok',
        detail: `${maxSlots - slots.length} of ${maxSlots} free; slot "${s.slot}" will be created` });
    }

    // WAL senders: the stream needs one
    const maxSenders = Number(settings.max_wal_senders);
    const [{ n: senders }] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'walsender'`);
    const needSender = own?.active ? 0 : 1;
    out.push(maxSenders - senders >= needSender && maxSenders > 0
      ? { id: 'wal_senders', title: 'a free WAL sender', status: 'ok', detail: `${maxSenders - senders} of ${maxSenders} free` }
      : { id: 'wal_senders', title: 'a free WAL sender', status: 'fail',
        detail: `${senders} of max_wal_senders = ${maxSenders} in use`,
        fix: `ALTER SYSTEM SET max_wal_senders = ${Math.max(senders + 10, 10)};  -- then restart PostgreSQL` });

    // REPLICATION attribute, proven by opening a replication connection
    const replTitle = `user "${s.user}" may replicate (REPLICATION)`;
    if (!info.superuser && !info.replication) {
      out.push({ id: 'replication_privilege', title: replTitle, status: 'fail',
        detail: `role "${s.user}" has neither REPLICATION nor SUPERUSER`, fix: `ALTER ROLE ${ident(s.user)} WITH REPLICATION;` });
    } else if (wal === 'logical' && maxSenders > senders) {
      try {
        const repl = await connectPostgres(s, { replication: true, applicationName: 'lakesync-check' });
        await repl.query('IDENTIFY_SYSTEM');
        await repl.end();
        out.push({ id: 'replication_privilege', title: replTitle, status: 'ok' });
      } catch (err) {
        out.push({ id: 'replication_privilege', title: replTitle, status: 'fail', detail: (err as Error).message,
          fix: `ALTER ROLE ${ident(s.user)} WITH REPLICATION;  -- and allow replication connections in pg_hba.conf` });
      }
    } else {
      out.push({ id: 'replication_privilege', title: replTitle, status: 'ok', detail: info.superuser ? 'superuser' : 'REPLICATION' });
    }

    // The task's tables
    const all = await q<{ db: string; table: string; has_pk: boolean; ident: string; can_select: boolean; schema_usage: boolean; owned: boolean }>(
      `SELECT n.nspname AS db, c.relname AS table,
              EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS has_pk,
              c.relreplident::text AS ident,
              has_table_privilege(c.oid, 'SELECT') AS can_select,
              has_schema_privilege(n.oid, 'USAGE') AS schema_usage,
              pg_has_role(c.relowner, 'USAGE') AS owned
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`);
    const byKey = new Map<string, PgTable>(all.map((r) => [tableKey(r), {
      db: r.db, table: r.table, hasPk: r.has_pk, ident: r.ident, canSelect: r.can_select, schemaUsage: r.schema_usage, owned: r.owned,
    }]));
    const selection = selectTables(plan, known ? known.map((t) => t.id) : all.map((r) => ({ db: r.db, table: r.table })));
    const tables = selection.groups.flatMap((g) => g.sources).map((id) => byKey.get(tableKey(id))).filter((t): t is PgTable => !!t);
    out.push(tables.length > 0
      ? { id: 'tables', title: 'the task selects source tables', status: selection.warnings.length ? 'warn' : 'ok',
        detail: `${tables.length} table${tables.length === 1 ? '' : 's'}: ${nameList(tables.map(tableKey))}` +
          (selection.warnings.length ? `; ${selection.warnings.join('; ')}` : '') }
      : { id: 'tables', title: 'the task selects source tables', status: 'warn',
        detail: selection.warnings.length ? selection.warnings.join('; ') : 'no table matches the task',
        fix: 'check databases / tables / exclude in the task file (lakesync preview lists what matches)' });

    out.push(targetNamesCheck(plan, selection.errors));

    // SELECT (and USAGE on the schema)
    const unreadable = tables.filter((t) => !t.canSelect || !t.schemaUsage);
    if (unreadable.length === 0) {
      out.push({ id: 'select_privilege', title: `user "${s.user}" may read the tables (SELECT)`, status: 'ok' });
    } else {
      const schemas = [...new Set(unreadable.map((t) => t.db))];
      const fix = unreadable.length > 5
        ? schemas.map((d) => `GRANT USAGE ON SCHEMA ${ident(d)} TO ${ident(s.user)}; GRANT SELECT ON ALL TABLES IN SCHEMA ${ident(d)} TO ${ident(s.user)};`).join('\n')
        : [...schemas.filter((d) => unreadable.some((t) => t.db === d && !t.schemaUsage)).map((d) => `GRANT USAGE ON SCHEMA ${ident(d)} TO ${ident(s.user)};`),
          ...unreadable.map((t) => `GRANT SELECT ON ${qualified(t)} TO ${ident(s.user)};`)].join('\n');
      out.push({ id: 'select_privilege', title: `user "${s.user}" may read the tables (SELECT)`, status: 'fail',
        detail: `no SELECT on ${nameList(unreadable.map(tableKey))}`, fix });
    }

    // Primary keys and replica identity
    // A keyed table with REPLICA IDENTITY NOTHING, once published, would make PostgreSQL reject its
    // UPDATE and DELETE. Keyless tables are the business of rules.keylessTables (never published so).
    const noIdentity = tables.filter((t) => t.hasPk && t.ident === 'n');
    const noPk = tables.filter((t) => !t.hasPk);
    out.push(keylessCheck(plan, noPk.map(tableKey), noPk.filter((t) => t.ident !== 'f').map(tableKey),
      noPk.filter((t) => t.ident !== 'f').map((t) => `ALTER TABLE ${qualified(t)} REPLICA IDENTITY FULL;`)));
    if (noIdentity.length > 0) {
      out.push({ id: 'replica_identity', title: 'published tables have a replica identity', status: 'fail',
        detail: `REPLICA IDENTITY NOTHING: ${nameList(noIdentity.map(tableKey))} (published, PostgreSQL would reject their UPDATE and DELETE)`,
        fix: `${noIdentity.map((t) => `ALTER TABLE ${qualified(t)} REPLICA IDENTITY DEFAULT;`).join('\n')}\n-- or exclude the table` });
    }
    out.push(noPk.length === 0
      ? { id: 'primary_keys', title: 'every table has a primary key', status: 'ok' }
      : { id: 'primary_keys', title: 'every table has a primary key', status: 'warn',
        detail: `without primary key: ${nameList(noPk.map(tableKey))}`,
        fix: noPk.slice(0, 10).map((t) => `ALTER TABLE ${qualified(t)} ADD PRIMARY KEY (<key columns>);`).join('\n') });

    // The publication: exists and covers the task, or the user can create/change it (pgoutput only:
    // decoderbufs decodes every table of the database and uses no publication)
    if (plugin === 'pgoutput') out.push(await publicationCheck(q, plan, info.superuser, versionNum, tables));
    // (decoderbufs carries no logical messages: the trigger would tell it nothing)
    if (plugin === 'pgoutput') out.push(await ddlTriggerCheck(q));
    return out;
  } catch (err) {
    out.push({ id: 'error', title: 'read the server settings', status: 'fail',
      detail: `the checks stopped: ${(err as Error).message.split(s.password || '\u0000').join('***')}` });
    return out;
  } finally {
    await client.end().catch(() => undefined);
  }
}

type Query = <T>(sql: string, params?: unknown[]) => Promise<T[]>;

/**
 * source.plugin: decoderbufs: the plugin must be installed on the server (Debian's package ships
 * the library with a control file, so pg_available_extensions lists it; it is loaded when a slot
 * is created or streamed, no CREATE EXTENSION), and what it cannot carry is said.
 */
async function decoderbufsChecks(q: Query, plan: TaskPlan): Promise<CheckResult[]> {
  const title = 'logical decoding plugin decoderbufs is installed';
  const [row] = await q<{ major: number; available: boolean }>(
    `SELECT current_setting('server_version_num')::int / 10000 AS major,
            EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'decoderbufs') AS available`);
  const out: CheckResult[] = [];
  out.push(row.available
    ? { id: 'decoderbufs', title, status: 'ok' }
    : { id: 'decoderbufs', title, status: 'fail', detail: 'pg_available_extensions does not list decoderbufs on the server',
      fix: `install it on the database server (Debian/Ubuntu: apt-get install postgresql-${row.major}-decoderbufs; ` +
        'elsewhere build github.com/debezium/postgres-decoderbufs), or set source.plugin: pgoutput' });
  const truncates = plan.rules.events.includes('truncate');
  out.push({ id: 'decoderbufs_limits', title: 'decoderbufs carries every change LakeSync applies', status: truncates ? 'warn' : 'ok',
    detail: (truncates ? 'decoderbufs does not decode TRUNCATE: a truncated source table keeps its rows in the target until it is resynced; ' : '') +
      'time with time zone values arrive as UTC (offset +00)',
    ...(truncates ? { fix: `use source.plugin: pgoutput, or resync a table after truncating it (lakesync resync ${plan.file} --table schema.table)` } : {}) });
  return out;
}

async function publicationCheck(q: Query, plan: TaskPlan, superuser: boolean, versionNum: number, tables: PgTable[]): Promise<CheckResult> {
  const s = plan.source;
  const name = s.publication;
  const title = `publication "${name}"`;
  const schemaMode = plan.mode === 'database-mirror' && plan.databases.length > 0;
  const [pub] = await q<{ all: boolean; owned: boolean }>(
    `SELECT puballtables AS all, pg_has_role(pubowner, 'USAGE') AS owned FROM pg_publication WHERE pubname = $1`, [name]);
  const target = schemaMode ? `TABLES IN SCHEMA ${plan.databases.map(ident).join(', ')}` : `TABLE ${tables.map(qualified).join(', ')}`;
  const statement = `${pub ? 'ALTER' : 'CREATE'} PUBLICATION ${ident(name)} ${pub ? 'SET' : 'FOR'} ${target};`;
  if (schemaMode && versionNum < 150000) {
    return { id: 'publication', title, status: 'fail', detail: 'database-mirror publishes whole schemas, which needs PostgreSQL 15 or newer',
      fix: 'use mode: multi-table-mirror with a tables list, or upgrade PostgreSQL' };
  }
  if (pub?.all) return { id: 'publication', title, status: 'ok', detail: 'exists, FOR ALL TABLES' };
  if (pub) {
    const published = new Set((await q<{ k: string }>(
      `SELECT schemaname || '.' || tablename AS k FROM pg_publication_tables WHERE pubname = $1`, [name])).map((r) => r.k));
    if (tables.every((t) => published.has(tableKey(t)))) return { id: 'publication', title, status: 'ok', detail: 'exists and publishes every table of the task' };
  }
  if (superuser) return { id: 'publication', title, status: 'ok', detail: pub ? 'exists; LakeSync updates its table list' : 'LakeSync creates it' };
  if (schemaMode) {
    return { id: 'publication', title, status: 'fail', detail: `publishing whole schemas (database-mirror) needs a superuser; "${s.user}" is not one`,
      fix: `as a superuser: ${statement}` };
  }
  if (pub && !pub.owned) {
    return { id: 'publication', title, status: 'fail', detail: `the publication exists, is owned by another role and lacks some of the task's tables`,
      fix: `as its owner or a superuser: ${statement}` };
  }
  const problems: string[] = [];
  const fixes: string[] = [];
  if (!pub) {
    const [{ ok }] = await q<{ ok: boolean }>(`SELECT has_database_privilege(current_database(), 'CREATE') AS ok`);
    if (!ok) {
      problems.push(`"${s.user}" may not create publications in database "${s.database}"`);
      fixes.push(`GRANT CREATE ON DATABASE ${ident(s.database ?? '')} TO ${ident(s.user)};`);
    }
  }
  const foreign = tables.filter((t) => !t.owned);
  if (foreign.length > 0) {
    problems.push(`"${s.user}" does not own ${nameList(foreign.map(tableKey))} (only an owner may publish a table)`);
    // Created by an owner, the publication needs no CREATE grant for this user.
    fixes.splice(0, fixes.length, `as the tables' owner or a superuser: ${statement}`);
  }
  if (problems.length === 0) return { id: 'publication', title, status: 'ok', detail: pub ? 'exists; LakeSync updates its table list' : 'LakeSync creates it' };
  return { id: 'publication', title, status: 'fail', detail: problems.join('; '), fix: fixes.join('\n') };
}
