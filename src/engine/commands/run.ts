// `lakesync run FILE [--stateless | --resume | --position POS] [--no-snapshot] [--until-caught-up [--stall-timeout S]] [--json] [--supervise] [--ipc]`
// Runs the task in the foreground. SIGINT/SIGTERM stop it gracefully (checkpoint saved, exit 0).
// --ipc: spawned by the extension; the first message is `init` with the secrets, then status,
// logs and replies go over the IPC channel.
import type { CliArgs } from './args';
import { loadTask } from '../config';
import { UserError } from '../errors';
import { isIpc, loadTaskForCommand } from './task-input';
import { openSource } from '../source/registry';
import { ProgressOutput, type OutputMode } from '../runtime/progress';
import { TaskRunner } from '../runtime/runner';
import { onTunnelEvent } from '../source/tunnel';
import { supervise } from '../runtime/supervise';
import type { EngineToExtension, ExtensionToEngine, LogLevel } from '../../protocol/ipc';

const LEVELS: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

/** `--stall-timeout SECONDS` (with --until-caught-up): how long a silent source may stay ahead. */
function stallTimeout(value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UserError(`--stall-timeout: "${String(value)}" is not a number of seconds greater than 0, e.g. --stall-timeout 600`, 2);
  }
  return Math.round(seconds * 1000);
}

function send(msg: EngineToExtension): void {
  process.send?.(msg);
}

export async function runCommand(args: CliArgs): Promise<number> {
  const f = args.flags;
  if (f.supervise) {
    const plan = await loadTask(args.file);
    const argv = process.argv.slice(1).filter((a) => a !== '--supervise');
    return supervise({ argv, memoryMb: plan.parameters.memoryMb, log: (m) => process.stderr.write(`${new Date().toISOString()} warn  ${m}\n`) });
  }
  const stallTimeoutMs = stallTimeout(f['stall-timeout']);
  const ipc = isIpc(args);
  const { plan, init } = await loadTaskForCommand(args);
  const minLevel: LogLevel = init?.logLevel ?? 'info';
  const mode: OutputMode = ipc ? 'plain' : f.json ? 'json' : process.stdout.isTTY ? 'tty' : 'plain';
  const adapter = await openSource(plan);
  const holder: { runner?: TaskRunner } = {};
  const output = new ProgressOutput(ipc ? 'json' : mode, () => holder.runner!.status.snapshot());
  const log = (level: LogLevel, message: string) => {
    if (ipc) {
      if (LEVELS.indexOf(level) >= LEVELS.indexOf(minLevel)) send({ type: 'log', level, message, time: new Date().toISOString() });
      return;
    }
    output.log(level, message);
  };
  for (const w of plan.warnings ?? []) log('warn', w);
  const r = new TaskRunner(plan, adapter, {
    stateless: Boolean(f.stateless), resume: Boolean(f.resume),
    position: typeof f.position === 'string' ? f.position : undefined,
    noSnapshot: Boolean(f['no-snapshot']), untilCaughtUp: Boolean(f['until-caught-up']),
    ...(stallTimeoutMs !== undefined ? { stallTimeoutMs } : {}),
    log,
    restartCause: process.env.LAKESYNC_RESTART_CAUSE || undefined,
    onStatus: (s) => (ipc ? send({ type: 'status', status: s }) : output.status(s)),
  });
  holder.runner = r;
  // One SSH tunnel per task: a re-established tunnel is a failover like any other reconnect.
  onTunnelEvent((e) => {
    log('warn', e.message);
    if (e.kind === 'reestablished') r.noteFailover('SSH tunnel lost', e.message);
  });
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) { process.stderr.write(`\n${sig} again: exiting without a graceful stop\n`); process.exit(130); }
    log('info', `${sig}: stopping (changes applied so far are checkpointed)`);
    r.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Under --supervise: a supervisor killed with SIGKILL cannot forward a stop, and this engine would
  // run on unseen (holding the slot and the terminal's pipes); it stops itself once reparented.
  const supervisorPid = Number(process.env.LAKESYNC_SUPERVISOR_PID) || 0;
  const orphanWatch = supervisorPid ? setInterval(() => {
    if (process.ppid === supervisorPid) return;
    clearInterval(orphanWatch);
    log('warn', `the supervisor (pid ${supervisorPid}) is gone: stopping (changes applied so far are checkpointed)`);
    r.stop();
  }, 1000) : undefined;
  orphanWatch?.unref();
  const onMessage = (msg: ExtensionToEngine) => {
    if (!msg || typeof msg !== 'object' || msg.type === 'init') return;
    r.request(msg).then(
      (result) => send({ type: 'reply', id: msg.id, ok: true, result }),
      (err: Error) => send({ type: 'reply', id: msg.id, ok: false, error: err.message }),
    );
  };
  if (ipc) {
    process.on('message', onMessage);
    process.on('disconnect', () => r.stop()); // the extension went away
    send({ type: 'ready', pid: process.pid });
  }
  output.start();
  try {
    const code = await r.run();
    if (ipc) send({ type: 'exit', code });
    return code;
  } catch (err) {
    if (ipc) send({ type: 'exit', code: 1, error: (err as Error).message });
    throw err;
  } finally {
    output.stop();
    if (orphanWatch) clearInterval(orphanWatch);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (ipc) { process.off('message', onMessage); process.disconnect?.(); }
  }
}
