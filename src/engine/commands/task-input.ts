// Loading the task for a command. Spawned by the extension (`--ipc`), a command first receives
// an `init` message with the secrets: they never travel through argv, the environment or files.
import type { CliArgs } from './args';
import { loadTask, secretEnvName } from '../config';
import type { TaskPlan } from '../config/plan';
import { UserError } from '../errors';
import type { EngineInit } from '../../protocol/ipc';

/** The extension sends `init` (with the secrets) first; nothing else starts before it. */
export function waitForInit(timeoutMs = 30_000): Promise<EngineInit> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { process.off('message', onMessage); reject(new UserError('--ipc: no init message from the extension')); }, timeoutMs);
    function onMessage(msg: unknown) {
      if ((msg as { type?: string })?.type !== 'init') return;
      clearTimeout(timer);
      process.off('message', onMessage);
      resolve(msg as EngineInit);
    }
    process.on('message', onMessage);
  });
}

/** True when the command runs as the extension's child with an IPC channel. */
export function isIpc(args: CliArgs): boolean {
  return Boolean(args.flags.ipc) && typeof process.send === 'function';
}

/** Loads the task; under --ipc the secrets come from the extension's init message. */
export async function loadTaskForCommand(args: CliArgs): Promise<{ plan: TaskPlan; init?: EngineInit }> {
  if (!isIpc(args)) return { plan: await loadTask(args.file) };
  const init = await waitForInit();
  const secrets = init.secrets;
  const plan = await loadTask(args.file, { secrets: { get: (name) => secrets[name] ?? process.env[secretEnvName(name)] } });
  return { plan, init };
}
