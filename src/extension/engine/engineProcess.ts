// One engine child process: fork, hand over secrets through IPC, typed requests with one reply
// each, and a clean stop (stop request, then SIGTERM, then SIGKILL). No vscode import.
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { EngineRequest, EngineToExtension, ExtensionToEngine, LogLevel } from '../../protocol/ipc';
import { STOP_GRACE_MS, TERM_GRACE_MS, type EngineRuntime } from './policy';

export interface EngineLaunch {
  /** Path of dist/engine.js. */
  enginePath: string;
  runtime: EngineRuntime;
  execArgv: string[];
  /** CLI arguments after the script, e.g. ['run', FILE, '--ipc']. */
  args: string[];
  cwd: string;
  /** Resolved `${secret:NAME}` values: sent in the `init` message, nowhere else. */
  secrets: Record<string, string>;
  logLevel?: LogLevel;
}

export interface EngineExit {
  code: number | null;
  signal: string | null;
  /** The engine's own `exit` message, when it sent one. */
  reported?: { code: number; error?: string };
}

type RequestBody = EngineRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface EngineEvents {
  message: [msg: EngineToExtension];
  stderr: [line: string];
  exit: [exit: EngineExit];
}

export class EngineProcess extends EventEmitter<EngineEvents> {
  private child?: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private reported?: { code: number; error?: string };
  private initSent = false;
  private exited?: Promise<EngineExit>;
  pid?: number;

  constructor(private readonly launch: EngineLaunch) { super(); }

  start(): void {
    const l = this.launch;
    // Secrets are deliberately absent from argv and env: only the init message carries them.
    const child = fork(l.enginePath, l.args, {
      cwd: l.cwd,
      execPath: l.runtime.execPath,
      execArgv: l.execArgv,
      env: { ...process.env, ...l.runtime.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child = child;
    this.pid = child.pid;
    let stderrBuf = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderrBuf += chunk;
      const lines = stderrBuf.split('\n');
      stderrBuf = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.emit('stderr', line);
    });
    // In --ipc mode stdout carries nothing we need; drain it so the engine never blocks on a full pipe.
    child.stdout?.resume();
    child.on('message', (msg: EngineToExtension) => this.onMessage(msg));
    // The engine waits for `init` before anything else (it listens before its first I/O, so the
    // message cannot arrive too early); `ready` follows once it takes requests.
    this.sendInit();
    this.exited = new Promise((resolve) => {
      let finished = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (finished) return; // 'error' and 'exit' can both report a failed spawn
        finished = true;
        if (stderrBuf.trim()) this.emit('stderr', stderrBuf);
        stderrBuf = '';
        for (const [, p] of this.pending) { clearTimeout(p.timer); p.reject(new Error('the engine ended before it replied')); }
        this.pending.clear();
        const exit: EngineExit = { code, signal, ...(this.reported ? { reported: this.reported } : {}) };
        this.emit('exit', exit);
        resolve(exit);
      };
      child.once('exit', finish);
      let failedToStart = false;
      child.on('error', (err) => {
        if (child.pid === undefined) {
          if (failedToStart) return;
          failedToStart = true;
          // Nothing to restart: the runtime itself is wrong (a setting), not the engine.
          this.reported = { code: 1, error: `cannot start the engine with ${l.runtime.execPath}: ${err.message} (see the setting lakesync.engine.runtime)` };
          finish(null, null);
        } else this.emit('stderr', `engine process error: ${err.message}`);
      });
    });
  }

  private sendInit(): void {
    if (this.initSent) return;
    this.initSent = true;
    this.send({ type: 'init', secrets: this.launch.secrets, ...(this.launch.logLevel ? { logLevel: this.launch.logLevel } : {}) });
  }

  private send(msg: ExtensionToEngine): boolean {
    const c = this.child;
    if (!c || !c.connected) return false;
    // With a callback a failed write (the engine just died) is not an 'error' event on the child.
    try { c.send(msg, (err) => { if (err) this.emit('stderr', `could not send ${msg.type} to the engine: ${err.message}`); }); return true; } catch { return false; }
  }

  private onMessage(msg: EngineToExtension): void {
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'exit') this.reported = { code: msg.code, ...(msg.error ? { error: msg.error } : {}) };
    if (msg.type === 'reply') {
      const p = this.pending.get(msg.id);
      if (p) {
        this.pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.ok) p.resolve(msg.result); else p.reject(new Error(msg.error));
      }
    }
    this.emit('message', msg);
  }

  get running(): boolean { return !!this.child && this.child.exitCode === null && this.child.signalCode === null; }

  /** Sends a request and resolves with the engine's reply (rejects on an error reply, exit or timeout). */
  request(body: RequestBody, timeoutMs = 60_000): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.pending.delete(id); reject(new Error(`the engine did not answer within ${timeoutMs / 1000} s`)); }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      if (!this.send({ ...body, id } as EngineRequest)) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new Error('the engine is not running'));
      }
    });
  }

  /** Graceful stop: a stop request (the engine saves its checkpoint), then SIGTERM, then SIGKILL. */
  async stop(graceMs = STOP_GRACE_MS): Promise<EngineExit | undefined> {
    if (!this.exited) return undefined;
    if (this.running) {
      this.request({ type: 'stop' }, graceMs).catch(() => undefined);
      if (await this.waitExit(graceMs)) return this.exited;
      this.child?.kill('SIGTERM');
      if (await this.waitExit(TERM_GRACE_MS)) return this.exited;
      this.child?.kill('SIGKILL');
    }
    return this.exited;
  }

  kill(): void { if (this.running) this.child?.kill('SIGKILL'); }

  private async waitExit(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((r) => { timer = setTimeout(() => r(false), ms); });
    const done = await Promise.race([this.exited!.then(() => true as const), timeout]);
    clearTimeout(timer);
    return done;
  }
}
