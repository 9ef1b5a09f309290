// The control socket of a running task: a Unix socket in the temp folder, named from a hash of
// the task file's path, speaking JSON lines. The CLI (`status`, `resync`, ...) and any other
// local client send EngineRequests and get exactly one reply each.
import { createHash } from 'node:crypto';
import { existsSync, realpathSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { EngineRequest, EngineToExtension } from '../../protocol/ipc';

export function controlSocketPath(taskFile: string): string {
  let path = resolve(taskFile);
  try { path = realpathSync(path); } catch { /* a missing file still has a name */ }
  const hash = createHash('sha256').update(path).digest('hex').slice(0, 16);
  return join(tmpdir(), `lakesync-${hash}.sock`);
}

export type RequestHandler = (req: EngineRequest) => Promise<unknown>;

/** Sends one request to the task's running engine; undefined when no engine is listening. */
export function sendControlRequest(taskFile: string, req: EngineRequest, timeoutMs = 10_000): Promise<EngineToExtension | undefined> {
  const path = controlSocketPath(taskFile);
  return new Promise((resolveReply, reject) => {
    if (!existsSync(path)) { resolveReply(undefined); return; }
    const socket = createConnection(path);
    let buffer = '';
    let connected = false;
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`the running engine did not answer within ${timeoutMs / 1000} s`)); }, timeoutMs);
    socket.on('connect', () => { connected = true; socket.write(JSON.stringify(req) + '\n'); });
    socket.on('data', (d) => {
      buffer += d.toString('utf8');
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      socket.end();
      try { resolveReply(JSON.parse(buffer.slice(0, nl)) as EngineToExtension); } catch (err) { reject(err); }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // nothing listening: a stale socket file of an engine that died
      if (!connected && (err.code === 'ECONNREFUSED' || err.code === 'ENOENT')) resolveReply(undefined);
      else reject(err);
    });
  });
}

export class ControlServer {
  private constructor(private readonly server: Server, readonly path: string, private readonly sockets: Set<Socket>) {}

  /** Listens on the task's socket; refuses when another engine already serves this task. */
  static async listen(taskFile: string, handle: RequestHandler): Promise<ControlServer> {
    const path = controlSocketPath(taskFile);
    if (existsSync(path)) {
      const alive = await sendControlRequest(taskFile, { type: 'status', id: 0 }, 3000).catch(() => undefined);
      if (alive) throw new Error('already running');
      try { unlinkSync(path); } catch { /* raced with another cleanup */ }
    }
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      let buffer = '';
      socket.on('data', (d) => {
        buffer += d.toString('utf8');
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line) void answer(socket, line, handle);
        }
      });
    });
    await new Promise<void>((ok, fail) => { server.once('error', fail); server.listen(path, () => ok()); });
    return new ControlServer(server, path, sockets);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((ok) => this.server.close(() => ok()));
    try { unlinkSync(this.path); } catch { /* already gone */ }
  }
}

async function answer(socket: Socket, line: string, handle: RequestHandler): Promise<void> {
  let req: EngineRequest;
  try { req = JSON.parse(line) as EngineRequest; } catch {
    socket.write(JSON.stringify({ type: 'reply', id: -1, ok: false, error: 'not a JSON request' }) + '\n');
    return;
  }
  let reply: EngineToExtension;
  try {
    reply = { type: 'reply', id: req.id, ok: true, result: await handle(req) };
  } catch (err) {
    reply = { type: 'reply', id: req.id, ok: false, error: (err as Error).message };
  }
  if (!socket.destroyed) socket.write(JSON.stringify(reply, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\n');
}
