// The PostgreSQL source: slot + publication, exported-snapshot chunked COPY, pgoutput stream.
import pg from 'pg';
import type { TaskPlan } from '../../config/plan';
import { PermanentSourceError, UserError } from '../../errors';
import type { Transaction } from '../../pipeline/events';
import { formatLsn, formatPosition, lsn, parseLsn, type Position } from '../../positions';
import type { Chunk, SchemaHistoryStore, SnapshotSession, SourceAdapter, StreamHandle } from '../adapter';
import { StoredHistory } from '../shapehistory';
import { candidateDatabases, selectTables } from '../select';
import { describeSelection } from '../selection';
import { appendPublicationName, keylessRule } from '../keyless';
import { tableKey, type SourceTable, type TableId } from '../types';
import { describePostgresTable, describePostgresTables, describeRelation, listPostgresTables } from './metadata';
import type { RelationColumn } from './pgoutput';
import { connect, ident, literal, qualified } from './session';
import { checkSlot, createSlot, type SlotInfo, createSlotExportingSnapshot, dropSlot, ensurePublication, explainCreateError, pluginOf, readSlot, refuseRowlessTables } from './slot';
import { DecoderbufsTranslator } from './decoderbufs';
import { ddlKnowledge } from './ddltrigger';
import { PgSnapshotSession } from './snapshot';
import { MESSAGE_PREFIX, PgOutputStream, type ResolvedRelation } from './stream';
import { TypeResolver } from './typeinfo';
import { columnKind, toCanonical } from './values';
import { WalStream } from './walstream';

export interface PostgresSourceOptions {
  /** Emit a heartbeat message after this long without any message from the stream, ms (default 10 s). */
  heartbeatMs?: number;
  /** Unsolicited standby status update interval, ms (default 10 s; wal_sender_timeout is 60 s by default). */
  statusIntervalMs?: number;
}

export interface PostgresSource extends SourceAdapter {
  /** `lakesync reset --drop-slot`: drops the slot and the publication (refused while the slot is in use). */
  dropReplicationState(): Promise<void>;
  checkHealth(): Promise<string[]>;
}

export function createPostgresSource(plan: TaskPlan, options: PostgresSourceOptions = {}): PostgresSource {
  return new PgSource(plan, options);
}

interface ActiveStream { stream: PgOutputStream; wal: WalStream; pid: number; stop(): Promise<void> }

class PgSource implements PostgresSource {
  private controlClient: Promise<pg.Client> | undefined;
  private readonly types = new TypeResolver(() => this.control());
  private active: ActiveStream | undefined;
  private confirmed = 0n;
  private store: SchemaHistoryStore | undefined;

  constructor(readonly plan: TaskPlan, private readonly options: PostgresSourceOptions) {}

  async discover(): Promise<SourceTable[]> {
    const c = await this.catalog();
    const available = await listPostgresTables(c, candidateDatabases(this.plan));
    return describeSelection(this.plan, available, async (ids) => (await describePostgresTables(c, ids)).map((t) => this.arrayForm(t)));
  }

  async describe(table: TableId): Promise<SourceTable | undefined> {
    const t = await describePostgresTable(await this.catalog(), table);
    return t && this.arrayForm(t);
  }

  /** Marks array columns as kept in text form when the task says `source.arrays: text` (type map and readers follow the mark). */
  private arrayForm(table: SourceTable): SourceTable {
    const text = this.plan.source.arrays === 'text';
    if (!table.columns.some((c) => c.isArray && !!c.arrayText !== text)) return table;
    return { ...table, columns: table.columns.map((c) => (!c.isArray ? c : text ? { ...c, arrayText: true } : (({ arrayText: _, ...rest }) => rest)(c))) };
  }

  async openSnapshot(tables: SourceTable[], concurrency: number, resume?: Position): Promise<SnapshotSession> {
    const c = await this.control();
    await this.publish(c, tables);
    // Our own stream may hold the slot (a resync while streaming); a stream just stopped may
    // still hold it for a moment.
    const slot = this.active ? await readSlot(c, this.plan.source.slot) : await this.waitInactive(c);
    if (resume) {
      if (resume.kind !== 'lsn') throw new Error(`a PostgreSQL snapshot resumes from an LSN, not ${formatPosition(resume)}`);
      if (!slot) throw this.slotGone();
      checkSlot(this.plan, slot, this.ownPids());
      // The slot exists, so no snapshot can be exported: see snapshot.ts for why a fresh one converges.
      return new PgSnapshotSession(this.plan, concurrency, this.types, resume);
    }
    if (slot) {
      // A fresh full sync: whatever the old slot held is superseded by the snapshot. It is replaced
      // (unless another connection uses it) so that its snapshot can be exported.
      if (slot.active) checkSlot(this.plan, slot, []);
      await c.query('SELECT pg_drop_replication_slot($1)', [this.plan.source.slot]);
    }
    const exported = await createSlotExportingSnapshot(this.plan);
    return new PgSnapshotSession(this.plan, concurrency, this.types, lsn(exported.consistentPoint), exported);
  }

  async planChunks(table: SourceTable, chunkSize: number, where?: string): Promise<Chunk[]> {
    // a session without an exported snapshot plans on a plain connection: no slot is touched
    const session = new PgSnapshotSession(this.plan, 1, this.types, lsn(0n));
    try { return await session.planChunks(table, chunkSize, where); } finally { await session.close(); }
  }

  /**
   * Where the source is now: the LSN of a logical message emitted for the purpose. Everything
   * committed before the call has a commit LSN below it, and the stream passes it even when no
   * table of the task changes (the message itself arrives and becomes a checkpointable position),
   * so `--until-caught-up` always gets there. Creates the slot when missing (start "from now").
   */
  async currentPosition(): Promise<Position> {
    const c = await this.control();
    const slot = await readSlot(c, this.plan.source.slot);
    if (!slot) await this.createSlotNoSnapshot(c);
    const res = await c.query<{ lsn: string }>(
      'SELECT pg_logical_emit_message(false, $1, $2)::text AS lsn', [MESSAGE_PREFIX, 'position']);
    return lsn(parseLsn(res.rows[0].lsn));
  }

  async resolveStart(requested: Position): Promise<Position> {
    if (requested.kind === 'time') {
      throw new UserError(
        `PostgreSQL cannot start from a point in time (${formatPosition(requested)}): a logical slot only streams from its own ` +
        `confirmed position onward. Start from an LSN (--position lsn:X/Y), or run a full sync.`);
    }
    if (requested.kind !== 'lsn') {
      throw new UserError(`${formatPosition(requested)} is a MySQL position; a PostgreSQL task starts from lsn:X/Y.`);
    }
    const c = await this.control();
    const slot = await readSlot(c, this.plan.source.slot);
    let earliest: bigint;
    if (slot) {
      checkSlot(this.plan, slot, this.ownPids());
      earliest = slot.confirmedFlush ?? 0n;
    } else {
      earliest = await this.createSlotNoSnapshot(c);
    }
    if (requested.lsn < earliest) {
      throw new UserError(
        `lsn:${formatLsn(requested.lsn)} is before what replication slot "${this.plan.source.slot}" can still stream ` +
        `(lsn:${formatLsn(earliest)}): PostgreSQL keeps no decodable changes before a slot's confirmed position. ` +
        `Start at lsn:${formatLsn(earliest)} or later, or run a full sync.`);
    }
    return requested;
  }

  /**
   * The shapes (with attnums, types and typmods) the tables had at `position` by the schema
   * history the runner commits with each schema change: a resumed stream compares the Relation
   * messages it meets again with these, not with today's catalog, so a rename before a crash is
   * still told from a drop and an add.
   */
  async shapesAt(position: Position, tables: SourceTable[]): Promise<SourceTable[]> {
    if (!this.store || position.kind !== 'lsn') return tables;
    return (await new StoredHistory(this.store).shapesAt(position, tables, false)).map((t) => this.arrayForm(t));
  }

  attachState(store: SchemaHistoryStore): void {
    this.store = store;
  }

  async stream(from: Position, tables: SourceTable[], onTransaction: (tx: Transaction) => Promise<void> | void): Promise<StreamHandle> {
    if (from.kind !== 'lsn') throw new UserError(`a PostgreSQL stream starts from lsn:X/Y, not ${formatPosition(from)}`);
    if (this.active) throw new Error('the PostgreSQL stream is already running');
    // the shapes the stream starts with, for a table with no history yet (its first stream)
    if (this.store) await new StoredHistory(this.store).shapesAt(from, tables, true);
    const c = await this.control();
    await this.publish(c, tables);
    const slot = await this.waitInactive(c);
    if (!slot) throw this.slotGone();
    checkSlot(this.plan, slot, []);
    const replication = await connect(this.plan, { replication: true, appName: `lakesync:${this.plan.name}:stream` });
    const pid = (replication as unknown as { processID: number }).processID;
    const wal = new WalStream(replication);
    const taskTables = new Map(tables.map((t) => [tableKey(t.id), t]));
    let lastActivity = Date.now();
    let lastReceived = Date.now(); // bytes from the server (the heartbeat timer resets lastActivity too)
    const decoderbufs = pluginOf(this.plan) === 'decoderbufs';
    const heartbeatMs = this.options.heartbeatMs ?? 10_000;
    const translator = decoderbufs ? new DecoderbufsTranslator() : undefined;
    const stream = new PgOutputStream(wal, this.types, {
      ...(translator ? { decode: (walStart: bigint, data: Buffer) => translator.translate(walStart, data), keepaliveCheckpointMs: Math.min(heartbeatMs, 1000) } : {}),
      maxTransactionChanges: Math.max(1, this.plan.parameters.maxTransactionChanges),
      statusIntervalMs: this.options.statusIntervalMs ?? 10_000,
      resolveTable: (relationId, id, columns, statements) => this.resolveStreamTable(taskTables, relationId, id, columns, statements),
      onTransaction,
      onActivity: () => { lastActivity = lastReceived = Date.now(); },
    }, this.confirmed > from.lsn ? this.confirmed : from.lsn);
    stream.setInitialTables(tables);

    let stopping = false;
    let settle!: { resolve: () => void; reject: (e: Error) => void };
    const done = new Promise<void>((resolve, reject) => { settle = { resolve, reject }; });
    done.catch(() => undefined); // observed by the runner; never an unhandled rejection here

    const heartbeat = setInterval(() => {
      if (Date.now() - lastActivity < heartbeatMs) return;
      lastActivity = Date.now();
      // decoderbufs carries no logical messages: a keepalive asked for gives the position instead
      if (decoderbufs) { stream.requestKeepalive(); return; }
      // A quiet database: a logical message gives the stream a position to confirm, so the slot
      // advances and retained WAL stays small even while other databases write.
      void this.control().then((q) => q.query('SELECT pg_logical_emit_message(false, $1, $2)', [MESSAGE_PREFIX, 'heartbeat']))
        .catch(() => { this.controlClient = undefined; });
    }, Math.max(200, Math.min(heartbeatMs, 5_000)));
    heartbeat.unref();

    const finish = async (err?: Error): Promise<void> => {
      clearInterval(heartbeat);
      stream.stop();
      if (this.active?.stream === stream) this.active = undefined;
      await wal.close();
      if (err && !stopping) settle.reject(err); else settle.resolve();
    };

    const command = `START_REPLICATION SLOT ${ident(this.plan.source.slot)} LOGICAL ${formatLsn(from.lsn)}` +
      (decoderbufs ? '' : ` (proto_version '1', publication_names ${literal(publicationNames(this.plan))}, messages 'true')`);
    stream.start((err) => { void finish(err); });
    wal.start(command, {
      data: (chunk) => stream.onData(chunk),
      end: (err) => { void finish(err ? this.explainStreamError(err) : new Error('PostgreSQL ended the replication stream')); },
    });

    const active: ActiveStream = {
      stream, wal, pid,
      stop: async () => { stopping = true; await finish(); },
    };
    this.active = active;
    return { stop: () => active.stop(), done, lastReceivedAt: () => lastReceived };
  }

  /** The walsender's read position: it moves while a large transaction is decoded, before any byte of it is sent. */
  async readerPosition(): Promise<Position | undefined> {
    const pid = this.active?.pid;
    if (!pid) return undefined;
    const res = await (await this.control()).query<{ sent: string | null }>('SELECT sent_lsn::text AS sent FROM pg_stat_replication WHERE pid = $1', [pid]);
    const sent = res.rows[0]?.sent;
    return sent ? lsn(parseLsn(sent)) : undefined;
  }

  async confirm(position: Position): Promise<void> {
    if (position.kind !== 'lsn') return;
    if (position.lsn > this.confirmed) this.confirmed = position.lsn;
    this.active?.stream.confirm(position.lsn);
  }

  async checkHealth(): Promise<string[]> {
    const c = await this.control();
    const res = await c.query<{ wal_status: string | null; retained: string | null; safe: string | null; keep: string }>(
      `SELECT wal_status, (pg_current_wal_lsn() - restart_lsn)::bigint::text AS retained, safe_wal_size::text AS safe,
              current_setting('max_slot_wal_keep_size') AS keep
         FROM pg_replication_slots WHERE slot_name = $1`, [this.plan.source.slot]);
    return slotWarnings(this.plan, res.rows[0]);
  }

  async dropReplicationState(): Promise<void> {
    const c = await this.control();
    await dropSlot(c, this.plan);
    await c.query(`DROP PUBLICATION IF EXISTS ${ident(this.plan.source.publication)}`);
    await c.query(`DROP PUBLICATION IF EXISTS ${ident(appendPublicationName(this.plan.source.publication))}`);
  }

  async close(): Promise<void> {
    await this.active?.stop();
    const c = this.controlClient;
    this.controlClient = undefined;
    if (c) await c.then((x) => x.end(), () => undefined).catch(() => undefined);
  }

  /** A normal connection for catalog queries and heartbeats, reopened after a failure. */
  private control(): Promise<pg.Client> {
    if (!this.controlClient) {
      const p = connect(this.plan, { appName: `lakesync:${this.plan.name}` });
      p.then((c) => c.on('end', () => { if (this.controlClient === p) this.controlClient = undefined; }), () => { this.controlClient = undefined; });
      this.controlClient = p;
    }
    return this.controlClient;
  }

  /**
   * Brings the publication in line with every table of the task. `tables` may be a subset (a
   * resync of one table, a new table): the publication must still cover all the others, so the
   * task's current table set is discovered and joined with them.
   */
  private async publish(c: pg.Client, tables: SourceTable[]): Promise<void> {
    const all = new Map((await this.discover()).map((t) => [tableKey(t.id), t]));
    // a table dropped since the runner last looked is left out (the runner applies rules.dropTable)
    for (const t of tables) if (!all.has(tableKey(t.id)) && (await this.describe(t.id))) all.set(tableKey(t.id), t);
    // decoderbufs decodes every table of the database: no publication, only the identity check
    if (pluginOf(this.plan) === 'decoderbufs') await refuseRowlessTables(c, this.plan, [...all.values()]);
    else await ensurePublication(c, this.plan, [...all.values()]);
  }

  /** The control connection with pg's usual value parsing, which the metadata queries expect. */
  private async catalog(): Promise<Pick<pg.Client, 'query'>> {
    const c = await this.control();
    return { query: ((text: string, values?: unknown[]) => c.query({ text, values, types: pg.types })) as pg.Client['query'] };
  }

  /**
   * The slot, once no connection holds it, or still active after a few seconds. A connection
   * that just failed (ours after a network error, or one ended by pg_terminate_backend) leaves
   * its walsender holding the slot for a moment; only a slot that stays busy is refused.
   */
  private async waitInactive(c: pg.Client): Promise<SlotInfo | undefined> {
    const until = Date.now() + 5_000;
    for (;;) {
      const slot = await readSlot(c, this.plan.source.slot);
      if (!slot?.active || Date.now() > until) return slot;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private ownPids(): number[] { return this.active ? [this.active.pid] : []; }

  /**
   * Creates the slot without a snapshot (start "from now" or from an LSN). The publication must
   * exist first: pgoutput reads publications as of each change, so changes logged before the
   * publication was created would fail the stream with "publication does not exist".
   */
  private async createSlotNoSnapshot(c: pg.Client): Promise<bigint> {
    await this.publish(c, []);
    try {
      return await createSlot(c, this.plan.source.slot, pluginOf(this.plan));
    } catch (err) {
      throw explainCreateError(this.plan, err);
    }
  }

  /**
   * The task table a relation of the stream feeds. Tables of the task map to themselves unless
   * their columns changed (then they are described again); in database-mirror a new table of a
   * task schema is picked up when rules.newTables is sync.
   */
  private async resolveStreamTable(taskTables: Map<string, SourceTable>, relationId: number, id: TableId, columns: RelationColumn[],
    statements: string[] = []): Promise<ResolvedRelation | undefined> {
    let key = tableKey(id);
    let known = taskTables.get(key);
    if (!known && pluginOf(this.plan) === 'decoderbufs') {
      // decoderbufs names the partition a row is in; the task knows the partitioned table
      const root = await this.partitionRoot(id);
      if (root && taskTables.has(tableKey(root))) { id = root; key = tableKey(root); known = taskTables.get(key); }
    }
    // decoderbufs' old tuples carry no type modifiers (-2): those compare by name and type only
    if (known && columns.some((c) => c.typeMod === -2)) {
      const byName = new Map(known.columns.map((c) => [c.name, c]));
      columns = columns.map((c) => (c.typeMod === -2 ? { ...c, typeMod: byName.get(c.name)?.typeMod ?? -1 } : c));
    }
    // pgoutput never sends generated columns (before PostgreSQL 18): they are not a change of shape.
    // A change of shape is a column added, dropped, renamed or retyped (type or typmod).
    const sent = (t: SourceTable) => t.columns.filter((c) => !c.generated).map((c) => `${c.name}:${c.typeOid ?? '?'}:${c.typeMod ?? -1}`).join('\u0000');
    if (known && sent(known) === columns.map((c) => `${c.name}:${c.typeOid}:${c.typeMod}`).join('\u0000')) return { table: known, renames: [] };
    if (known) {
      // decoderbufs' relation ids are its own numbering: the catalog's oid is looked up by name
      if (pluginOf(this.plan) === 'decoderbufs') relationId = await this.relationOid(id);
      // the Relation message is the authority for the shape of the changes after it
      const r = await describeRelation(await this.control(), relationId, id,
        columns.map((c) => ({ name: c.name, typeOid: c.typeOid, typeMod: c.typeMod, isKey: c.isKey })), known, ddlKnowledge(statements));
      const table = this.arrayForm(r.table);
      // an added column's fill value in the canonical text its rows are read in
      const filled = table.columns.filter((c) => c.fill !== undefined);
      await this.types.load(filled.map((c) => c.typeOid!));
      for (const c of filled) c.fill = toCanonical(columnKind(this.types.kindOf(c.typeOid), c), c.fill!);
      taskTables.set(key, table);
      return { ...r, table };
    }
    if (this.plan.rules.newTables !== 'sync') return undefined;
    const selected = selectTables(this.plan, [id]).groups.some((g) => g.sources.some((s) => tableKey(s) === key));
    if (!selected) return undefined;
    // a new table: described by the catalog (rows follow its column order; relation columns by name)
    const described = await this.describe(id);
    if (!described) return undefined;
    taskTables.set(key, described);
    return { table: described, renames: [] };
  }

  private async relationOid(id: TableId): Promise<number> {
    const res = await (await this.control()).query<{ oid: string | null }>('SELECT to_regclass($1)::oid::text AS oid', [qualified(id)]);
    return Number(res.rows[0]?.oid ?? 0);
  }

  /** The partitioned table a partition belongs to (undefined: not a partition). */
  private async partitionRoot(id: TableId): Promise<TableId | undefined> {
    const res = await (await this.control()).query<{ db: string; table: string }>(
      `SELECT n.nspname AS db, c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = pg_partition_root(to_regclass($1)) AND c.oid <> to_regclass($1)`, [qualified(id)]);
    return res.rows[0];
  }

  private slotGone(): UserError {
    return new PermanentSourceError(
      `Replication slot "${this.plan.source.slot}" does not exist any more, so the changes since the last checkpoint cannot be read. ` +
      `Run \`lakesync reset ${this.plan.file} --drop-slot\`, then \`lakesync run ${this.plan.file}\` for a full sync.`);
  }

  private explainStreamError(err: Error): Error {
    const msg = err.message;
    const active = /replication slot "(.*)" is active for PID (\d+)/.exec(msg);
    if (active) {
      // retried by the runner: right after a crash the old walsender may hold the slot a few seconds
      return new UserError(
        `Replication slot "${active[1]}" is in use by another connection (pid ${active[2]}): two tasks must never share a slot. ` +
        `Stop the other task, or give this task its own source.slot in ${this.plan.file}.`);
    }
    if (/publication ".*" does not exist/.test(msg)) {
      // pgoutput reads publications as of each change: one created after the changes it should
      // cover cannot be used for them, so recreating it does not help.
      return new PermanentSourceError(
        `The publication "${this.plan.source.publication}" did not exist when the changes still to be read were made (${msg}). ` +
        `Run \`lakesync reset ${this.plan.file} --drop-slot\`, then \`lakesync run ${this.plan.file}\` for a full sync.`);
    }
    if (/can no longer get changes from replication slot|has been invalidated|This slot has been invalidated/.test(msg)) {
      return new PermanentSourceError(
        `Replication slot "${this.plan.source.slot}" was invalidated by PostgreSQL (${msg}). ` +
        `Run \`lakesync reset ${this.plan.file} --drop-slot\`, then \`lakesync run ${this.plan.file}\` for a full sync.`);
    }
    return err;
  }
}

const MB = 1024 * 1024;
/** Retained WAL above this is worth a warning even without max_slot_wal_keep_size. */
export const RETAINED_WAL_WARNING = 1024 * MB;

/** What a person should hear about the slot's WAL: invalidated, about to be, or retaining a lot. */
export function slotWarnings(
  plan: TaskPlan,
  slot: { wal_status: string | null; retained: string | null; safe: string | null; keep: string } | undefined,
): string[] {
  const name = plan.source.slot;
  if (!slot) return [];
  const fix = `run \`lakesync reset ${plan.file} --drop-slot\`, then \`lakesync run ${plan.file}\` for a full sync`;
  if (slot.wal_status === 'lost') return [`replication slot "${name}" was invalidated (wal_status lost): the changes since the checkpoint are gone; ${fix}`];
  const retained = Number(slot.retained ?? 0);
  const size = `${Math.round(retained / MB)} MB`;
  if (slot.wal_status === 'unreserved') {
    return [`replication slot "${name}" retains ${size} of WAL, past max_slot_wal_keep_size (${slot.keep}): PostgreSQL will invalidate it at its next checkpoint unless the task catches up`];
  }
  const safe = slot.safe === null ? null : Number(slot.safe);
  if (safe !== null && safe < (retained + safe) * 0.2) {
    return [`replication slot "${name}" retains ${size} of WAL, near max_slot_wal_keep_size (${slot.keep}; ${Math.round(safe / MB)} MB left before PostgreSQL invalidates it)`];
  }
  if (retained > RETAINED_WAL_WARNING) {
    return [`replication slot "${name}" retains ${size} of WAL on the source: the task is behind or stopped; WAL is kept until it catches up`];
  }
  return [];
}

/** The stream's publications: the task's, and its insert-only one under rules.keylessTables: append. */
function publicationNames(plan: TaskPlan): string {
  const names = [plan.source.publication, ...(keylessRule(plan) === 'append' ? [appendPublicationName(plan.source.publication)] : [])];
  return names.map(ident).join(',');
}
