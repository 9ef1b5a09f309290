// LakeSync's optional DDL event trigger for PostgreSQL: pgoutput carries no DDL, only a Relation
// message with the new shape before the next row change, which cannot tell a plain cast from a
// `USING` rewrite. The trigger writes each DDL statement into the WAL as a transactional logical
// message (prefix `lakesync.ddl`), which pgoutput delivers in order with `messages 'true'`; the
// stream reads the statements before the Relation message of the tables they changed.
import type { CheckResult } from '../checks';
import type { DdlKnowledge } from './metadata';

export const DDL_MESSAGE_PREFIX = 'lakesync.ddl';
const FUNCTION = 'lakesync_ddl_message';
const TRIGGER = 'lakesync_ddl';

/**
 * The function and the event trigger, for a superuser to run once per database. The message holds
 * the oids of the tables the statement changed and the statement as the client sent it.
 */
export function ddlTriggerSql(): string {
  return [
    `CREATE OR REPLACE FUNCTION public.${FUNCTION}() RETURNS event_trigger`,
    `LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$`,
    `BEGIN`,
    `  PERFORM pg_logical_emit_message(true, '${DDL_MESSAGE_PREFIX}', json_build_object(`,
    `    'objids', (SELECT coalesce(json_agg(DISTINCT objid), '[]') FROM pg_event_trigger_ddl_commands() WHERE classid = 'pg_class'::regclass),`,
    `    'query', current_query())::text);`,
    `END $$;`,
    `CREATE EVENT TRIGGER ${TRIGGER} ON ddl_command_end EXECUTE FUNCTION public.${FUNCTION}();`,
  ].join('\n');
}

/** One DDL message: the tables (oids) it changed and the statement text; undefined when not LakeSync's form. */
export function parseDdlMessage(content: Buffer): { objids: number[]; query: string } | undefined {
  try {
    const m = JSON.parse(content.toString('utf8')) as { objids?: unknown; query?: unknown };
    if (!Array.isArray(m.objids) || typeof m.query !== 'string') return undefined;
    return { objids: m.objids.map(Number).filter((n) => Number.isInteger(n)), query: m.query };
  } catch {
    return undefined;
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The column as a statement may name it: quoted, or bare (PostgreSQL folds bare names to lower case). */
function columnPattern(name: string): string {
  const quoted = `"${escape(name.replace(/"/g, '""'))}"`;
  return name === name.toLowerCase() && /^[a-z_][a-z0-9_$]*$/.test(name) ? `(?:${quoted}|${escape(name)}\\b)` : quoted;
}

/**
 * What the statements before a Relation message tell about its type changes: a column retyped by
 * an `ALTER [COLUMN] c [SET DATA] TYPE t` clause without `USING` was converted by PostgreSQL's own
 * cast. Undefined when there were no statements (no trigger, or a restart past them): then nothing
 * is known. Statements that do not name the column in such a clause leave it unknown too.
 */
export function ddlKnowledge(statements: string[]): DdlKnowledge | undefined {
  if (statements.length === 0) return undefined;
  const clauses = (column: string): string[] => {
    const re = new RegExp(`\\bALTER\\s+(?:COLUMN\\s+)?${columnPattern(column)}\\s+(?:SET\\s+DATA\\s+)?TYPE\\b((?:'(?:[^']|'')*'|"(?:[^"]|"")*"|\\([^()]*(?:\\([^()]*\\)[^()]*)*\\)|[^,;()'"])*)`, 'gi');
    return statements.flatMap((s) => [...s.matchAll(re)].map((m) => m[1]));
  };
  const usingOf = (column: string): string | undefined => {
    const u = clauses(column).map((c) => /\bUSING\b([\s\S]*)$/i.exec(c)).find((m) => m);
    return u ? `with USING${u[1].replace(/\s+/g, ' ').trimEnd()}` : undefined;
  };
  return {
    using: usingOf,
    plainCast: (column) => clauses(column).length > 0 && usingOf(column) === undefined,
  };
}

/** `lakesync check`: is the trigger installed? Optional, so a warning with the statements when not. */
export async function ddlTriggerCheck(q: <T>(sql: string, params?: unknown[]) => Promise<T[]>): Promise<CheckResult> {
  const title = 'DDL event trigger (optional: exact ALTER ... TYPE ... USING without a resync of the table)';
  const rows = await q<{ enabled: string }>(
    `SELECT t.evtenabled::text AS enabled FROM pg_event_trigger t JOIN pg_proc p ON p.oid = t.evtfoid
      WHERE t.evtevent = 'ddl_command_end' AND p.prosrc LIKE $1`, [`%${DDL_MESSAGE_PREFIX}%`]);
  if (rows.some((r) => r.enabled !== 'D')) return { id: 'ddl_trigger', title, status: 'ok', detail: 'installed: DDL statements reach the stream' };
  return {
    id: 'ddl_trigger', title, status: 'warn',
    detail: rows.length ? 'installed but disabled' : 'not installed: every ALTER COLUMN ... TYPE resyncs its table (the WAL does not say whether a USING expression rewrote the values)',
    fix: `-- as a superuser, in the task's database (docs/postgres.md, "The DDL event trigger"):\n${ddlTriggerSql()}`,
  };
}
