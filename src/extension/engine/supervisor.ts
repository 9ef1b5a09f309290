// Supervises the engine of one task: starts it, watches its heartbeat (every engine message
// counts), restarts it with backoff after a crash or hang (each restart is a failover), and
// stops it cleanly. No vscode import: tested with a fake engine process.
import { EventEmitter } from 'node:events';
import type { EngineToExtension, LogLevel } from '../../protocol/ipc';
import type { TaskStatus } from '../../protocol/status';
import { EngineProcess, type EngineExit, type EngineLaunch } from './engineProcess';
import {
  HEALTHY_RUN_MS, HEARTBEAT_TIMEOUT_MS, MAX_CONSECUTIVE_CRASHES, STARTUP_TIMEOUT_MS, classifyEnd, describeEnd, restartDelayMs,
} from './policy';

export type SupervisorState = 'starting' | 'running' | 'stopping' | 'restarting' | 'stopped';

export interface SupervisorOptions {
  /** Builds the launch each time (settings and secrets are re-read on every restart). */
  prepare: (restart: boolean) => Promise<EngineLaunch>;
  heartbeatTimeoutMs?: number;
  restartDelay?: (consecutiveCrashes: number) => number;
  maxConsecutiveCrashes?: number;
  now?: () => number;
}

interface SupervisorEvents {
  state: [state: SupervisorState, detail: { error?: string; restartAt?: number }];
  status: [status: TaskStatus];
  log: [level: LogLevel, message: string, time: string];
  failover: [cause: string];
  /** The engine ended without a restart: stopped, finished, or failed (reported error or too many crashes). */
  ended: [kind: 'stopped' | 'finished' | 'failed', error?: string];
}

export class TaskSupervisor extends EventEmitter<SupervisorEvents> {
  private engine?: EngineProcess;
  private state: SupervisorState = 'stopped';
  private stopRequested = false;
  private hung = false;
  /** The engine said `ready` (or sent a status): it takes requests. */
  private ready = false;
  private lastMessage = 0;
  private startedAt = 0;
  private crashes = 0;
  private heartbeatTimer?: NodeJS.Timeout;
  private restartTimer?: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly opts: SupervisorOptions) {
    super();
    this.now = opts.now ?? Date.now;
  }

  get current(): SupervisorState { return this.state; }
  get process(): EngineProcess | undefined { return this.engine; }

  private setState(state: SupervisorState, detail: { error?: string; restartAt?: number } = {}): void {
    this.state = state;
    this.emit('state', state, detail);
  }

  /** Starts the engine; rejects when the launch cannot be prepared (e.g. a secret is missing). */
  async start(): Promise<void> {
    if (this.state !== 'stopped') return;
    this.stopRequested = false;
    this.crashes = 0;
    this.setState('starting');
    try {
      await this.spawn(false);
    } catch (err) {
      this.setState('stopped', { error: (err as Error).message });
      throw err;
    }
  }

  private async spawn(restart: boolean): Promise<void> {
    const launch = await this.opts.prepare(restart);
    if (this.stopRequested) { this.setState('stopped'); return; }
    const engine = new EngineProcess(launch);
    this.engine = engine;
    this.hung = false;
    this.ready = false;
    this.startedAt = this.lastMessage = this.now();
    engine.on('message', (m) => this.onMessage(m));
    engine.on('stderr', (line) => this.emit('log', 'error', line, new Date(this.now()).toISOString()));
    engine.on('exit', (exit) => this.onExit(engine, exit));
    engine.start();
    const timeout = this.opts.heartbeatTimeoutMs ?? HEARTBEAT_TIMEOUT_MS;
    let probing = false;
    this.heartbeatTimer = setInterval(() => {
      // Before `ready` the engine loads the task and cannot answer yet: give it longer.
      const limit = this.ready ? timeout : Math.max(timeout, STARTUP_TIMEOUT_MS);
      const silent = this.now() - this.lastMessage;
      // A quiet engine (idle source, nothing to report) is asked for its status before it is judged.
      if (this.ready && silent > timeout / 2 && !probing && engine.running && !this.stopRequested) {
        probing = true;
        engine.request({ type: 'status' }, timeout).then((st) => {
          if (st && typeof st === 'object' && Array.isArray((st as TaskStatus).tables)) this.emit('status', st as TaskStatus);
        }, () => undefined).finally(() => { probing = false; });
      }
      if (silent > limit && engine.running && !this.stopRequested) {
        this.hung = true;
        this.emit('log', 'error', `no message from the engine for ${Math.round(limit / 1000)} s: killing it`, new Date(this.now()).toISOString());
        engine.kill();
      }
    }, Math.min(1000, Math.max(50, timeout / 5)));
  }

  private onMessage(m: EngineToExtension): void {
    this.lastMessage = this.now();
    switch (m.type) {
      case 'status':
        this.ready = true;
        if (this.state === 'starting' || this.state === 'restarting') this.setState('running');
        this.emit('status', m.status);
        break;
      case 'log': this.emit('log', m.level, m.message, m.time); break;
      case 'ready': this.ready = true; break;
      case 'reply':
      case 'exit':
        break;
    }
  }

  private onExit(engine: EngineProcess, exit: EngineExit): void {
    if (engine !== this.engine) return;
    clearInterval(this.heartbeatTimer);
    this.engine = undefined;
    const facts = { stopRequested: this.stopRequested, hung: this.hung, ...exit };
    const kind = classifyEnd(facts);
    if (kind === 'crashed') {
      if (this.now() - this.startedAt >= HEALTHY_RUN_MS) this.crashes = 0;
      this.crashes += 1;
      const cause = describeEnd(facts);
      const max = this.opts.maxConsecutiveCrashes ?? MAX_CONSECUTIVE_CRASHES;
      if (this.crashes > max) {
        const error = `${cause} (${max} restarts in a row failed; giving up)`;
        this.setState('stopped', { error });
        this.emit('ended', 'failed', error);
        return;
      }
      const delay = (this.opts.restartDelay ?? restartDelayMs)(this.crashes);
      this.emit('failover', cause);
      this.setState('restarting', { error: cause, restartAt: this.now() + delay });
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        if (this.stopRequested) { this.setState('stopped'); return; }
        this.spawn(true).catch((err: Error) => {
          this.setState('stopped', { error: err.message });
          this.emit('ended', 'failed', err.message);
        });
      }, delay);
      return;
    }
    const error = kind === 'failed' ? describeEnd(facts) : undefined;
    this.setState('stopped', error ? { error } : {});
    this.emit('ended', kind, error);
  }

  request(body: Parameters<EngineProcess['request']>[0], timeoutMs?: number): Promise<unknown> {
    if (!this.engine || this.state === 'restarting') return Promise.reject(new Error('the task engine is not running'));
    return this.engine.request(body, timeoutMs);
  }

  /** Stops the engine gracefully (the engine saves its checkpoint); resolves when it is gone. */
  async stop(graceMs?: number): Promise<void> {
    this.stopRequested = true;
    if (this.restartTimer) { clearTimeout(this.restartTimer); this.restartTimer = undefined; this.setState('stopped'); return; }
    const engine = this.engine;
    if (!engine) { if (this.state !== 'stopped') this.setState('stopped'); return; }
    this.setState('stopping');
    await engine.stop(graceMs);
  }

  /** Kills without ceremony (used when a stop itself hangs). */
  kill(): void {
    this.stopRequested = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.engine?.kill();
  }
}
