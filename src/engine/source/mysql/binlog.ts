// The binlog reader: @vlasky/zongji events -> committed Transactions, in binlog order.
// zongji's 'binlog' handler only queues events; one worker converts them in order (it may await
// describe() after a DDL, and the runner's onTransaction), and the binlog connection is paused
// while the queue is long, so a slow target slows the reader instead of filling memory.
import ZongJi, { GtidSet, MariadbGtidPosition, type AnyBinlogEvent } from '@vlasky/zongji';
import type { SourceConfig } from '../../config/plan';
import type { BinlogPosition, GtidPosition } from '../../positions';
import { comparePositions } from '../../positions';
import { UserError } from '../../errors';
import type { Change, Row, Transaction } from '../../pipeline/events';
import type { StreamHandle } from '../adapter';
import type { SourceTable, TableId } from '../types';
import { tableKey } from '../types';
import { connectionOptions } from './session';
import { parseDdl } from './ddl';
import { fromBinlogValue, rawGeometry, valueKind, type ValueKind } from './values';
import { purgedError } from './binlogpos';

export interface BinlogStreamOptions {
  source: SourceConfig;
  serverId: number;
  from: BinlogPosition | GtidPosition;
  /** The task's tables now; the reader keeps them current across DDL through `describe`. */
  tables: SourceTable[];
  /** Databases whose row events are read (zongji includeSchema); undefined = all. */
  databases?: string[];
  /** Whether a table not in `tables` (created later) belongs to the task. */
  wanted(id: TableId): boolean;
  describe(id: TableId): Promise<SourceTable | undefined>;
  maxTransactionChanges: number;
  heartbeatSeconds: number;
  onTransaction(tx: Transaction): Promise<void> | void;
  /** Transactions that touch no task table still advance the position, at most this often (ms). */
  idleProgressMs?: number;
  /**
   * LakeSync's own schema history (table shapes by position, oldest first), for servers whose
   * binlog does not carry column names (binlog_row_metadata other than FULL). `save` records the
   * shape after each DDL of a task table.
   */
  history?: {
    shapes: Map<string, { position: BinlogPosition; table: SourceTable }[]>;
    save(id: TableId, position: BinlogPosition, table: SourceTable): Promise<void>;
  };
}

/** Column decoders of one table, in the table's column order. */
interface Decoder { table: SourceTable; names: string[]; kinds: ValueKind[] }

function decoder(table: SourceTable): Decoder {
  return { table, names: table.columns.map((c) => c.name), kinds: table.columns.map(valueKind) };
}

/**
 * One zongji row object -> a Row in the column order of the table as the reader knows it now.
 * With binlog_row_metadata=FULL the names are those at the time the event was written, so a value
 * only ever lands under its own column; a column the event does not have is `undefined` (not sent).
 */
function toRow(d: Decoder, values: Record<string, unknown>): Row {
  const row: Row = new Array(d.names.length);
  for (let i = 0; i < d.names.length; i++) {
    const name = d.names[i];
    row[i] = Object.prototype.hasOwnProperty.call(values, name) ? fromBinlogValue(d.kinds[i], values[name]) : undefined;
  }
  return row;
}

const HIGH_WATER = 2000; // queued events before the connection pauses
const LOW_WATER = 200;

/** A queued event; row events carry their table's name and zongji's column names as of arrival. */
type Queued = { ev: AnyBinlogEvent; gtidSet?: string; meta?: { db: string; table: string; names: string[] } };

export async function startBinlogStream(o: BinlogStreamOptions): Promise<StreamHandle> {
  const decoders = new Map<string, Decoder>();
  for (const t of o.tables) decoders.set(tableKey(t.id), decoder(t));

  const zongji = new ZongJi(await connectionOptions(o.source));
  let stopping = false;
  let failed: Error | undefined;
  let resolveDone!: () => void;
  let rejectDone!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => { resolveDone = res; rejectDone = rej; });
  done.catch(() => undefined); // the runner awaits it; never an unhandled rejection here

  let explaining = false; // a purged-binlog error is being turned into advice: it wins over the close that follows
  const fail = (err: Error, explained = false): void => {
    if (stopping || failed || (explaining && !explained)) return;
    failed = err;
    clearInterval(watchdog);
    try { zongji.stop(); } catch { /* already closed */ }
    rejectDone(err);
  };

  // ---- position and GTID tracking ----
  let file = o.from.kind === 'binlog' ? o.from.file : '';
  let mariadbGtids: MariadbGtidPosition | undefined;
  let mysqlGtids: GtidSet | undefined;
  const seed = o.from.kind === 'gtid' ? o.from.set : o.from.gtid;
  if (seed !== undefined) {
    if (seed.includes(':')) mysqlGtids = GtidSet.parse(seed); else mariadbGtids = MariadbGtidPosition.parse(seed);
  }
  let pendingMariadb: { domainId: number; serverId: number; seqNo: number | string } | undefined;
  let pendingMysql: string | undefined;
  const gtidText = (fallback?: string): string | undefined =>
    mariadbGtids?.toString() ?? mysqlGtids?.toString() ?? fallback;
  const foldGtid = (): void => {
    if (pendingMariadb && mariadbGtids) mariadbGtids.add(pendingMariadb);
    if (pendingMysql && mysqlGtids) mysqlGtids.add(pendingMysql);
    pendingMariadb = undefined; pendingMysql = undefined;
  };
  const positionAt = (pos: number, fallbackGtid?: string): BinlogPosition => {
    const gtid = gtidText(fallbackGtid);
    return { kind: 'binlog', file, pos, ...(gtid ? { gtid } : {}) };
  };
  // The last transaction end: where a partial part or an idle progress point may resume.
  let safe: BinlogPosition | GtidPosition = o.from;

  // ---- transaction assembly ----
  let changes: Change[] = [];
  let inTx = false;
  let touched = false;   // the open transaction had any event of a task table
  let partsSent = 0;
  let lastProgress = Date.now();
  let unsentProgress = false;

  const emit = async (tx: Transaction): Promise<void> => {
    lastProgress = Date.now();
    unsentProgress = false;
    await o.onTransaction(tx);
  };

  const commit = async (pos: number, time: number, fallbackGtid?: string): Promise<void> => {
    foldGtid();
    const position = positionAt(pos, fallbackGtid);
    safe = position;
    const had = changes.length > 0 || partsSent > 0;
    const tx: Transaction = { changes, position, commitTime: time };
    changes = []; inTx = false; partsSent = 0;
    const wasTouched = touched; touched = false;
    if (had || wasTouched) { await emit(tx); return; }
    // Nothing for this task: still let the checkpoint move now and then (binlogs expire).
    unsentProgress = true;
    if (Date.now() - lastProgress >= (o.idleProgressMs ?? 1000)) await emit(tx);
  };

  const addChange = async (c: Change, time: number): Promise<void> => {
    changes.push(c);
    if (changes.length >= o.maxTransactionChanges) {
      // A part of a huge transaction: never a checkpoint, so its position is the last safe one.
      const part: Transaction = { changes, position: safe, commitTime: time, partial: true };
      changes = []; partsSent++;
      await emit(part);
    }
  };

  const refresh = async (id: TableId): Promise<SourceTable | undefined> => {
    const t = await o.describe(id);
    if (t) decoders.set(tableKey(id), decoder(t)); else decoders.delete(tableKey(id));
    return t;
  };

  const onQuery = async (ev: Extract<AnyBinlogEvent, { getEventName(): 'query' }>, time: number, gtidSet?: string): Promise<void> => {
    const q = ev.query.trim();
    const upper = q.toUpperCase();
    if (upper === 'BEGIN' || upper.startsWith('XA START') || upper.startsWith('XA END') || upper.startsWith('SAVEPOINT')) {
      inTx = true; return;
    }
    // COMMIT as a query: transactions on non-XA engines; ROLLBACK after non-transactional changes.
    if (upper === 'COMMIT' || upper === 'ROLLBACK' || upper.startsWith('XA COMMIT') || upper.startsWith('XA ROLLBACK')) {
      await commit(ev.nextPosition, time, gtidSet); return;
    }
    // Anything else is a statement group of its own (DDL): it ends whatever came before.
    const ddl = parseDdl(q, ev.schema);
    const mine = ddl.tables.filter((id) => decoders.has(tableKey(id)) || o.wanted(id));
    const reshaped: SourceTable[] = [];
    for (const id of mine) {
      if (ddl.kind === 'truncate') { changes.push({ kind: 'truncate', table: id }); continue; }
      const t = await refresh(id);
      if (t) reshaped.push(t);
      changes.push({ kind: 'schema', table: id, ddl: q });
    }
    if (mine.length) touched = true;
    await commit(ev.nextPosition, time, gtidSet);
    if (o.history && safe.kind === 'binlog') {
      for (const t of reshaped) {
        const list = o.history.shapes.get(tableKey(t.id)) ?? [];
        list.push({ position: safe, table: t });
        o.history.shapes.set(tableKey(t.id), list);
        await o.history.save(t.id, safe, t);
      }
    }
  };

  /**
   * Without binlog_row_metadata=FULL zongji names the values by today's information_schema. When
   * LakeSync's history says the table had another shape at this point, the values (in binlog column
   * order) are renamed to that shape's columns; when even the column count disagrees, stop rather
   * than guess.
   */
  const selfDescribing = new Map<number, boolean>();
  const historicNames = (id: TableId, current: Decoder, columnCount: number, zongjiNames: string[]): string[] | undefined => {
    const shapes = o.history?.shapes.get(tableKey(id));
    if (!shapes?.length) return undefined;
    let valid = shapes[0];
    if (safe.kind === 'binlog') {
      for (const sh of shapes) if (comparePositions(sh.position, safe) <= 0) valid = sh;
    }
    const names = valid.table.columns.map((c) => c.name);
    if (names.length === zongjiNames.length && names.every((n, i) => n === zongjiNames[i])) return undefined;
    if (names.length !== columnCount) {
      throw new UserError(`cannot tell the columns of a binlog row of ${tableKey(id)}: it has ${columnCount} columns, the table had ` +
        `${names.length} at that point by LakeSync's schema history and has ${current.names.length} now. Set binlog_row_metadata=FULL ` +
        '(SET GLOBAL binlog_row_metadata=FULL; MySQL 8.0+/MariaDB 10.5+) and run `lakesync resync FILE --table ' + tableKey(id) + '`.');
    }
    return names;
  };
  const relabel = (values: Record<string, unknown>, from: string[], to: string[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < to.length; i++) out[to[i]] = values[from[i]];
    return out;
  };

  const onRows = async (ev: AnyBinlogEvent, time: number, map: Queued['meta']): Promise<void> => {
    if (ev.getEventName() !== 'writerows' && ev.getEventName() !== 'updaterows' && ev.getEventName() !== 'deleterows') return;
    const rowsEv = ev as Extract<AnyBinlogEvent, { getEventName(): 'writerows' | 'updaterows' | 'deleterows' }>;
    if (!map) return;
    const id: TableId = { db: map.db, table: map.table };
    let d = decoders.get(tableKey(id));
    if (!d) {
      if (!o.wanted(id)) return;
      const t = await refresh(id); // a table created after the stream started
      if (!t) return;
      d = decoders.get(tableKey(id))!;
    }
    touched = true;
    inTx = true;
    let fix = (r: Record<string, unknown>): Record<string, unknown> => r;
    if (o.history && !selfDescribing.get(rowsEv.tableId)) {
      const zongjiNames = map.names;
      const names = historicNames(id, d, rowsEv.numberOfColumns, zongjiNames);
      if (names) fix = (r) => relabel(r, zongjiNames, names);
    }
    const dec = d;
    const row = (r: Record<string, unknown>): Row => toRow(dec, fix(r));
    const name = rowsEv.getEventName();
    if (name === 'writerows') {
      for (const r of (rowsEv as Extract<AnyBinlogEvent, { getEventName(): 'writerows' }>).rows) await addChange({ kind: 'insert', table: id, after: row(r) }, time);
    } else if (name === 'deleterows') {
      for (const r of (rowsEv as Extract<AnyBinlogEvent, { getEventName(): 'deleterows' }>).rows) await addChange({ kind: 'delete', table: id, before: row(r) }, time);
    } else {
      for (const r of (rowsEv as Extract<AnyBinlogEvent, { getEventName(): 'updaterows' }>).rows) {
        await addChange({ kind: 'update', table: id, before: row(r.before), after: row(r.after) }, time);
      }
    }
  };

  const handle = async ({ ev, gtidSet, meta }: Queued): Promise<void> => {
    const time = ev.timestamp;
    switch (ev.getEventName()) {
      case 'rotate': {
        const r = ev as Extract<AnyBinlogEvent, { getEventName(): 'rotate' }>;
        file = r.binlogName;
        // A file boundary is a transaction boundary; it is a safe place to resume.
        if (!inTx && changes.length === 0) safe = positionAt(r.position);
        return;
      }
      case 'mariadbgtid': {
        const g = ev as Extract<AnyBinlogEvent, { getEventName(): 'mariadbgtid' }>;
        foldGtid();
        pendingMariadb = { domainId: g.domainId, serverId: g.serverId, seqNo: g.seqNo };
        inTx = !g.standalone;
        return;
      }
      case 'gtid': {
        const g = ev as Extract<AnyBinlogEvent, { getEventName(): 'gtid' }>;
        foldGtid();
        pendingMysql = g.gtid;
        inTx = true;
        return;
      }
      case 'previousgtids': {
        const p = ev as Extract<AnyBinlogEvent, { getEventName(): 'previousgtids' }>;
        mysqlGtids ??= GtidSet.parse(p.gtidSet);
        return;
      }
      case 'mariadbgtidlist': {
        const l = ev as Extract<AnyBinlogEvent, { getEventName(): 'mariadbgtidlist' }>;
        // Only the list at the start of a file is a full seed (a position <= 4 start)
        if (!mariadbGtids && o.from.kind === 'binlog' && o.from.pos <= 4) mariadbGtids = MariadbGtidPosition.fromGtidList(l.gtids);
        return;
      }
      case 'tablemap': {
        const m = ev as Extract<AnyBinlogEvent, { getEventName(): 'tablemap' }>;
        selfDescribing.set(m.tableId, m.hasSelfDescribingMetadata());
        return;
      }
      case 'xid': await commit(ev.nextPosition, time, gtidSet); return;
      case 'query': await onQuery(ev as Extract<AnyBinlogEvent, { getEventName(): 'query' }>, time, gtidSet); return;
      case 'transactionpayload': case 'partialupdaterows':
        throw new Error(`the binlog holds a ${ev.getEventName()} event that LakeSync cannot decode: ` +
          (ev.getEventName() === 'transactionpayload'
            ? 'turn off binlog_transaction_compression (SET GLOBAL binlog_transaction_compression=OFF)'
            : 'set binlog_row_value_options to an empty value (SET GLOBAL binlog_row_value_options=\'\')'));
      case 'heartbeat': {
        // The dump thread sends a heartbeat only when it has nothing more to send: with nothing
        // open here, every event before its position has arrived, so it is a proven position
        // (what --until-caught-up needs after events that end no transaction, e.g. a new file's header).
        const hb = ev as Extract<AnyBinlogEvent, { getEventName(): 'heartbeat' }>;
        const at = Number(hb.position ?? hb.nextPosition);
        if (!inTx && changes.length === 0 && safe.kind === 'binlog' && hb.binlogName === file && at > safe.pos) {
          safe = positionAt(at);
          unsentProgress = true;
        }
        if (unsentProgress && !inTx && changes.length === 0 && safe.kind === 'binlog') {
          await emit({ changes: [], position: safe, commitTime: Date.now() });
        }
        return;
      }
      default:
        await onRows(ev, time, meta);
    }
  };

  // ---- queue, worker, backpressure ----
  const queue: Queued[] = [];
  let working = false;
  let paused = false;
  let lastPacket = Date.now();

  const pump = async (): Promise<void> => {
    if (working) return;
    working = true;
    try {
      while (queue.length && !failed && !stopping) {
        await handle(queue.shift()!);
        if (paused && queue.length <= LOW_WATER) { paused = false; lastPacket = Date.now(); zongji.connection?.resume(); }
      }
    } catch (err) {
      fail(err as Error);
    } finally {
      working = false;
    }
  };

  zongji.on('binlog', (ev: AnyBinlogEvent) => {
    lastPacket = Date.now();
    if (failed || stopping) return;
    // zongji.gtidSet already includes a transaction at its commit event (read synchronously here)
    const name = ev.getEventName();
    // before the table's rows are read: spatial values as their stored bytes (values.ts)
    if (name === 'tablemap') rawGeometry((ev as Extract<AnyBinlogEvent, { getEventName(): 'tablemap' }>).tableMap[(ev as Extract<AnyBinlogEvent, { getEventName(): 'tablemap' }>).tableId] as Parameters<typeof rawGeometry>[0]);
    if (name === 'writerows' || name === 'updaterows' || name === 'deleterows') {
      const m = (ev as Extract<AnyBinlogEvent, { getEventName(): 'writerows' }>).tableMap[(ev as Extract<AnyBinlogEvent, { getEventName(): 'writerows' }>).tableId];
      queue.push({ ev, meta: m ? { db: m.parentSchema, table: m.tableName, names: m.columnSchemas.map((c) => c.COLUMN_NAME) } : undefined });
    } else {
      queue.push(name === 'xid' || name === 'query' ? { ev, gtidSet: zongji.gtidSet } : { ev });
    }
    if (!paused && queue.length >= HIGH_WATER) { paused = true; zongji.connection?.pause(); }
    void pump();
  });

  zongji.on('error', (err: Error & { code?: string; errno?: number }) => {
    if (err.errno === 1236 || /purged|could not find first log file|binary log/i.test(err.message)) {
      explaining = true;
      void purgedError(o.source, o.from, err.message).then((e) => fail(e, true), () => fail(err, true));
      return;
    }
    fail(err);
  });

  // Heartbeats keep an idle connection talking; silence beyond a few periods means it is gone.
  const heartbeatMs = Math.max(1, o.heartbeatSeconds) * 1000;
  const watchdog = setInterval(() => {
    if (paused || working || stopping) { lastPacket = Date.now(); return; }
    if (Date.now() - lastPacket > heartbeatMs * 3 + 2000) {
      fail(new Error(`the binlog connection to ${o.source.host}:${o.source.port} went silent (no event or heartbeat for ${Math.round((Date.now() - lastPacket) / 1000)} s)`));
    }
  }, Math.min(heartbeatMs, 5000));
  watchdog.unref();

  const ready = new Promise<void>((resolve, reject) => {
    zongji.once('ready', () => resolve());
    done.catch(reject);
  });

  const startOptions = o.from.kind === 'gtid'
    ? { serverId: o.serverId, gtidSet: o.from.set }
    : { serverId: o.serverId, filename: o.from.file, position: o.from.pos };
  zongji.start({
    ...startOptions,
    ...(o.databases ? { includeSchema: Object.fromEntries(o.databases.map((db) => [db, true as const])) } : {}),
  });
  // zongji opened its binlog connection synchronously in start(); this runs before its dump request.
  const conn = zongji.connection;
  if (conn) {
    conn.query(`SET @master_heartbeat_period = ${Math.round(heartbeatMs * 1e6)}`, (err: Error | null) => { if (err) fail(err); });
    const lost = (): void => fail(new Error(`the binlog connection to ${o.source.host}:${o.source.port} was closed by the server`));
    conn.on('end', lost);
    (conn as unknown as { stream?: NodeJS.EventEmitter }).stream?.on('close', lost);
  }

  await ready;

  return {
    done,
    lastReceivedAt: () => lastPacket,
    async stop(): Promise<void> {
      if (stopping || failed) { await done.catch(() => undefined); return; }
      stopping = true;
      clearInterval(watchdog);
      await new Promise<void>((resolve) => {
        zongji.once('stopped', () => resolve());
        zongji.stop();
      });
      // Let the worker finish the event in hand (its transaction either reached the runner or not).
      while (working) await new Promise((r) => setTimeout(r, 10));
      resolveDone();
    },
  };
}
