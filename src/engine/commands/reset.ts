// `lakesync reset FILE [--drop-slot]`: forgets the task's checkpoint and state (the target data
// stays; the next run is a full sync). --drop-slot also drops the source's replication state.
import { rmSync } from 'node:fs';
import type { CliArgs } from './args';
import { loadTaskForCommand } from './task-input';
import { UserError } from '../errors';
import { sendControlRequest } from '../runtime/control';
import { loadTaskOffline } from '../runtime/offline';
import { statusFilePath } from '../runtime/status';
import { formatPosition } from '../positions';
import { openSink } from '../sink/registry';
import { openSource, sourceFacts } from '../source/registry';

export async function resetCommand(args: CliArgs): Promise<number> {
  const plan = args.flags['drop-slot'] ? (await loadTaskForCommand(args)).plan : await loadTaskOffline(args.file);
  const live = await sendControlRequest(plan.file, { type: 'status', id: 1 }, 5000).catch(() => undefined);
  if (live) throw new UserError(`task ${plan.name} is running; stop it first (Ctrl+C in its terminal, or the Stop command in VS Code)`);
  const sink = await openSink(plan.target).catch((err: Error) => {
    throw new UserError(`cannot open ${plan.target.path}: ${err.message}`);
  });
  try {
    const cp = await sink.state.checkpoint();
    await sink.state.reset();
    rmSync(statusFilePath(plan.target.path), { force: true });
    console.log(cp
      ? `task ${plan.name}: checkpoint ${formatPosition(cp.position)} and table state forgotten; the data in ${plan.target.path} stays. The next run is a full sync.`
      : `task ${plan.name}: there was no checkpoint; state cleared.`);
  } finally {
    await sink.close();
  }
  if (args.flags['drop-slot']) {
    const source = await openSource(plan);
    try {
      if (!source.dropReplicationState) {
        console.log(`the ${plan.source.type} source keeps no replication state on the server: nothing to drop`);
      } else {
        await source.dropReplicationState();
        const what = sourceFacts(plan.source.type).replicationState(plan.source);
        console.log(what ? `dropped ${what}` : 'dropped the source\'s replication state');
      }
    } finally {
      await source.close().catch(() => undefined);
    }
  }
  return 0;
}
