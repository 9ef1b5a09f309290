// The MySQL/MariaDB source: metadata, chunked snapshot, binlog stream, start positions.
import type { TaskPlan } from '../../config/plan';
import type { BinlogPosition, Position } from '../../positions';
import { formatPosition } from '../../positions';
import { UserError } from '../../errors';
import type { SchemaHistoryStore, SnapshotSession, SourceAdapter, StreamHandle } from '../adapter';
import type { Transaction } from '../../pipeline/events';
import type { SourceTable, TableId } from '../types';
import { candidateDatabases, selectTables } from '../select';
import { describeSelection } from '../selection';
import { isClosed, isMariadb, openConnection, type Sql } from './session';
import { databaseCharsets, describeMysqlTable, describeMysqlTables, listMysqlTables } from './metadata';
import { ensureAvailable, gtidAt, masterStatus, positionAtTime } from './binlogpos';
import { binlogRetentionWarnings } from './retention';
import { openMysqlSnapshot } from './snapshot';
import { startBinlogStream } from './binlog';
import { loadServerCharsets } from './charsets';
import { StoredHistory } from '../shapehistory';

const DATE_TYPES = new Set(['date', 'datetime', 'timestamp']);

/** Seconds between server heartbeats on an idle binlog connection. */
const HEARTBEAT_SECONDS = 5;

export function createMysqlSource(plan: TaskPlan): SourceAdapter {
  let conn: Promise<Sql> | undefined;
  const sql = async (): Promise<Sql> => {
    conn ??= openConnection(plan.source).catch((err) => { conn = undefined; throw err; });
    const c = await conn;
    // A connection the server closed (restart, KILL, timeout) is replaced on the next use.
    if (isClosed(c)) {
      conn = undefined;
      c.destroy();
      return sql();
    }
    return c;
  };

  let store: SchemaHistoryStore | undefined;
  let confirmed: BinlogPosition | undefined;

  const belongs = (id: TableId): boolean => selectTables(plan, [id]).groups.length > 0;

  /** A binlog position with its GTID state filled in where the server can tell it. */
  const withGtid = async (c: Sql, p: BinlogPosition): Promise<BinlogPosition> => {
    if (p.gtid) return p;
    const gtid = await gtidAt(c, p.file, p.pos);
    return gtid ? { ...p, gtid } : p;
  };

  /** Marks date columns as kept in text form when the task says `source.zeroDates: text` (type map and readers follow the mark). */
  const dateForm = (t: SourceTable): SourceTable => (plan.source.zeroDates !== 'text' ? t
    : { ...t, columns: t.columns.map((c) => (DATE_TYPES.has(c.dataType.toLowerCase()) ? { ...c, dateText: true } : c)) });

  const adapter: SourceAdapter = {
    plan,

    async discover(): Promise<SourceTable[]> {
      const c = await sql();
      return describeSelection(plan, await listMysqlTables(c, candidateDatabases(plan)), async (ids) => (await describeMysqlTables(c, ids)).map(dateForm));
    },

    async describe(id: TableId): Promise<SourceTable | undefined> {
      const t = await describeMysqlTable(await sql(), id);
      return t && dateForm(t);
    },

    async openSnapshot(tables: SourceTable[], concurrency: number, resume?: Position): Promise<SnapshotSession> {
      return openMysqlSnapshot({ source: plan.source, tables, concurrency, resume });
    },

    async planChunks(table: SourceTable, chunkSize: number, where?: string) {
      // with a start position given, the session takes no snapshot of its own: it only plans
      const session = await openMysqlSnapshot({ source: plan.source, tables: [table], concurrency: 1, resume: { kind: 'binlog', file: '', pos: 0 } });
      try { return await session.planChunks(table, chunkSize, where); } finally { await session.close(); }
    },

    async currentPosition(): Promise<Position> {
      return masterStatus(await sql());
    },

    async resolveStart(requested: Position): Promise<Position> {
      const c = await sql();
      switch (requested.kind) {
        case 'binlog':
          await ensureAvailable(plan.source, c, requested);
          return withGtid(c, requested);
        case 'gtid': {
          const mariadb = await isMariadb(c);
          const looksMysql = requested.set.includes(':');
          if (mariadb === looksMysql) {
            throw new UserError(mariadb
              ? `gtid:${requested.set} is a MySQL GTID set, but the source is MariaDB: write domain-server-sequence, e.g. gtid:0-1-253`
              : `gtid:${requested.set} is a MariaDB GTID, but the source is MySQL: write uuid:interval, e.g. gtid:3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5`);
          }
          return requested;
        }
        case 'time':
          return positionAtTime(plan.source, plan.source.serverId, requested.at);
        case 'lsn':
          throw new UserError(`${formatPosition(requested)} is a PostgreSQL position; a MySQL/MariaDB task starts at FILE:POS, gtid:SET or an ISO time`);
      }
    },

    async stream(from: Position, tables: SourceTable[], onTransaction: (tx: Transaction) => Promise<void> | void): Promise<StreamHandle> {
      let start: BinlogPosition | { kind: 'gtid'; set: string };
      if (from.kind === 'binlog') {
        const c = await sql();
        await ensureAvailable(plan.source, c, from);
        start = await withGtid(c, from);
      } else if (from.kind === 'gtid') {
        start = from;
      } else {
        start = (await adapter.resolveStart(from)) as BinlogPosition;
      }
      const history = store ? new StoredHistory(store) : undefined;
      const charsets = await databaseCharsets(await sql(), candidateDatabases(plan));
      // the server's own tables of the other charsets the binlog's text comes in (charsets.ts)
      await loadServerCharsets(await sql(), [...tables.flatMap((t) => t.columns.map((c) => c.charset)), ...charsets.values()]);
      return startBinlogStream({
        source: plan.source,
        serverId: plan.source.serverId,
        from: start,
        tables,
        databases: candidateDatabases(plan),
        wanted: (id) => plan.rules.newTables === 'sync' && belongs(id),
        describe: (id) => adapter.describe(id),
        loadCharsets: async (names) => loadServerCharsets(await sql(), names),
        maxTransactionChanges: plan.parameters.maxTransactionChanges,
        heartbeatSeconds: HEARTBEAT_SECONDS,
        onTransaction,
        shapesAtStart: history ? await history.shapesAt(start.kind === 'binlog' ? start : undefined, tables) : tables,
        databaseCharsets: charsets,
        decorate: dateForm,
        ...(history ? { saveShape: (id: TableId, p: BinlogPosition, t: SourceTable) => history.save(id, p, t) } : {}),
      });
    },

    async shapesAt(position: Position, tables: SourceTable[]): Promise<SourceTable[]> {
      if (!store || position.kind !== 'binlog') return tables;
      return new StoredHistory(store).shapesAt(position, tables, false);
    },

    attachState(s: SchemaHistoryStore): void {
      store = s;
    },

    async confirm(position: Position): Promise<void> {
      // MySQL keeps no server-side state for a reader: the checkpoint in the target is the
      // position. It is remembered only to warn before the binlog it needs expires.
      if (position.kind === 'binlog') confirmed = position;
    },

    async checkHealth(): Promise<string[]> {
      return binlogRetentionWarnings(await sql(), confirmed);
    },

    async close(): Promise<void> {
      const c = conn;
      conn = undefined;
      if (c) await (await c.catch(() => undefined))?.end().catch(() => undefined);
    },
  };
  return adapter;
}
