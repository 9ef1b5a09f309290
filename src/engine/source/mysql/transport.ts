// The binlog transport: a @vlasky/zongji connection from a position, heartbeats and a watchdog,
// and an ordered queue of events with backpressure. zongji's 'binlog' handler only queues events;
// one worker hands them over in order (it may await the runner), and the connection is paused
// while the queue holds many rows, so a slow target slows the reader instead of filling memory.
//
// zongji names the values of a row event by a metadata query of its own when the binlog does not
// carry the names (binlog_row_metadata other than FULL): that query sees today's table, not the
// one the event was written with. Here it is replaced: `columnsFor` answers from LakeSync's schema
// history, which is moved forward by the DDL that arrives (synchronously, in binlog order) before
// the table map events after it.
import ZongJi, { type AnyBinlogEvent } from '@vlasky/zongji';
import type { SourceConfig } from '../../config/plan';
import type { BinlogPosition, GtidPosition } from '../../positions';
import type { TableId } from '../types';
import { connectionOptions } from './session';
import { purgedError } from './binlogpos';
import type { ZongjiColumnSchema } from './history';
import { ROWS_EVENTS } from './rowsdecode';

// Queued work before the connection pauses, counted in rows (an event without rows counts one):
// a bulk statement's events carry ~100 rows each, so a count of events let 2,000 of them (200k
// decoded rows, ~300 MB of heap) pile up behind a slow target.
const HIGH_WATER = 4000;
const LOW_WATER = 1000;

/** The weight of an event in the queue: its rows. */
function weight(ev: AnyBinlogEvent): number {
  const rows = (ev as { rows?: unknown[] }).rows;
  return Array.isArray(rows) && rows.length > 0 ? rows.length : 1;
}

/** zongji's packet handler of its binlog command (returns the handler of the next packet). */
type BinlogData = (this: unknown, packet: MysqlPacket, connection: unknown) => unknown;
/** What is used of a mysql2 packet: the event is `buffer[offset, end)`. */
interface MysqlPacket { buffer: Buffer; offset: number; end: number }
const ROWS_EVENT_CODES = new Set(ROWS_EVENTS.keys());
const TABLE_MAP_EVENT = 19;

/** What zongji's table map event offers the metadata hook. */
export interface TableMapEvent {
  tableId: number; schemaName: string; tableName: string; columnCount: number;
  buildColumnSchemas(): ZongjiColumnSchema[];
}

/** A table LakeSync does not read: its values decoded by the event's own types, under names @1, @2... */
function placeholders(ev: TableMapEvent): ZongjiColumnSchema[] {
  const e = ev as TableMapEvent & { columnNames?: string[] };
  e.columnNames ??= [];
  return ev.buildColumnSchemas().map((c, i) => ({ ...c, COLUMN_NAME: c.COLUMN_NAME ?? `@${i + 1}` }));
}

export interface TransportOptions<Q> {
  source: SourceConfig;
  serverId: number;
  from: BinlogPosition | GtidPosition;
  /** Databases whose row events are read (zongji includeSchema); undefined = all. */
  databases?: string[];
  heartbeatSeconds: number;
  /**
   * The columns of a table map event's table at its place in the binlog (sync or async); undefined:
   * not a table LakeSync reads, decoded with the event's own types under placeholder names.
   */
  columnsFor(ev: TableMapEvent): ZongjiColumnSchema[] | undefined | Promise<ZongjiColumnSchema[] | undefined>;
  /** Called synchronously for every event as it arrives, in binlog order; returns what is queued. */
  arrive(ev: AnyBinlogEvent, gtidSet: string | undefined): Q;
  /**
   * Called synchronously for a ROWS event as it arrives, before zongji decodes it: the event
   * decoded by LakeSync (rowsdecode.ts) and its weight (rows), or undefined for zongji to decode it.
   */
  arriveRows?(raw: RawRowsEvent): { item: Q; weight: number } | undefined;
  /** Handles the queued items one at a time, in order. */
  handle(item: Q): Promise<void>;
}

/** A ROWS event's bytes, as the packet holds them, and zongji's table map entry of its table. */
export interface RawRowsEvent {
  typeCode: number;
  /** Event time (ms since epoch, whole seconds). */
  timestamp: number;
  /** The packet's bytes: the event body is `buffer[bodyAt, end)`, the checksum excluded. */
  buffer: Buffer;
  bodyAt: number;
  end: number;
  /** zongji's table maps by table id (see `tableMap` below). */
  tableMap: Record<number, ZongjiTableMapEntry | undefined>;
}

/** zongji's entry for a table id: the column schemas set by `_fetchTableInfo`, the columns by its table map event. */
export interface ZongjiTableMapEntry {
  columnSchemas: ZongjiColumnSchema[];
  parentSchema: string;
  tableName: string;
  columns?: { name: string; type: number; charset?: string | null; metadata?: Record<string, number> }[];
}

export interface Transport {
  readonly done: Promise<void>;
  /** When bytes last came from the server (events or heartbeats), ms since epoch. */
  lastReceivedAt(): number;
  stop(): Promise<void>;
  fail(err: Error): void;
}

export async function openTransport<Q>(o: TransportOptions<Q>): Promise<Transport> {
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

  // The schema history, not information_schema, names the columns of every table map.
  const z = zongji as unknown as {
    _fetchTableInfo(ev: TableMapEvent, next: () => void): void;
    tableMap: Record<number, ZongjiTableMapEntry>;
    useChecksum: boolean;
    BinlogClass?: { prototype: { binlogData: BinlogData } };
  };
  z._fetchTableInfo = (ev, next) => {
    const set = (schemas: ZongjiColumnSchema[] | undefined): void => {
      if (failed || stopping) return;
      z.tableMap[ev.tableId] = { columnSchemas: schemas ?? placeholders(ev), parentSchema: ev.schemaName, tableName: ev.tableName };
      next();
    };
    try {
      const r = o.columnsFor(ev);
      if (r instanceof Promise) r.then(set, (err: Error) => fail(err)); else set(r);
    } catch (err) {
      fail(err as Error);
    }
  };

  // ---- queue, worker, backpressure ----
  const queue: { item: Q; weight: number }[] = [];
  let queued = 0; // the rows (weights) in the queue
  let working = false;
  let paused = false;
  let lastPacket = Date.now();

  const pump = async (): Promise<void> => {
    if (working) return;
    working = true;
    try {
      while (queue.length && !failed && !stopping) {
        const next = queue.shift()!;
        await o.handle(next.item);
        queued -= next.weight;
        if (paused && queued <= LOW_WATER) { paused = false; lastPacket = Date.now(); zongji.connection?.resume(); }
      }
    } catch (err) {
      fail(err as Error);
    } finally {
      working = false;
    }
  };

  const enqueue = (item: Q, w: number): void => {
    queue.push({ item, weight: w });
    queued += w;
    if (!paused && queued >= HIGH_WATER) { paused = true; zongji.connection?.pause(); }
    void pump();
  };

  zongji.on('binlog', (ev: AnyBinlogEvent) => {
    lastPacket = Date.now();
    if (failed || stopping) return;
    let item: Q;
    try {
      // zongji.gtidSet already includes a transaction at its commit event (read synchronously here)
      item = o.arrive(ev, zongji.gtidSet);
      // After a DDL no cached table map is trusted (a MODIFY may keep the table id and the column
      // count): the next table map asks the history again. Never inside a transaction's maps.
      if (ev.getEventName() === 'query' && !/^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|XA\s)/i.test((ev as { query?: string }).query ?? '')) {
        for (const id of Object.keys(z.tableMap)) delete z.tableMap[Number(id)];
      }
    } catch (err) {
      fail(err as Error);
      return;
    }
    enqueue(item, weight(ev));
  });

  // ROWS events LakeSync decodes itself: seen in zongji's packet handler before it parses them.
  // zongji does nothing for a row event but decode it (its resume position and GTID bookkeeping,
  // which LakeSync does not use, stay frozen inside a transaction), so skipping it loses nothing.
  // The same goes for a table map event whose bytes are those of the one that made its table's
  // cached entry (every statement repeats its table's map): zongji would parse it only to keep that
  // entry. A DDL clears the entries (above), so the next map after one always goes to zongji.
  const arriveRows = o.arriveRows;
  /** The table map event body each cached entry was made from (or kept at). */
  const mapBodies = new WeakMap<ZongjiTableMapEntry, Buffer>();
  if (arriveRows) {
    zongji.on('ready', () => {
      // zongji made its binlog command class just before 'ready' and queues the command right after
      const proto = z.BinlogClass?.prototype;
      if (!proto || typeof proto.binlogData !== 'function') return;
      const zongjiData = proto.binlogData;
      proto.binlogData = function (this: unknown, packet: MysqlPacket, connection: unknown) {
        const b = packet.buffer, at = packet.offset;
        // an event packet: OK marker, then the 19-byte event header (type code at +5)
        const code = b[at] === 0 && packet.end - at > 20 ? b[at + 5] : -1;
        if (code === TABLE_MAP_EVENT && packet.end - at > 26 && !failed && !stopping && zongji.connection === connection) {
          const body = b.subarray(at + 20, packet.end - (z.useChecksum ? 4 : 0));
          const tableId = body.readUIntLE(0, 6);
          const cached = z.tableMap[tableId];
          const seen = cached && mapBodies.get(cached);
          if (seen && seen.equals(body)) {
            lastPacket = Date.now();
            packet.offset = packet.end;
            return proto.binlogData;
          }
          const next = zongjiData.call(this, packet, connection);
          const entry = z.tableMap[tableId];
          if (entry) mapBodies.set(entry, Buffer.from(body));
          return next;
        }
        if (code >= 0 && ROWS_EVENT_CODES.has(code) && !failed && !stopping && zongji.connection === connection) {
          let decoded: { item: Q; weight: number } | undefined;
          try {
            decoded = arriveRows({
              typeCode: code, timestamp: b.readUInt32LE(at + 1) * 1000, buffer: b, bodyAt: at + 20,
              end: packet.end - (z.useChecksum ? 4 : 0), tableMap: z.tableMap,
            });
          } catch (err) {
            fail(err as Error);
            return proto.binlogData;
          }
          if (decoded) {
            lastPacket = Date.now();
            packet.offset = packet.end;
            enqueue(decoded.item, decoded.weight);
            return proto.binlogData;
          }
        }
        return zongjiData.call(this, packet, connection);
      };
    });
  }

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
    fail: (err) => fail(err),
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

export type { TableId };
