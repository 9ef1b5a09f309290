// Binlog coordinates on the server: where it is now, which files it still has, where a point in
// time falls, and the error a user sees when the position they need is gone.
import ZongJi, { type AnyBinlogEvent } from '@vlasky/zongji';
import type { SourceConfig } from '../../config/plan';
import type { BinlogPosition, Position } from '../../positions';
import { formatPosition } from '../../positions';
import { PermanentSourceError, UserError } from '../../errors';
import { connectionOptions, isMariadb, openConnection, rows, type Sql } from './session';

export interface BinaryLog { name: string; size: number }

export async function binaryLogs(c: Sql): Promise<BinaryLog[]> {
  const r = await rows<Record<string, unknown>>(c, 'SHOW BINARY LOGS');
  return r.map((x) => ({ name: String(x.Log_name), size: Number(x.File_size) }));
}

/** SHOW MASTER STATUS (MariaDB, MySQL < 8.4) or SHOW BINARY LOG STATUS (MySQL 8.2+), plus the GTID state. */
export async function masterStatus(c: Sql): Promise<BinlogPosition> {
  let r: Record<string, unknown>[];
  try {
    r = await rows(c, 'SHOW MASTER STATUS');
  } catch (err) {
    // MySQL 8.4 removed SHOW MASTER STATUS (a syntax error there); anything else is real
    if ((err as { code?: string }).code !== 'ER_PARSE_ERROR') throw binlogStatusError(err);
    r = await rows<Record<string, unknown>>(c, 'SHOW BINARY LOG STATUS').catch((e: unknown): never => { throw binlogStatusError(e); });
  }
  if (!r.length) {
    throw new PermanentSourceError('the source server has no binary log (SHOW MASTER STATUS is empty): ' +
      'start it with log_bin=ON, binlog_format=ROW, binlog_row_image=FULL (see docs/mysql.md)');
  }
  const file = String(r[0].File);
  const pos = Number(r[0].Position);
  let gtid: string | undefined;
  if (await isMariadb(c)) {
    const [g] = await rows<{ g: string | null }>(c, 'SELECT @@GLOBAL.gtid_binlog_pos AS g');
    gtid = g?.g || undefined;
  } else {
    const set = String(r[0].Executed_Gtid_Set ?? '').replace(/\s/g, '');
    gtid = set || undefined;
  }
  return { kind: 'binlog', file, pos, ...(gtid ? { gtid } : {}) };
}

/** Missing privileges are not a passing fault: say which grant fixes them, so the task stops. */
function binlogStatusError(err: unknown): Error {
  const e = err as { code?: string; message?: string };
  if (e.code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR' || e.code === 'ER_ACCESS_DENIED_ERROR') {
    return new PermanentSourceError(`the source user may not read the binary log status (${e.message}): ` +
      'run GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO the task\'s user (MySQL: REPLICATION SLAVE, REPLICATION CLIENT), ' +
      'then lakesync check FILE');
  }
  return err as Error;
}

/**
 * The GTID state at a binlog coordinate, so a checkpoint carries it even when the stream started
 * from FILE:POS: MariaDB's BINLOG_GTID_POS(); undefined elsewhere (MySQL learns it from the stream).
 */
export async function gtidAt(c: Sql, file: string, pos: number): Promise<string | undefined> {
  if (!(await isMariadb(c))) return undefined;
  try {
    const [r] = await rows<{ g: string | null }>(c, 'SELECT BINLOG_GTID_POS(?, ?) AS g', [file, pos]);
    return r?.g ?? undefined;
  } catch {
    return undefined;
  }
}

/** The error for a start position the server no longer has; names the oldest binlog it does have. */
export async function purgedError(src: SourceConfig, from: Position, serverMessage?: string): Promise<PermanentSourceError> {
  let oldest = 'none';
  try {
    const c = await openConnection(src);
    try { oldest = (await binaryLogs(c))[0]?.name ?? 'none'; } finally { await c.end().catch(() => undefined); }
  } catch { /* keep "none"; the message still says what to do */ }
  return new PermanentSourceError(
    `the source no longer has the binlog position ${formatPosition(from)} (purged or expired; oldest binlog still on the server: ${oldest})` +
    `${serverMessage ? ` [server: ${serverMessage}]` : ''}. The changes in between are lost to LakeSync: ` +
    'run `lakesync resync FILE --table DB.TABLE` for the affected tables, or `lakesync reset FILE` and run again for a full sync; ' +
    'raise binlog_expire_logs_seconds (expire_logs_days) so this does not happen again.');
}

/** Fails with purgedError unless the server still has the binlog file of `pos`. */
export async function ensureAvailable(src: SourceConfig, c: Sql, pos: BinlogPosition): Promise<void> {
  const logs = await binaryLogs(c);
  if (!logs.some((l) => l.name === pos.file)) throw await purgedError(src, pos);
}

/** Streams events of one file range with a short-lived reader until `visit` returns true or the data ends. */
async function scan(src: SourceConfig, serverId: number, file: string, endFile: string, endSize: number,
  visit: (ev: AnyBinlogEvent, file: string) => boolean): Promise<void> {
  const z = new ZongJi(await connectionOptions(src));
  let current = file;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`reading binlog ${current} timed out`)), 120_000);
    let finished = false;
    const finish = (err?: Error): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      z.stop();
      if (err) reject(err); else resolve();
    };
    z.on('error', (e: Error) => finish(e));
    z.on('binlog', (ev: AnyBinlogEvent) => {
      if (finished) return;
      if (ev.getEventName() === 'rotate') {
        current = (ev as Extract<AnyBinlogEvent, { getEventName(): 'rotate' }>).binlogName;
        return;
      }
      if (visit(ev, current)) { finish(); return; }
      if (current === endFile && ev.nextPosition >= endSize) finish();
    });
    z.start({ serverId, filename: file, position: 4, nonBlock: true });
  });
}

/**
 * The position of the first transaction committed at or after `at`: found from the files' start
 * times (their first event), then by reading headers forward to the first commit at or after it.
 * Header times are whole seconds, so a transaction in the same second as `at` is included.
 */
export async function positionAtTime(src: SourceConfig, serverId: number, at: Date): Promise<BinlogPosition> {
  const c = await openConnection(src);
  try {
    const logs = await binaryLogs(c);
    const now = await masterStatus(c);
    if (!logs.length) return now;
    const target = Math.floor(at.getTime() / 1000) * 1000;
    const last = logs[logs.length - 1];
    let startIdx = -1;
    for (let i = logs.length - 1; i >= 0; i--) {
      let first = 0;
      await scan(src, serverId, logs[i].name, logs[i].name, logs[i].size, (ev) => {
        if (ev.getEventName() === 'format') { first = ev.timestamp; return true; }
        return false;
      });
      if (first <= target) { startIdx = i; break; }
    }
    if (startIdx < 0) {
      if (!/\.0*1$/.test(logs[0].name)) {
        throw new UserError(`no binlog reaches back to ${at.toISOString()}: the oldest binlog on the server is ${logs[0].name} ` +
          '(older ones were purged). Start from a later time, or run `lakesync reset FILE` and run again for a full sync.');
      }
      startIdx = 0; // the very first binlog: nothing older ever existed
    }
    let safe: BinlogPosition = { kind: 'binlog', file: logs[startIdx].name, pos: 4 };
    let found: BinlogPosition | undefined;
    let inTx = false;
    await scan(src, serverId, logs[startIdx].name, last.name, last.size, (ev, file) => {
      const name = ev.getEventName();
      if (name === 'mariadbgtid' || name === 'gtid') { inTx = true; return false; }
      const isCommit = name === 'xid' || (name === 'query' && !/^(BEGIN|XA START|XA END|SAVEPOINT)/i.test(
        (ev as Extract<AnyBinlogEvent, { getEventName(): 'query' }>).query.trim()));
      if (name === 'query' && !isCommit) { inTx = true; return false; }
      if (isCommit) {
        if (ev.timestamp >= target) { found = safe; return true; }
        safe = { kind: 'binlog', file, pos: ev.nextPosition };
        inTx = false;
        return false;
      }
      if (!inTx && ev.nextPosition > 0 && ev.timestamp >= target && name !== 'format' && name !== 'rotate' &&
          name !== 'mariadbgtidlist' && name !== 'binlogcheckpoint' && name !== 'previousgtids' && name !== 'heartbeat') {
        found = safe; return true;
      }
      return false;
    });
    const result = found ?? now;
    const gtid = result.gtid ?? await gtidAt(c, result.file, result.pos);
    return { ...result, ...(gtid ? { gtid } : {}) };
  } finally {
    await c.end().catch(() => undefined);
  }
}
