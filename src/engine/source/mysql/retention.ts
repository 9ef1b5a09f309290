// Binlog retention: the server purges binlogs after binlog_expire_logs_seconds (expire_logs_days
// on older servers). A task whose position falls into a purged binlog can only resync, so the
// engine warns before that happens.
import type { BinlogPosition } from '../../positions';
import { binaryLogs } from './binlogpos';
import { rows, type Sql } from './session';

const DAY = 86_400;

/** Retention in seconds; 0 = binlogs are never purged by age. */
export async function binlogRetentionSeconds(c: Sql): Promise<number> {
  const [r] = await rows<Record<string, unknown>>(c, 'SELECT @@GLOBAL.expire_logs_days AS days').catch(() => [] as Record<string, unknown>[]);
  const [s] = await rows<Record<string, unknown>>(c, 'SELECT @@GLOBAL.binlog_expire_logs_seconds AS secs').catch(() => [] as Record<string, unknown>[]);
  const secs = Number(s?.secs ?? 0);
  if (secs > 0) return secs;
  return Math.round(Number(r?.days ?? 0) * DAY);
}

function human(seconds: number): string {
  return seconds >= DAY ? `${+(seconds / DAY).toFixed(1)} days` : `${+(seconds / 3600).toFixed(1)} hours`;
}

/**
 * Warnings, pure: retention under a day, and a task position in the oldest binlog still on the
 * server (the task is at least one rotation behind, and that file is the next to be purged).
 */
export function retentionWarnings(retentionSeconds: number, logs: string[], position?: BinlogPosition): string[] {
  if (retentionSeconds <= 0) return [];
  const out: string[] = [];
  if (retentionSeconds < DAY) {
    out.push(`binlog retention is only ${human(retentionSeconds)}: a task stopped longer than that can no longer resume and needs a full sync; ` +
      `raise it: SET GLOBAL binlog_expire_logs_seconds = 604800; (and binlog_expire_logs_seconds = 604800 in my.cnf)`);
  }
  if (position && logs.length > 1 && logs[0] === position.file) {
    out.push(`the task's position is in ${position.file}, the oldest binlog still on the server; it is purged after ${human(retentionSeconds)} ` +
      `and then this task can only resync: let it catch up, or raise binlog_expire_logs_seconds`);
  }
  return out;
}

export async function binlogRetentionWarnings(c: Sql, position?: BinlogPosition): Promise<string[]> {
  const retention = await binlogRetentionSeconds(c);
  if (retention <= 0) return [];
  const logs = (await binaryLogs(c)).map((l) => l.name);
  return retentionWarnings(retention, logs, position);
}
