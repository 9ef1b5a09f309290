// Transaction assembly of a binlog stream: positions and GTID state, the changes of the open
// transaction, parts of very large transactions, and progress points for transactions that touch
// no task table. It knows nothing of zongji or of table shapes.
import { GtidSet, MariadbGtidPosition } from '@vlasky/zongji';
import type { BinlogPosition, GtidPosition } from '../../positions';
import type { Change, Transaction } from '../../pipeline/events';

export class TransactionAssembler {
  private file: string;
  private mariadbGtids: MariadbGtidPosition | undefined;
  private mysqlGtids: GtidSet | undefined;
  private pendingMariadb: { domainId: number; serverId: number; seqNo: number | string } | undefined;
  private pendingMysql: string | undefined;
  /** The last transaction end: where a partial part or an idle progress point may resume. */
  safe: BinlogPosition | GtidPosition;
  private changes: Change[] = [];
  /** A transaction is open (BEGIN or a GTID seen, not yet committed). */
  inTx = false;
  /** The open transaction had an event of a task table. */
  private touched = false;
  private partsSent = 0;
  private lastProgress = Date.now();
  private unsentProgress = false;

  constructor(
    private readonly from: BinlogPosition | GtidPosition,
    private readonly maxTransactionChanges: number,
    private readonly idleProgressMs: number,
    private readonly deliver: (tx: Transaction) => Promise<void> | void,
  ) {
    this.file = from.kind === 'binlog' ? from.file : '';
    this.safe = from;
    const seed = from.kind === 'gtid' ? from.set : from.gtid;
    if (seed !== undefined) {
      if (seed.includes(':')) this.mysqlGtids = GtidSet.parse(seed); else this.mariadbGtids = MariadbGtidPosition.parse(seed);
    }
  }

  // ---- positions ----
  private gtidText(fallback?: string): string | undefined {
    return this.mariadbGtids?.toString() ?? this.mysqlGtids?.toString() ?? fallback;
  }

  private foldGtid(): void {
    if (this.pendingMariadb && this.mariadbGtids) this.mariadbGtids.add(this.pendingMariadb);
    if (this.pendingMysql && this.mysqlGtids) this.mysqlGtids.add(this.pendingMysql);
    this.pendingMariadb = undefined; this.pendingMysql = undefined;
  }

  private positionAt(pos: number, fallbackGtid?: string): BinlogPosition {
    const gtid = this.gtidText(fallbackGtid);
    return { kind: 'binlog', file: this.file, pos, ...(gtid ? { gtid } : {}) };
  }

  rotate(file: string, pos: number): void {
    this.file = file;
    // A file boundary is a transaction boundary; it is a safe place to resume.
    if (!this.inTx && this.changes.length === 0) this.safe = this.positionAt(pos);
  }

  mariadbGtid(g: { domainId: number; serverId: number; seqNo: number | string; standalone: boolean }): void {
    this.foldGtid();
    this.pendingMariadb = { domainId: g.domainId, serverId: g.serverId, seqNo: g.seqNo };
    this.inTx = !g.standalone;
  }

  mysqlGtid(gtid: string): void {
    this.foldGtid();
    this.pendingMysql = gtid;
    this.inTx = true;
  }

  previousGtids(set: string): void { this.mysqlGtids ??= GtidSet.parse(set); }

  mariadbGtidList(gtids: unknown): void {
    // Only the list at the start of a file is a full seed (a position <= 4 start)
    if (!this.mariadbGtids && this.from.kind === 'binlog' && this.from.pos <= 4) {
      this.mariadbGtids = MariadbGtidPosition.fromGtidList(gtids as Parameters<typeof MariadbGtidPosition.fromGtidList>[0]);
    }
  }

  /** The position a statement ending at `pos` leaves the stream at (for the schema history). */
  positionAfter(pos: number, fallbackGtid?: string): BinlogPosition {
    return this.positionAt(pos, fallbackGtid);
  }

  // ---- transactions ----
  begin(): void { this.inTx = true; }
  touch(): void { this.touched = true; this.inTx = true; }

  private async emit(tx: Transaction): Promise<void> {
    this.lastProgress = Date.now();
    this.unsentProgress = false;
    await this.deliver(tx);
  }

  /** Adds a row change; a promise only when a part of a huge transaction went out (await it), else undefined. */
  add(c: Change, time: number): Promise<void> | undefined {
    this.changes.push(c);
    if (this.changes.length < this.maxTransactionChanges) return undefined;
    // A part of a huge transaction: never a checkpoint, so its position is the last safe one.
    const part: Transaction = { changes: this.changes, position: this.safe, commitTime: time, partial: true };
    this.changes = []; this.partsSent++;
    return this.emit(part);
  }

  /** Adds changes that never split (a DDL's schema changes); the statement commits right after. */
  push(c: Change): void { this.changes.push(c); this.touched = true; }

  async commit(pos: number, time: number, fallbackGtid?: string): Promise<void> {
    this.foldGtid();
    const position = this.positionAt(pos, fallbackGtid);
    this.safe = position;
    const had = this.changes.length > 0 || this.partsSent > 0;
    const tx: Transaction = { changes: this.changes, position, commitTime: time };
    this.changes = []; this.inTx = false; this.partsSent = 0;
    const wasTouched = this.touched; this.touched = false;
    if (had || wasTouched) { await this.emit(tx); return; }
    // Nothing for this task: still let the checkpoint move now and then (binlogs expire).
    this.unsentProgress = true;
    if (Date.now() - this.lastProgress >= this.idleProgressMs) await this.emit(tx);
  }

  /**
   * A heartbeat at `pos` of `file`. The dump thread sends one only when it has nothing more to
   * send: with nothing open here, every event before its position has arrived, so it is a proven
   * position (what --until-caught-up needs after events that end no transaction, e.g. a new
   * file's header). Idle: the position is where the next transaction begins.
   */
  async heartbeat(file: string, pos: number): Promise<void> {
    if (!this.inTx && this.changes.length === 0 && this.safe.kind === 'binlog' && file === this.file && pos > this.safe.pos) {
      this.safe = this.positionAt(pos);
      this.unsentProgress = true;
    }
    if (this.unsentProgress && !this.inTx && this.changes.length === 0 && this.safe.kind === 'binlog') {
      await this.emit({ changes: [], position: this.safe, commitTime: Date.now() });
    }
  }
}
