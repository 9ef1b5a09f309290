// The binlog reader: binlog events -> committed Transactions, in binlog order. Three parts with
// one job each: the transport (zongji, queue, heartbeats: transport.ts), the schema history
// (the shape of each table at each position, moved by the binlog's DDL: history.ts, alter.ts)
// and the transaction assembly (positions, GTIDs, parts: assembly.ts). This file wires them:
// a DDL moves the history as it arrives, so every later row event is decoded with the columns in
// force where it was written, and the runner gets the new shape with the DDL, in order.
import type { AnyBinlogEvent } from '@vlasky/zongji';
import type { SourceConfig } from '../../config/plan';
import type { BinlogPosition, GtidPosition } from '../../positions';
import type { Row, Transaction } from '../../pipeline/events';
import type { StreamHandle } from '../adapter';
import type { SourceTable, TableId } from '../types';
import { tableKey } from '../types';
import type { DdlEffect } from './alter';
import { TransactionAssembler } from './assembly';
import { SchemaHistory, columnSchema } from './history';
import { ROWS_EVENTS, decodeRows, ownRowsDecoder, readRowsHeader, rowsPlan, type RowsPlan } from './rowsdecode';
import { openTransport, type RawRowsEvent, type TableMapEvent, type ZongjiTableMapEntry } from './transport';
import { binlogConverter, binlogKind, exactEnumLabels, rawGeometry, type BinlogKind } from './values';
import { decodeDeferred, serverCharsets, type DeferredColumn } from './charsets';

export interface BinlogStreamOptions {
  source: SourceConfig;
  serverId: number;
  from: BinlogPosition | GtidPosition;
  /** The task's tables as the runner knows them (rows in another shape carry their column names). */
  tables: SourceTable[];
  /** The shape of each table at `from` (LakeSync's schema history); defaults to `tables`. */
  shapesAtStart?: SourceTable[];
  /** Default character sets of the task's databases (for tables the binlog creates). */
  databaseCharsets?: Map<string, string>;
  /** Databases whose row events are read (zongji includeSchema); undefined = all. */
  databases?: string[];
  /** Whether a table not in `tables` (created later) belongs to the task. */
  wanted(id: TableId): boolean;
  /** The server's description now: only for a table the binlog created in a way only the server can tell. */
  describe(id: TableId): Promise<SourceTable | undefined>;
  /** Loads the server's tables of these charsets (charsets.ts: loadServerCharsets) when not loaded yet. */
  loadCharsets?(charsets: string[]): Promise<void>;
  /** Persists a table's shape from `position` on (before the transaction that changed it is handed over). */
  saveShape?(id: TableId, position: BinlogPosition, shape: SourceTable): Promise<void>;
  /** Marks every shape the history learns as the task reads it (source.zeroDates: text). */
  decorate?(t: SourceTable): SourceTable;
  maxTransactionChanges: number;
  heartbeatSeconds: number;
  onTransaction(tx: Transaction): Promise<void> | void;
  /** Transactions that touch no task table still advance the position, at most this often (ms). */
  idleProgressMs?: number;
  warn?(message: string): void;
}

type QueryEvent = Extract<AnyBinlogEvent, { getEventName(): 'query' }>;
type RowsEvent = Extract<AnyBinlogEvent, { getEventName(): 'writerows' | 'updaterows' | 'deleterows' }>;

/** A ROWS event LakeSync decoded itself (rowsdecode.ts): its row images as canonical text, in binlog column order. */
interface DecodedRows {
  getEventName(): 'writerows' | 'updaterows' | 'deleterows';
  timestamp: number;
  /** An update's images come in pairs: before, after. */
  images: Row[];
}

/** A queued event with what was known about it on arrival, in binlog order. */
interface Queued {
  ev: AnyBinlogEvent | DecodedRows;
  gtidSet?: string;
  /** A DDL statement's effects on the history. */
  effects?: DdlEffect[];
  /**
   * A row event: its table, the shape it was decoded with, zongji's names for its values, and why
   * the table's shape was unknown when it was decoded (a later DDL may make it known again).
   */
  rows?: { id: TableId; shape?: SourceTable; names: string[]; selfDescribing: boolean; unknown?: { statement: string; reason: string }; deferred?: DeferredColumn[] };
}

const TX_CONTROL = /^(BEGIN|XA START|XA END|SAVEPOINT)/i;
const TX_END = /^(COMMIT|ROLLBACK|XA COMMIT|XA ROLLBACK)/i;

export async function startBinlogStream(o: BinlogStreamOptions): Promise<StreamHandle> {
  const history = new SchemaHistory(o.shapesAtStart ?? o.tables, o.databaseCharsets, o.decorate);
  const taskTables = new Set(o.tables.map((t) => tableKey(t.id)));
  const isTaskTable = (id: TableId): boolean => taskTables.has(tableKey(id)) || o.wanted(id);
  /** The shape the runner reads each table's rows in (its routes), as announced by this stream. */
  const announced = new Map(o.tables.map((t) => [tableKey(t.id), t]));
  const kinds = new WeakMap<SourceTable, BinlogKind[]>();
  const kindsOf = (t: SourceTable): BinlogKind[] => {
    let k = kinds.get(t);
    if (!k) { k = t.columns.map(binlogKind); kinds.set(t, k); }
    return k;
  };
  const converters = new Map<BinlogKind, (v: unknown) => string | null>();
  const converterOf = (k: BinlogKind) => { let c = converters.get(k); if (!c) { c = binlogConverter(k); converters.set(k, c); } return c; };
  const warned = new Set<string>();
  const warnOnce = (key: string, message: string): void => { if (!warned.has(key)) { warned.add(key); o.warn?.(message); } };

  const assembler = new TransactionAssembler(o.from, o.maxTransactionChanges, o.idleProgressMs ?? 1000, (tx) => o.onTransaction(tx));

  /** The columns of a table map's table at this point of the binlog: the history's, never today's. */
  const columnsFor = (ev: TableMapEvent) => {
    const id = { db: ev.schemaName, table: ev.tableName };
    if (history.unknownReason(id)) return undefined;
    const shape = history.shape(id);
    if (shape) {
      if (shape.columns.length === ev.columnCount) return shape.columns.map(columnSchema);
      // only a DDL LakeSync misread gets here: the table stops rather than take a guess
      history.markUnknown(id, '(binlog table map)', `the binlog's rows of ${tableKey(id)} have ${ev.columnCount} columns, LakeSync's schema history has ${shape.columns.length} (${shape.columns.map((c) => c.name).join(', ')})`);
      return undefined;
    }
    if (!isTaskTable(id)) return undefined;
    // a task table the binlog created in a way only the server can tell (CREATE ... SELECT)
    return o.describe(id).then((t) => {
      if (!t || t.columns.length !== ev.columnCount) return undefined;
      if (!history.shape(id)) history.set(t);
      return t.columns.map(columnSchema);
    });
  };

  const arrive = (ev: AnyBinlogEvent, gtidSet: string | undefined): Queued => {
    const name = ev.getEventName();
    if (name === 'writerows' || name === 'updaterows' || name === 'deleterows') {
      const r = ev as RowsEvent;
      const m = r.tableMap[r.tableId] as { parentSchema: string; tableName: string; columnSchemas: { COLUMN_NAME: string }[] } | undefined;
      if (!m) return { ev };
      const id = { db: m.parentSchema, table: m.tableName };
      const unknown = history.unknownReason(id);
      const shape = unknown ? undefined : history.shape(id);
      const later = deferred.get(r.tableId);
      return { ev, rows: { id, names: m.columnSchemas.map((c) => c.COLUMN_NAME), selfDescribing: selfDescribing.get(r.tableId) ?? false,
        ...(shape ? { shape } : {}), ...(unknown ? { unknown } : {}), ...(later?.length ? { deferred: later } : {}) } };
    }
    if (name === 'tablemap') {
      const t = ev as Extract<AnyBinlogEvent, { getEventName(): 'tablemap' }>;
      selfDescribing.set(t.tableId, t.hasSelfDescribingMetadata());
      // before the table's rows are read: spatial values as their stored bytes (values.ts)
      rawGeometry(t.tableMap[t.tableId] as Parameters<typeof rawGeometry>[0]);
      // and text in other charsets as the server converts it (charsets.ts)
      deferred.set(t.tableId, serverCharsets(t.tableMap[t.tableId] as Parameters<typeof serverCharsets>[0]));
      exactEnumLabels(t.tableMap[t.tableId] as Parameters<typeof exactEnumLabels>[0]);
      return { ev };
    }
    if (name === 'query') {
      const q = (ev as QueryEvent).query.trim();
      if (TX_CONTROL.test(q) || TX_END.test(q)) return { ev, gtidSet };
      return { ev, gtidSet, effects: history.apply(q, (ev as QueryEvent).schema) };
    }
    return name === 'xid' ? { ev, gtidSet } : { ev };
  };
  const selfDescribing = new Map<number, boolean>();
  /** Per table id: text columns zongji decoded byte for byte, their charset's table not loaded then (charsets.ts). */
  const deferred = new Map<number, DeferredColumn[]>();

  /** Per zongji table map entry: the kinds of its values and LakeSync's plan to decode its rows (none: zongji's). */
  const plans = new WeakMap<ZongjiTableMapEntry, { shape: SourceTable; plan: RowsPlan | undefined }>();
  const planOf = (m: ZongjiTableMapEntry, shape: SourceTable, names: string[]): RowsPlan | undefined => {
    const known = plans.get(m);
    if (known && known.shape === shape) return known.plan;
    const columns = m.columns;
    const plan = columns ? rowsPlan(columns, m.columnSchemas, kindsByName(shape, names)) : undefined;
    plans.set(m, { shape, plan });
    return plan;
  };

  /** A ROWS event's bytes: decoded here when every column of its table has a reader, else undefined (zongji decodes it). */
  const arriveRows = (raw: RawRowsEvent): { item: Queued; weight: number } | undefined => {
    const kind = ROWS_EVENTS.get(raw.typeCode);
    if (!kind) return undefined;
    const h = readRowsHeader(raw.buffer, raw.bodyAt, kind.v2, kind.name === 'updaterows');
    const m = raw.tableMap[h.tableId];
    // no entry: zongji filters the event (a table map it skipped)
    if (!m || !m.columns) return undefined;
    const id = { db: m.parentSchema, table: m.tableName };
    const shape = history.unknownReason(id) ? undefined : history.shape(id);
    if (!shape) return undefined;
    const names = m.columnSchemas.map((c) => c.COLUMN_NAME);
    const plan = planOf(m, shape, names);
    if (!plan) return undefined;
    const images = decodeRows(plan, h, raw.buffer, raw.end);
    const ev: DecodedRows = { getEventName: () => kind.name, timestamp: raw.timestamp, images };
    const item: Queued = { ev, rows: { id, shape, names, selfDescribing: selfDescribing.get(h.tableId) ?? false } };
    const weight = kind.name === 'updaterows' ? images.length / 2 : images.length;
    return { item, weight: Math.max(1, weight) };
  };
  /** Tables whose unknown shape the runner has been told of (it stops them). */
  const reported = new Set<string>();

  const onDdl = async (ev: QueryEvent, effects: DdlEffect[], time: number, gtidSet?: string): Promise<void> => {
    const statement = ev.query.trim();
    const position = assembler.positionAfter(ev.nextPosition, gtidSet);
    for (const e of effects) {
      if (!isTaskTable(e.table)) continue;
      const key = tableKey(e.table);
      switch (e.kind) {
        case 'truncate': assembler.push({ kind: 'truncate', table: e.table }); break;
        case 'drop':
          announced.delete(key);
          assembler.push({ kind: 'schema', table: e.table, ddl: statement, shape: null });
          break;
        case 'unknown':
          reported.add(key);
          assembler.push({ kind: 'schema', table: e.table, ddl: statement, error: e.reason });
          break;
        case 'describe': {
          const t = history.shape(e.table) ?? await o.describe(e.table);
          if (t && !history.shape(e.table)) history.set(t);
          if (t) await o.saveShape?.(e.table, position, t);
          if (t) announced.set(key, t);
          assembler.push({ kind: 'schema', table: e.table, ddl: statement, ...(t ? { shape: t } : {}) });
          break;
        }
        case 'shape':
          // persisted before the runner can checkpoint past this statement
          await o.saveShape?.(e.table, position, e.shape);
          announced.set(key, e.shape);
          taskTables.add(key);
          assembler.push({ kind: 'schema', table: e.table, ddl: statement, shape: e.shape, ...(e.renames ? { renames: e.renames } : {}) });
          break;
      }
    }
    // Any other statement is a statement group of its own: it ends whatever came before.
    await assembler.commit(ev.nextPosition, time, gtidSet);
  };

  /** The kinds of a row's values named `names` (the binlog's order), from the table's shape; an unknown name reads as text. */
  const kindsByName = (shape: SourceTable, names: string[]): BinlogKind[] => {
    const own = kindsOf(shape);
    const same = names.length === shape.columns.length && names.every((n, i) => n === shape.columns[i].name);
    return same ? own : names.map((n) => { const i = shape.columns.findIndex((x) => x.name === n); return i >= 0 ? own[i] : 'text'; });
  };

  /** Hands over decoded rows; `from[j]` is the binlog column of the runner's column j (undefined: the row has none). */
  const addDecoded = async (ev: DecodedRows, id: TableId, time: number, from: (number | undefined)[]): Promise<void> => {
    const { images } = ev;
    const width = from.length;
    const identity = images.length > 0 && width === images[0].length && from.every((i, j) => i === j);
    const toRow = identity ? (r: Row) => r : (r: Row): Row => {
      const row: Row = new Array(width);
      for (let j = 0; j < width; j++) { const i = from[j]; row[j] = i === undefined ? undefined : r[i]; }
      return row;
    };
    const name = ev.getEventName();
    // add() is synchronous but for a part of a huge transaction: no await (a microtask) per change
    if (name === 'updaterows') {
      for (let k = 0; k + 1 < images.length; k += 2) {
        const sent = assembler.add({ kind: 'update', table: id, before: toRow(images[k]), after: toRow(images[k + 1]) }, time);
        if (sent) await sent;
      }
    } else {
      const kind = name === 'writerows' ? 'insert' : 'delete';
      for (const r of images) {
        const sent = assembler.add(kind === 'insert' ? { kind, table: id, after: toRow(r) } : { kind, table: id, before: toRow(r) }, time);
        if (sent) await sent;
      }
    }
  };

  const onRows = async (ev: RowsEvent | DecodedRows, time: number, info: NonNullable<Queued['rows']>): Promise<void> => {
    const { id } = info;
    if (!isTaskTable(id)) return;
    const key = tableKey(id);
    assembler.touch();
    // unknown when the rows were decoded, even if a DDL after them has made the shape known again
    let unknown = info.unknown ?? history.unknownReason(id);
    // a table only the server could describe (after CREATE ... SELECT, or a DDL that did not fit
    // the history) with FULL metadata: described when its DDL was handled, just before
    const shape = info.shape ?? (unknown ? undefined : history.shape(id));
    const shapeNames = shape?.columns.map((c) => c.name) ?? [];
    const asShape = info.names.length === shapeNames.length && info.names.every((n, i) => n === shapeNames[i]);
    // without the binlog's own column names (binlog_row_metadata NO_LOG / MINIMAL) values are
    // named by the history alone: rows it did not name cannot be read, never as NULLs
    if (shape && !asShape && !info.selfDescribing) {
      unknown = { statement: '(binlog rows)', reason: `the binlog's rows of ${key} have ${info.names.length} values that LakeSync's schema history does not name (${shapeNames.join(', ')})` };
    }
    if (unknown && !reported.has(key)) {
      reported.add(key);
      assembler.push({ kind: 'schema', table: id, ddl: unknown.statement, error: unknown.reason });
    }
    if (unknown || !shape) {
      warnOnce(`skip:${key}`, `${key}: rows skipped, its shape is unknown after "${unknown?.statement ?? '?'}" (${unknown?.reason ?? 'no description'})`);
      return;
    }
    if (!asShape) {
      // binlog_row_metadata=FULL names the values as written: those names win, and the history is off
      warnOnce(`full:${key}`, `${key}: the binlog's column names (${info.names.join(', ')}) differ from LakeSync's schema history (${shapeNames.join(', ')}); using the binlog's`);
    }
    const names = info.names;
    // rows go in the column order the runner reads this table in (its shape as this stream announced
    // it); a value whose column it does not have is left out, a column the row lacks is not sent
    const into = announced.get(key) ?? shape;
    const at = new Map(names.map((n, i) => [n, i]));
    if ('images' in ev) {
      await addDecoded(ev, id, time, into.columns.map((c) => at.get(c.name)));
      return;
    }
    const ks = kindsByName(shape, names);
    // per runner column: zongji's name for its value (undefined: the row has none) and its conversion
    const from = into.columns.map((c) => { const i = at.get(c.name); return i === undefined ? undefined : names[i]; });
    const convert = into.columns.map((c) => { const i = at.get(c.name); return i === undefined ? undefined : converterOf(ks[i]); });
    const width = from.length;
    const index = into.columns.map((c) => at.get(c.name));
    // zongji gives a value the row image lacks (binlog_row_image=MINIMAL) as NULL: its event's
    // columns-present bitmaps tell which values the image has
    const bitmaps = ev as unknown as { columns_present_bitmap?: Buffer; columns_present_bitmap2?: Buffer };
    // text in a charset loaded only now (a column added after the start): its bytes, decoded by the server's table
    const later = info.deferred?.filter((d) => names[d.index] !== undefined);
    if (later?.length) await o.loadCharsets?.(later.map((d) => d.charset));
    const toRow = (values: Record<string, unknown>, present: Buffer | undefined): Row => {
      if (later?.length) {
        for (const d of later) {
          const v = values[names[d.index]];
          if (typeof v === 'string') values[names[d.index]] = decodeDeferred(v, d.charset);
        }
      }
      const row: Row = new Array(width);
      for (let j = 0; j < width; j++) {
        const n = from[j], i = index[j]!;
        // a value the row image lacks is not sent: undefined (the target keeps its value), not NULL
        if (n === undefined || (present && !(present[i >> 3] & (1 << (i & 7))))) { row[j] = undefined; continue; }
        const v = values[n];
        // one it has as undefined is NULL, or an ENUM's invalid value (see INVALID_ENUM)
        row[j] = v !== undefined || Object.prototype.hasOwnProperty.call(values, n) ? convert[j]!(v) : undefined;
      }
      return row;
    };
    const [present, present2] = [bitmaps.columns_present_bitmap, bitmaps.columns_present_bitmap2 ?? bitmaps.columns_present_bitmap];
    const name = ev.getEventName();
    if (name === 'writerows') {
      for (const r of (ev as Extract<AnyBinlogEvent, { getEventName(): 'writerows' }>).rows) await assembler.add({ kind: 'insert', table: id, after: toRow(r, present) }, time);
    } else if (name === 'deleterows') {
      for (const r of (ev as Extract<AnyBinlogEvent, { getEventName(): 'deleterows' }>).rows) await assembler.add({ kind: 'delete', table: id, before: toRow(r, present) }, time);
    } else {
      for (const r of (ev as Extract<AnyBinlogEvent, { getEventName(): 'updaterows' }>).rows) {
        await assembler.add({ kind: 'update', table: id, before: toRow(r.before, present), after: toRow(r.after, present2) }, time);
      }
    }
  };

  const handle = async ({ ev, gtidSet, effects, rows }: Queued): Promise<void> => {
    const time = ev.timestamp;
    switch (ev.getEventName()) {
      case 'rotate': {
        const r = ev as Extract<AnyBinlogEvent, { getEventName(): 'rotate' }>;
        assembler.rotate(r.binlogName, r.position);
        return;
      }
      case 'mariadbgtid': assembler.mariadbGtid(ev as Extract<AnyBinlogEvent, { getEventName(): 'mariadbgtid' }>); return;
      case 'gtid': assembler.mysqlGtid((ev as Extract<AnyBinlogEvent, { getEventName(): 'gtid' }>).gtid); return;
      case 'previousgtids': assembler.previousGtids((ev as Extract<AnyBinlogEvent, { getEventName(): 'previousgtids' }>).gtidSet); return;
      case 'mariadbgtidlist': assembler.mariadbGtidList((ev as Extract<AnyBinlogEvent, { getEventName(): 'mariadbgtidlist' }>).gtids); return;
      case 'tablemap': return;
      case 'xid': await assembler.commit((ev as AnyBinlogEvent).nextPosition, time, gtidSet); return;
      case 'query': {
        const q = ev as QueryEvent;
        const text = q.query.trim();
        if (TX_CONTROL.test(text)) { assembler.begin(); return; }
        // COMMIT as a query: transactions on non-XA engines; ROLLBACK after non-transactional changes.
        if (TX_END.test(text)) { await assembler.commit(q.nextPosition, time, gtidSet); return; }
        await onDdl(q, effects ?? [], time, gtidSet);
        return;
      }
      case 'transactionpayload': case 'partialupdaterows':
        throw new Error(`the binlog holds a ${ev.getEventName()} event that LakeSync cannot decode: ` +
          (ev.getEventName() === 'transactionpayload'
            ? 'turn off binlog_transaction_compression (SET GLOBAL binlog_transaction_compression=OFF)'
            : 'set binlog_row_value_options to an empty value (SET GLOBAL binlog_row_value_options=\'\')'));
      case 'heartbeat': {
        const hb = ev as Extract<AnyBinlogEvent, { getEventName(): 'heartbeat' }>;
        await assembler.heartbeat(hb.binlogName, Number(hb.position ?? hb.nextPosition));
        return;
      }
      default:
        if (rows) await onRows(ev as RowsEvent | DecodedRows, time, rows);
    }
  };

  const transport = await openTransport<Queued>({
    source: o.source,
    serverId: o.serverId,
    from: o.from,
    ...(o.databases ? { databases: o.databases } : {}),
    heartbeatSeconds: o.heartbeatSeconds,
    columnsFor,
    arrive,
    ...(ownRowsDecoder() ? { arriveRows } : {}),
    handle,
  });
  return { done: transport.done, stop: () => transport.stop(), lastReceivedAt: () => transport.lastReceivedAt() };
}
