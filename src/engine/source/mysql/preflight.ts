// MySQL/MariaDB preflight: a row-based, full-image binlog with column metadata, binlog settings the
// reader cannot decode, retention, the replica server id, replication and SELECT privileges, and
// tables without a primary key.
import type mysql from 'mysql2/promise';
import type { TaskPlan } from '../../config/plan';
import { keylessCheck, nameList, targetNamesCheck, type CheckResult } from '../checks';
import { candidateDatabases, parseNamePattern, selectTables } from '../select';
import { tableKey, type SourceTable, type TableId } from '../types';
import { connectMysql, mysqlTlsState } from './connect';
import { transportChecks } from '../transport-check';

const q = (name: string) => `\`${name.replace(/`/g, '``')}\``;
const qualified = (t: TableId) => `${q(t.db)}.${q(t.table)}`;
const SYSTEM_DBS = new Set(['mysql', 'information_schema', 'performance_schema', 'sys']);

interface Flavor { mariadb: boolean; major: number; minor: number; patch: number; label: string }

function flavor(version: string): Flavor {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version) ?? ['', '0', '0', '0'];
  const mariadb = /mariadb/i.test(version);
  return { mariadb, major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), label: `${mariadb ? 'MariaDB' : 'MySQL'} ${m[0] || version}` };
}
const atLeast = (f: Flavor, major: number, minor: number, patch = 0) =>
  f.major * 1e6 + f.minor * 1e3 + f.patch >= major * 1e6 + minor * 1e3 + patch;

/** The `[mysqld]` lines a binlog-based sync needs, for fixes that require a restart. */
function configLines(f: Flavor, only?: string[]): string {
  const lines: [string, string][] = [['log_bin', 'log_bin = mysql-bin'], ['server_id', 'server_id = 1'],
    ['binlog_format', 'binlog_format = ROW'], ['binlog_row_image', 'binlog_row_image = FULL']];
  if (f.mariadb ? atLeast(f, 10, 5) : atLeast(f, 8, 0, 1)) lines.push(['binlog_row_metadata', 'binlog_row_metadata = FULL']);
  return ['[mysqld]', ...lines.filter(([k]) => !only || only.includes(k)).map(([, l]) => l)].join('\n');
}

export async function runPreflight(plan: TaskPlan, known?: SourceTable[]): Promise<CheckResult[]> {
  const s = plan.source;
  const out: CheckResult[] = [];
  let conn: mysql.Connection;
  try {
    conn = await connectMysql(s);
  } catch (err) {
    return [{ id: 'connection', title: `connect to MySQL/MariaDB at ${s.host}:${s.port}`, status: 'fail', detail: (err as Error).message }];
  }
  const rows = async <T>(sql: string, params?: unknown[]): Promise<T[]> => (await conn.query(sql, params))[0] as T[];
  try {
    const [{ version, user }] = await rows<{ version: string; user: string }>('SELECT VERSION() AS version, CURRENT_USER() AS user');
    const f = flavor(version);
    const grantee = user.replace(/^(.*)@(.*)$/, "'$1'@'$2'");
    out.push({ id: 'connection', title: `connect to MySQL/MariaDB at ${s.host}:${s.port}`, status: 'ok', detail: `${f.label}, user ${grantee}` });
    out.push(...transportChecks(mysqlTlsState(conn, s), s));

    const vars = Object.fromEntries((await rows<{ Variable_name: string; Value: string }>(
      `SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format', 'binlog_row_image', 'binlog_row_metadata',
        'server_id', 'expire_logs_days', 'binlog_expire_logs_seconds', 'binlog_expire_logs_auto_purge',
        'binlog_transaction_compression', 'log_bin_compress', 'binlog_row_value_options', 'gtid_mode')`))
      .map((r) => [r.Variable_name.toLowerCase(), r.Value]));
    const restart = `  -- in the server's config file, then restart ${f.mariadb ? 'MariaDB' : 'MySQL'}`;

    const logBin = /^(ON|1)$/i.test(vars.log_bin ?? '');
    out.push(logBin
      ? { id: 'log_bin', title: 'binary log on (log_bin = ON)', status: 'ok' }
      : { id: 'log_bin', title: 'binary log on (log_bin = ON)', status: 'fail', detail: `log_bin is ${vars.log_bin ?? 'OFF'}`,
        fix: `${configLines(f)}\n${restart.trim()}` });

    const setting = (id: string, want: string, value: string | undefined, dynamic: boolean): CheckResult => {
      const title = `${id} = ${want}`;
      if ((value ?? '').toUpperCase() === want) return { id, title, status: 'ok' };
      return { id, title, status: 'fail', detail: `${id} is ${value ?? 'not set'}`,
        fix: `${dynamic ? `SET GLOBAL ${id} = '${want}';  -- now; and to keep it after a restart:\n` : ''}${configLines(f, [id])}` };
    };
    out.push(setting('binlog_format', 'ROW', vars.binlog_format, true));
    out.push(setting('binlog_row_image', 'FULL', vars.binlog_row_image, true));
    // Not required: LakeSync's schema history (moved by the binlog's own DDL) names every row's
    // values. FULL adds the names to each event, which the reader uses as a cross-check.
    const metadata = (vars.binlog_row_metadata ?? '').toUpperCase();
    if (metadata === 'FULL') {
      out.push({ id: 'binlog_row_metadata', title: 'binlog_row_metadata = FULL', status: 'ok' });
    } else {
      out.push({ id: 'binlog_row_metadata', title: 'binlog_row_metadata = FULL (recommended)', status: 'warn',
        detail: `binlog_row_metadata is ${vars.binlog_row_metadata ?? `not available on ${f.label}`}: the binlog does not name a row's columns, ` +
          'so LakeSync names them by its schema history, which it builds from the DDL statements in the binlog. ' +
          'What it costs: a DDL statement LakeSync cannot read stops its table (a resync starts it again), where FULL ' +
          'metadata would also let the reader check each row against the history',
        ...(vars.binlog_row_metadata !== undefined
          ? { fix: `SET GLOBAL binlog_row_metadata = 'FULL';  -- now; and to keep it after a restart:\n${configLines(f, ['binlog_row_metadata'])}` }
          : {}) });
    }

    // Binlog encodings the reader cannot decode.
    const unreadable: string[] = [];
    const fixes: string[] = [];
    if (/^(ON|1)$/i.test(vars.binlog_transaction_compression ?? '')) {
      unreadable.push('binlog_transaction_compression = ON');
      fixes.push("SET GLOBAL binlog_transaction_compression = OFF;  -- and binlog_transaction_compression = OFF under [mysqld]");
    }
    if (/^(ON|1)$/i.test(vars.log_bin_compress ?? '')) {
      unreadable.push('log_bin_compress = ON');
      fixes.push('SET GLOBAL log_bin_compress = OFF;  -- and log_bin_compress = OFF under [mysqld]');
    }
    if (/PARTIAL_JSON/i.test(vars.binlog_row_value_options ?? '')) {
      unreadable.push('binlog_row_value_options = PARTIAL_JSON');
      fixes.push("SET GLOBAL binlog_row_value_options = '';  -- and binlog_row_value_options = '' under [mysqld]");
    }
    if (unreadable.length) {
      out.push({ id: 'binlog_encoding', title: 'binlog events in a readable encoding', status: 'fail',
        detail: `${unreadable.join(', ')}: LakeSync cannot decode these events`, fix: fixes.join('\n') });
    }

    // server ids: the source must have one, and the task's replica id must differ from it.
    const serverId = Number(vars.server_id ?? 0);
    if (logBin && serverId === 0) {
      out.push({ id: 'server_id', title: 'server_id set on the source', status: 'fail', detail: 'server_id is 0',
        fix: `${configLines(f, ['server_id'])}\n${restart.trim()}` });
    } else if (serverId === s.serverId) {
      out.push({ id: 'server_id', title: "the task's serverId differs from the source's server_id", status: 'fail',
        detail: `both are ${serverId}`, fix: `set source.serverId in the task file to an unused id, e.g. serverId: ${serverId + 5400}` });
    } else {
      out.push({ id: 'server_id', title: "the task's serverId differs from the source's server_id", status: 'ok',
        detail: `source ${serverId}, task ${s.serverId}` });
    }

    out.push(retentionCheck(vars));

    // Privileges: replication ones from the grants, the binlog monitor one by trying it.
    const grants = (await rows<Record<string, string>>('SHOW GRANTS')).map((r) => Object.values(r)[0]);
    const global = new Set<string>();
    for (const g of grants) {
      const m = /^GRANT (.+?) ON \*\.\* TO /i.exec(g);
      if (!m) continue;
      for (const p of m[1].split(',')) global.add(p.trim().toUpperCase());
    }
    const all = global.has('ALL PRIVILEGES') || global.has('ALL');
    const modernMaria = f.mariadb && atLeast(f, 10, 5, 2);
    const clientPriv = modernMaria ? 'BINLOG MONITOR' : 'REPLICATION CLIENT';
    const hasSlave = all || global.has('REPLICATION SLAVE') || global.has('REPLICATION REPLICA');
    let hasClient = all || global.has(clientPriv) || global.has('REPLICATION CLIENT') || global.has('SUPER');
    if (!all) {
      try {
        await conn.query('SHOW BINARY LOGS');
        hasClient = true;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ER_NO_BINARY_LOGGING') hasClient = true; // the privilege check passed; log_bin is reported above
        else if (code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR' || code === 'ER_ACCESS_DENIED_ERROR') hasClient = false;
      }
    }
    const missing = [...(hasSlave ? [] : ['REPLICATION SLAVE']), ...(hasClient ? [] : [clientPriv])];
    out.push(missing.length === 0
      ? { id: 'replication_privilege', title: `user ${grantee} may read the binlog (REPLICATION SLAVE, ${clientPriv})`, status: 'ok' }
      : { id: 'replication_privilege', title: `user ${grantee} may read the binlog (REPLICATION SLAVE, ${clientPriv})`, status: 'fail',
        detail: `missing ${missing.join(' and ')}`, fix: `GRANT ${missing.join(', ')} ON *.* TO ${grantee};` });

    // The task's tables. information_schema shows only tables the user has some privilege on,
    // so databases named in the task are probed directly as well.
    const dbs = candidateDatabases(plan);
    const deniedDbs: string[] = [];
    for (const db of dbs ?? []) {
      try {
        await conn.query(`SHOW TABLES FROM ${q(db)}`);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ER_DBACCESS_DENIED_ERROR' || code === 'ER_BAD_DB_ERROR') deniedDbs.push(db);
        else throw err;
      }
    }
    // STATISTICS, not TABLE_CONSTRAINTS: MariaDB hides constraints from a user with SELECT only.
    const listed = await rows<{ db: string; tbl: string; has_pk: number | string }>(
      `SELECT t.TABLE_SCHEMA AS db, t.TABLE_NAME AS tbl,
              EXISTS (SELECT 1 FROM information_schema.STATISTICS i
                       WHERE i.TABLE_SCHEMA = t.TABLE_SCHEMA AND i.TABLE_NAME = t.TABLE_NAME
                         AND i.INDEX_NAME = 'PRIMARY') AS has_pk
         FROM information_schema.TABLES t
        WHERE t.TABLE_TYPE = 'BASE TABLE'${dbs ? ` AND t.TABLE_SCHEMA IN (${dbs.length ? dbs.map(() => '?').join(', ') : "''"})` : ''}`,
      dbs ?? []);
    const available = listed.filter((r) => !SYSTEM_DBS.has(r.db.toLowerCase())).map((r) => ({ db: r.db, table: r.tbl }));
    const pkOf = new Map(listed.map((r) => [tableKey({ db: r.db, table: r.tbl }), Number(r.has_pk) === 1]));
    for (const t of known ?? []) pkOf.set(tableKey(t.id), t.primaryKey.length > 0);
    const selection = selectTables(plan, known ? known.map((t) => t.id) : available);
    const tables = selection.groups.flatMap((g) => g.sources);
    // A table named literally in the task but invisible here may exist without a grant: probe it.
    const hidden: TableId[] = [];
    if (plan.mode === 'multi-table-mirror') {
      for (const text of plan.tables) {
        try {
          const p = parseNamePattern(text);
          const t = { db: p.db.literal ?? '', table: p.table.literal ?? '' };
          if (t.db && t.table && !deniedDbs.includes(t.db) && !tables.some((x) => tableKey(x) === tableKey(t))) hidden.push(t);
        } catch { /* reported by selectTables */ }
      }
    }
    const unreadable2: TableId[] = [];
    for (const t of hidden) {
      try {
        await conn.query(`SELECT 1 FROM ${qualified(t)} LIMIT 0`);
      } catch (err) {
        if (/ACCESS_DENIED/.test((err as { code?: string }).code ?? '')) unreadable2.push(t);
      }
    }
    const warnings = selection.warnings.filter((w) => !deniedDbs.some((d) => w.includes(`"${d}`))
      && !unreadable2.some((t) => w.includes(`"${tableKey(t)}"`)));
    out.push(tables.length > 0
      ? { id: 'tables', title: 'the task selects source tables', status: warnings.length ? 'warn' : 'ok',
        detail: `${tables.length} table${tables.length === 1 ? '' : 's'}: ${nameList(tables.map(tableKey))}${warnings.length ? `; ${warnings.join('; ')}` : ''}` }
      : { id: 'tables', title: 'the task selects source tables', status: 'warn',
        detail: warnings.length ? warnings.join('; ') : 'no table matches the task',
        fix: 'check databases / tables / exclude in the task file (lakesync preview lists what matches)' });

    out.push(targetNamesCheck(plan, selection.errors));

    // SELECT: probe every selected table (LIMIT 0 reads nothing).
    for (const t of tables.slice(0, 2000)) {
      try {
        await conn.query(`SELECT 1 FROM ${qualified(t)} LIMIT 0`);
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (/ACCESS_DENIED/.test(code)) unreadable2.push(t); else throw err;
      }
    }
    if (deniedDbs.length === 0 && unreadable2.length === 0) {
      out.push({ id: 'select_privilege', title: `user ${grantee} may read the tables (SELECT)`, status: 'ok' });
    } else {
      const dbsToGrant = [...new Set([...deniedDbs, ...unreadable2.map((t) => t.db)])];
      out.push({ id: 'select_privilege', title: `user ${grantee} may read the tables (SELECT)`, status: 'fail',
        detail: [deniedDbs.length ? `no access to database${deniedDbs.length > 1 ? 's' : ''} ${nameList(deniedDbs)} (or it does not exist)` : '',
          unreadable2.length ? `no SELECT on ${nameList(unreadable2.map(tableKey))}` : ''].filter(Boolean).join('; '),
        fix: dbsToGrant.map((d) => `GRANT SELECT ON ${q(d)}.* TO ${grantee};`).join('\n') });
    }

    const noPk = tables.filter((t) => pkOf.get(tableKey(t)) === false);
    out.push(noPk.length === 0
      ? { id: 'primary_keys', title: 'every table has a primary key', status: 'ok' }
      : { id: 'primary_keys', title: 'every table has a primary key', status: 'warn',
        detail: `without primary key: ${nameList(noPk.map(tableKey))}`,
        fix: noPk.slice(0, 10).map((t) => `ALTER TABLE ${qualified(t)} ADD PRIMARY KEY (<key columns>);`).join('\n') });
    out.push(keylessCheck(plan, noPk.map(tableKey), [], []));
    return out;
  } catch (err) {
    out.push({ id: 'error', title: 'read the server settings', status: 'fail',
      detail: `the checks stopped: ${(err as Error).message.split(s.password || '\u0000').join('***')}` });
    return out;
  } finally {
    await conn.end().catch(() => undefined);
  }
}

function retentionCheck(vars: Record<string, string>): CheckResult {
  const title = 'binlog retention of at least 1 day';
  const secondsVar = vars.binlog_expire_logs_seconds;
  const days = Number(vars.expire_logs_days ?? 0);
  let seconds = secondsVar !== undefined ? Number(secondsVar) : 0;
  if (seconds === 0 && days > 0) seconds = days * 86400;
  if (/^(OFF|0)$/i.test(vars.binlog_expire_logs_auto_purge ?? '')) seconds = 0;
  if (seconds === 0) return { id: 'binlog_retention', title, status: 'ok', detail: 'binlogs are not expired automatically' };
  const human = seconds % 86400 === 0 ? `${seconds / 86400} day(s)` : `${(seconds / 3600).toFixed(1)} hour(s)`;
  if (seconds >= 86400) return { id: 'binlog_retention', title, status: 'ok', detail: `binlogs are kept ${human}` };
  const useSeconds = secondsVar !== undefined;
  return { id: 'binlog_retention', title, status: 'warn',
    detail: `binlogs are kept only ${human}: a task stopped longer than that must sync everything again`,
    fix: useSeconds
      ? `SET GLOBAL binlog_expire_logs_seconds = 604800;  -- and binlog_expire_logs_seconds = 604800 under [mysqld]`
      : 'SET GLOBAL expire_logs_days = 7;  -- and expire_logs_days = 7 under [mysqld]' };
}
