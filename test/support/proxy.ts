// A TCP proxy in front of a test server that can freeze the replication connection the way a
// stalled source looks from outside: the walsender or binlog dump thread sends nothing more and
// reads nothing more, while ordinary connections (queries) keep working.
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** Does this client->server chunk start the replication stream? */
function startsReplication(chunk: Buffer): boolean {
  // PostgreSQL: the START_REPLICATION query; MySQL/MariaDB: COM_BINLOG_DUMP (0x12) or COM_BINLOG_DUMP_GTID (0x1e)
  if (chunk.includes('START_REPLICATION')) return true;
  return chunk.length > 4 && (chunk[4] === 0x12 || chunk[4] === 0x1e) && chunk[3] === 0;
}

export class StallProxy {
  /** When true, each replication connection freezes as soon as it asks for the stream. */
  freezeReplication = false;
  private readonly sockets = new Set<Socket>();
  frozen = 0;

  private constructor(private readonly server: Server) {}

  static async start(targetHost: string, targetPort: number): Promise<StallProxy> {
    const server = createServer();
    const proxy = new StallProxy(server);
    server.on('connection', (client) => proxy.pipe(client, targetHost, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number { return (this.server.address() as AddressInfo).port; }

  private pipe(client: Socket, host: string, port: number): void {
    const upstream = connect(port, host);
    this.sockets.add(client).add(upstream);
    let frozen = false;
    const freeze = (): void => {
      frozen = true;
      this.frozen++;
      // the server's sends back up and the client hears nothing; what the client sends is dropped
      // (still read, so that its close is seen and ends the server's side too)
      upstream.pause();
    };
    client.on('data', (chunk: Buffer) => {
      if (frozen) return;
      upstream.write(chunk);
      if (this.freezeReplication && startsReplication(chunk)) freeze();
    });
    upstream.on('data', (chunk: Buffer) => { if (!frozen) client.write(chunk); });
    const close = (): void => { client.destroy(); upstream.destroy(); this.sockets.delete(client); this.sockets.delete(upstream); };
    client.on('close', close); upstream.on('close', close);
    client.on('error', close); upstream.on('error', close);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
