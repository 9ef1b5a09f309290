// Assembles pgoutput messages into the engine's Transactions, with backpressure, bounded memory
// (large transactions are handed over in parts), keepalive replies and confirmation discipline.
//
// Confirmation rule: the flush position we report to PostgreSQL is only ever a position the
// runner confirmed after its target commit (confirm()), or a keepalive position reached while
// nothing is unapplied: no transaction open, nothing queued, and every transaction handed over
// already confirmed. In that state every change before the keepalive's position has been applied,
// so confirming it loses nothing and lets the slot advance on a quiet database.
import type { Change, Row, Transaction } from '../../pipeline/events';
import { lsn } from '../../positions';
import { tableKey, type SourceTable, type TableId } from '../types';
import { decodePgOutput, decodeWalMessage, type PgOutputMessage, type RelationColumn, type TupleValue } from './pgoutput';
import { DDL_MESSAGE_PREFIX, parseDdlMessage } from './ddltrigger';
import type { TypeResolver } from './typeinfo';
import { columnKind, toCanonical, type ValueKind } from './values';
import type { WalStream } from './walstream';

/** Prefix of LakeSync's own logical messages (heartbeats and catch-up marks). */
export const MESSAGE_PREFIX = 'lakesync';

export interface StreamOptions {
  /** Changes buffered in one transaction before a part is handed over (plan.parameters.maxTransactionChanges). */
  maxTransactionChanges: number;
  /** Interval of unsolicited standby status updates, ms. */
  statusIntervalMs: number;
  /**
   * The task table a Relation message describes, in the shape the message gives it (with the
   * columns it renamed); undefined: not a table of the task.
   */
  resolveTable(relationId: number, id: TableId, columns: RelationColumn[], statements: string[]): Promise<ResolvedRelation | undefined>;
  onTransaction(tx: Transaction): Promise<void> | void;
  /** Called for every message that arrives (heartbeat scheduling). */
  onActivity?(): void;
  /**
   * The output plugin's decoder (default pgoutput): one payload, written at `walStart`, to
   * pgoutput messages (decoderbufs.ts translates its rows into them).
   */
  decode?(walStart: bigint, data: Buffer): PgOutputMessage[];
  /**
   * Keepalives while idle become checkpoints (decoderbufs, which carries no logical messages):
   * every transaction committed before a keepalive's position was sent before it. The value is
   * the least time between two such checkpoints, ms (each costs a target commit).
   */
  keepaliveCheckpointMs?: number;
}

export interface ResolvedRelation { table: SourceTable; renames: { from: string; to: string }[] }

interface RelationState {
  table?: SourceTable;
  /** Columns the pending schema change renamed. */
  renames?: { from: string; to: string }[];
  /** For each column of `table`, its index in the relation's tuples (-1: not sent). */
  map: number[];
  kinds: ValueKind[];
  /** A changed column set not yet announced to the runner. */
  schemaPending: boolean;
  /** `map` is the identity: a tuple becomes the row, these columns' values converted (the others are text). */
  inPlace?: number[];
}

interface OpenTx { changes: Change[]; finalLsn: bigint; commitTime: number; parts: number }

const QUEUE_HIGH_WATER = 2000;

export class PgOutputStream {
  private readonly relations = new Map<number, RelationState>();
  private readonly queue: Buffer[] = [];
  private pumping = false;
  private paused = false;
  private tx: OpenTx | undefined;
  private lastHandedOver = 0n;
  private lastKeepaliveCheckpoint = 0;
  private confirmed: bigint;
  private timer: NodeJS.Timeout | undefined;
  private failed: ((err: Error) => void) | undefined;
  private readonly knownTables = new Map<string, SourceTable>();
  /** DDL statements of LakeSync's event trigger (ddltrigger.ts) by table oid, until that table's next Relation message. */
  private readonly ddl = new Map<number, string[]>();

  constructor(
    private readonly wal: WalStream,
    private readonly types: TypeResolver,
    private readonly opts: StreamOptions,
    startConfirmed: bigint,
  ) {
    this.confirmed = startConfirmed;
    this.lastHandedOver = startConfirmed;
  }

  /** Wires the WAL stream; `fail` ends the stream with an error (decoding or handler failure). */
  start(fail: (err: Error) => void): void {
    this.failed = fail;
    this.timer = setInterval(() => this.sendStatus(), this.opts.statusIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sendStatus();
  }

  /** The runner committed everything up to `position`. */
  confirm(position: bigint): void {
    if (position <= this.confirmed) return;
    this.confirmed = position;
    this.sendStatus();
  }

  /** CopyData from the replication connection. */
  onData(chunk: Buffer): void {
    this.opts.onActivity?.();
    this.queue.push(chunk);
    if (this.queue.length > QUEUE_HIGH_WATER && !this.paused) { this.paused = true; this.wal.pause(); }
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const chunk = this.queue.shift() as Buffer;
        const pending = this.handle(chunk);
        if (pending) {
          // Backpressure: stop reading the socket while the runner works on a transaction.
          if (!this.paused) { this.paused = true; this.wal.pause(); }
          await pending;
        }
      }
    } catch (err) {
      this.failed?.(err instanceof Error ? err : new Error(String(err)));
      return;
    } finally {
      this.pumping = false;
    }
    if (this.paused) { this.paused = false; this.wal.resume(); }
  }

  private handle(chunk: Buffer): Promise<void> | undefined {
    const m = decodeWalMessage(chunk);
    if (m.type === 'keepalive') {
      const every = this.opts.keepaliveCheckpointMs;
      if (every !== undefined && this.idle() && m.walEnd > this.lastHandedOver && Date.now() - this.lastKeepaliveCheckpoint >= every) {
        this.lastKeepaliveCheckpoint = Date.now();
        if (m.replyRequested) this.sendStatus();
        return this.handOver({ changes: [], position: lsn(m.walEnd), commitTime: Date.now() }, m.walEnd);
      }
      if (this.idle() && m.walEnd > this.confirmed) this.confirmed = m.walEnd;
      if (m.replyRequested) this.sendStatus();
      return undefined;
    }
    if (!this.opts.decode) return this.handleMessage(decodePgOutput(m.data));
    return this.handleAll(this.opts.decode(m.walStart, m.data));
  }

  /** Several messages of one payload, in order (a Relation message waits before its change). */
  private handleAll(msgs: PgOutputMessage[]): Promise<void> | undefined {
    for (let i = 0; i < msgs.length; i++) {
      const pending = this.handleMessage(msgs[i]);
      if (pending) {
        const rest = msgs.slice(i + 1);
        return pending.then(() => this.handleAll(rest));
      }
    }
    return undefined;
  }

  /** Asks the server for a keepalive now (decoderbufs' heartbeat: its position is a checkpoint when idle). */
  requestKeepalive(): void {
    this.wal.sendStatus(this.confirmed, this.confirmed, true);
  }

  /** Nothing received is unapplied: the only state in which a keepalive position may be confirmed. */
  private idle(): boolean {
    return !this.tx && this.queue.length === 0 && this.lastHandedOver <= this.confirmed;
  }

  private handleMessage(msg: PgOutputMessage): Promise<void> | undefined {
    switch (msg.tag) {
      case 'begin':
        this.tx = { changes: [], finalLsn: msg.finalLsn, commitTime: msg.commitTime, parts: 0 };
        return undefined;
      case 'commit': {
        const tx = this.tx;
        this.tx = undefined;
        if (!tx || (tx.changes.length === 0 && tx.parts === 0)) return undefined;
        return this.handOver({ changes: tx.changes, position: lsn(msg.endLsn), commitTime: msg.commitTime }, msg.endLsn);
      }
      case 'relation': return this.onRelation(msg.relationId, msg.schema, msg.name, msg.columns);
      case 'insert': return this.add(msg.relationId, (rel) => ({ kind: 'insert', table: rel.table!.id, after: this.row(rel, msg.newTuple) }));
      case 'update': return this.add(msg.relationId, (rel) => {
        // REPLICA IDENTITY FULL sends the old row whole: an unchanged TOAST value is taken from it.
        const whole = msg.oldKind === 'O' || rel.table!.replicaIdentity === 'f';
        const newTuple = whole && msg.oldTuple
          ? msg.newTuple.map((v, i) => (v === undefined ? msg.oldTuple![i] : v)) : msg.newTuple;
        const after = this.row(rel, newTuple);
        // Without an old tuple the key did not change (REPLICA IDENTITY DEFAULT): before = after's key.
        const before = msg.oldTuple ? this.row(rel, msg.oldTuple) : undefined;
        return { kind: 'update', table: rel.table!.id, after, ...(before ? { before } : {}) };
      });
      case 'delete': return this.add(msg.relationId, (rel) => ({ kind: 'delete', table: rel.table!.id, before: this.row(rel, msg.oldTuple) }));
      case 'truncate': {
        const changes: Change[] = [];
        for (const id of msg.relationIds) {
          const rel = this.relations.get(id);
          if (rel?.table) changes.push({ kind: 'truncate', table: rel.table.id });
        }
        return this.push(changes);
      }
      case 'message':
        if (msg.prefix === DDL_MESSAGE_PREFIX && msg.transactional) {
          const ddl = parseDdlMessage(msg.content);
          for (const oid of ddl?.objids ?? []) this.ddl.set(oid, [...(this.ddl.get(oid) ?? []), ddl!.query]);
          return undefined;
        }
        if (msg.prefix === MESSAGE_PREFIX && !msg.transactional && !this.tx) {
          // A heartbeat or catch-up mark: everything committed before it has been handed over, so
          // its position is a valid checkpoint even when no table of the task changed.
          if (msg.lsn <= this.lastHandedOver) return undefined;
          return this.handOver({ changes: [], position: lsn(msg.lsn), commitTime: Date.now() }, msg.lsn);
        }
        return undefined;
      case 'origin':
      case 'type':
        return undefined;
    }
  }

  private async onRelation(relationId: number, schema: string, name: string, columns: RelationColumn[]): Promise<void> {
    const id = { db: schema, table: name };
    const statements = this.ddl.get(relationId) ?? [];
    this.ddl.delete(relationId);
    const resolved = await this.opts.resolveTable(relationId, id, columns, statements);
    const table = resolved?.table;
    if (!table) { this.relations.set(relationId, { map: [], kinds: [], schemaPending: false }); return; }
    await this.types.load(columns.map((c) => c.typeOid));
    const byName = new Map(columns.map((c, i) => [c.name, i]));
    const map = table.columns.map((c) => byName.get(c.name) ?? -1);
    const kinds = table.columns.map((c) => {
      const i = byName.get(c.name);
      return columnKind(this.types.kindOf(i === undefined ? c.typeOid : columns[i].typeOid), c);
    });
    const key = tableKey(id);
    const known = this.knownTables.get(key);
    const names = (t: SourceTable): string => t.columns.map((c) => `${c.name}:${c.typeOid ?? '?'}:${c.typeMod ?? -1}`).join('\u0000');
    // Announce a table the runner does not know yet, or whose columns changed (ALTER TABLE: names, types, typmods).
    const changed = !known || names(known) !== names(table);
    const pending = this.relations.get(relationId);
    // renames of a change not yet announced (no row in between) add up
    const renames = [...(pending?.schemaPending ? pending.renames ?? [] : []), ...(resolved?.renames ?? [])];
    this.knownTables.set(key, table);
    const inPlace = map.length === columns.length && map.every((j, i) => j === i)
      ? kinds.flatMap((k, i) => (k.kind === 'text' ? [] : [i])) : undefined;
    this.relations.set(relationId, { table, map, kinds, inPlace, schemaPending: changed || !!pending?.schemaPending, ...(renames.length ? { renames } : {}) });
  }

  /** Tables the stream was started with: the runner knows their columns. */
  setInitialTables(tables: SourceTable[]): void {
    for (const t of tables) this.knownTables.set(tableKey(t.id), t);
  }

  private row(rel: RelationState, tuple: TupleValue[]): Row {
    // same columns in the same order: the tuple (a fresh array) becomes the row, values converted in place
    const convert = rel.inPlace;
    if (convert && tuple.length === rel.map.length) {
      for (let k = 0; k < convert.length; k++) {
        const i = convert[k];
        const v = tuple[i];
        if (v !== null && v !== undefined) tuple[i] = toCanonical(rel.kinds[i], v);
      }
      return tuple;
    }
    const out: Row = new Array(rel.map.length);
    for (let i = 0; i < rel.map.length; i++) {
      const j = rel.map[i];
      const v = j < 0 ? undefined : tuple[j];
      out[i] = v === null || v === undefined ? v : toCanonical(rel.kinds[i], v);
    }
    return out;
  }

  private add(relationId: number, make: (rel: RelationState) => Change): Promise<void> | undefined {
    const rel = this.relations.get(relationId);
    if (!rel) throw new Error(`pgoutput: change for relation ${relationId} before its Relation message`);
    if (!rel.table) return undefined;
    const changes: Change[] = [];
    if (rel.schemaPending) {
      rel.schemaPending = false;
      changes.push({ kind: 'schema', table: rel.table.id, ddl: `-- columns now: ${rel.table.columns.map((c) => c.name).join(', ')}`,
        shape: rel.table, ...(rel.renames?.length ? { renames: rel.renames } : {}) });
      rel.renames = undefined;
    }
    changes.push(make(rel));
    return this.push(changes);
  }

  private push(changes: Change[]): Promise<void> | undefined {
    const tx = this.tx;
    if (!tx || changes.length === 0) return undefined;
    for (const c of changes) tx.changes.push(c);
    if (tx.changes.length < this.opts.maxTransactionChanges) return undefined;
    // Bounded memory: hand a part over now; the runner never checkpoints at a partial position.
    // decoderbufs does not tell the commit LSN before COMMIT: its parts carry the last position
    // handed over, which the transaction ends after (as MySQL's parts carry the previous end)
    const at = tx.finalLsn > 0n ? tx.finalLsn : this.lastHandedOver;
    const part: Transaction = { changes: tx.changes, position: lsn(at), commitTime: tx.commitTime, partial: true };
    tx.changes = [];
    tx.parts++;
    return Promise.resolve(this.opts.onTransaction(part));
  }

  private async handOver(tx: Transaction, position: bigint): Promise<void> {
    if (position > this.lastHandedOver) this.lastHandedOver = position;
    await this.opts.onTransaction(tx);
  }

  /** write = flush = the confirmed position: nothing merely received is ever reported. */
  private sendStatus(): void {
    this.wal.sendStatus(this.confirmed, this.confirmed);
  }
}
