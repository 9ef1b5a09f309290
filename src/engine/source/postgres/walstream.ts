// The replication protocol on a `pg` replication connection: START_REPLICATION as a pg
// "submittable" (pg hands it every CopyData of the CopyBoth stream), standby status updates
// written back on the same socket, and pause/resume of the socket for backpressure.
import type pg from 'pg';
import { encodeStandbyStatus } from './pgoutput';

interface Handlers {
  data(chunk: Buffer): void;
  /** The server ended the stream (CopyDone / ReadyForQuery) or the connection failed. */
  end(err?: Error): void;
}

/** Minimal pg Submittable: pg calls these while the command is the active query. */
class StartReplication {
  constructor(readonly text: string, private readonly h: Handlers) {}
  submit(connection: { query(text: string): void }): void { connection.query(this.text); }
  handleCopyData(msg: { chunk: Buffer }): void { this.h.data(msg.chunk); }
  handleError(err: Error): void { this.h.end(err); }
  handleReadyForQuery(): void { this.h.end(); }
  handleCommandComplete(): void { /* the stream ended; ReadyForQuery follows */ }
  handleRowDescription(): void { /* not used by START_REPLICATION */ }
  handleDataRow(): void { /* not used */ }
  handleEmptyQuery(): void { /* not used */ }
  handlePortalSuspended(): void { /* not used */ }
  handleCopyInResponse(): void { /* not used */ }
}

interface RawConnection {
  sendCopyFromChunk(chunk: Buffer): void;
  stream: { pause(): void; resume(): void; destroy(): void };
}

export class WalStream {
  private readonly conn: RawConnection;
  private ended = false;

  constructor(private readonly client: pg.Client) {
    this.conn = (client as unknown as { connection: RawConnection }).connection;
  }

  /** Sends START_REPLICATION; CopyData payloads go to `handlers.data` until the stream ends. */
  start(command: string, handlers: Handlers): void {
    const once: Handlers = {
      data: handlers.data,
      end: (err) => { if (this.ended) return; this.ended = true; handlers.end(err); },
    };
    this.client.on('end', () => once.end(new Error('replication connection closed')));
    void this.client.query(new StartReplication(command, once) as unknown as pg.QueryConfig);
  }

  /** Standby status update (PostgreSQL confirms a logical slot's position from `flushed`). */
  sendStatus(written: bigint, flushed: bigint, replyRequested = false): void {
    if (this.ended) return;
    this.conn.sendCopyFromChunk(encodeStandbyStatus(written, flushed, Date.now(), replyRequested));
  }

  pause(): void { this.conn.stream.pause(); }
  resume(): void { this.conn.stream.resume(); }

  get isEnded(): boolean { return this.ended; }

  /** Ends the connection; a server that does not answer (a stalled walsender) gets its socket destroyed. */
  async close(): Promise<void> {
    this.ended = true;
    let timer: NodeJS.Timeout | undefined;
    const answered = await Promise.race([
      this.client.end().then(() => true, () => true),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), 3000); }),
    ]);
    clearTimeout(timer);
    if (!answered) this.conn.stream.destroy();
  }
}
