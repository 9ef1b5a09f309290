// `lakesync` command line: parses arguments and hands them to one module per command.
// Each command returns its exit code; errors meant for people are printed without a stack.
import { parseArgs } from 'node:util';
import { UserError } from './errors';
import { closeTunnels } from './source/tunnel';
import { testLinger } from './testhooks';

import type { CliArgs } from './commands/args';
import { TABLE_OP_NAMES, TABLE_OPS } from '../protocol/table-ops';

export type { CliArgs };

type Command = (args: CliArgs) => Promise<number>;

const commands: Record<string, { load: () => Promise<Command>; usage: string }> = {
  init: { load: async () => (await import('./commands/init')).initCommand,
    usage: 'init [FILE] --source postgres|mysql [--from-url URL] [--host H] [--port N] [--user U] [--database DB] [--password-env NAME | --password-secret NAME] [--mode MODE] [--target duckdb|iceberg] [--plugin pgoutput|decoderbufs] [--name NAME]' },
  check: { load: async () => (await import('./commands/check')).checkCommand, usage: 'check FILE' },
  preview: { load: async () => (await import('./commands/preview')).previewCommand, usage: 'preview FILE [--json]' },
  run: { load: async () => (await import('./commands/run')).runCommand,
    usage: 'run FILE [--stateless | --resume | --position POS] [--no-snapshot] [--until-caught-up [--stall-timeout SECONDS]] [--json] [--supervise]' },
  status: { load: async () => (await import('./commands/status')).statusCommand, usage: 'status FILE [--json]' },
  query: { load: async () => (await import('./commands/query')).queryCommand, usage: 'query FILE --sql SQL [--json]' },
  verify: { load: async () => (await import('./commands/verify')).verifyCommand,
    usage: 'verify FILE [--table DB.TABLE] [--where SQL] [--json] [--repair] [--rate ROWS_PER_SECOND]' },
  reset: { load: async () => (await import('./commands/reset')).resetCommand, usage: 'reset FILE [--drop-slot]' },
  export: { load: async () => (await import('./commands/export')).exportCommand,
    usage: 'export FILE --to flink-cdc [--sink iceberg|paimon] [--out FILE] [--warehouse PATH] [--handover]' },
};
for (const op of TABLE_OP_NAMES) {
  commands[op] = {
    load: async () => (await import('./commands/table-op')).tableOpCommand(op),
    usage: `${op} FILE --table DB.TABLE${TABLE_OPS[op].where ? ' --where SQL' : ''}`,
  };
}

const options = {
  json: { type: 'boolean' }, stateless: { type: 'boolean' }, resume: { type: 'boolean' },
  position: { type: 'string' }, 'no-snapshot': { type: 'boolean' }, 'until-caught-up': { type: 'boolean' },
  'stall-timeout': { type: 'string' },
  supervise: { type: 'boolean' }, table: { type: 'string' }, where: { type: 'string' },
  'drop-slot': { type: 'boolean' }, ipc: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' }, sql: { type: 'string' }, repair: { type: 'boolean' }, rate: { type: 'string' },
  to: { type: 'string' }, sink: { type: 'string' }, out: { type: 'string' }, warehouse: { type: 'string' }, handover: { type: 'boolean' },
  // init
  source: { type: 'string' }, 'from-url': { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, user: { type: 'string' },
  database: { type: 'string' }, 'password-env': { type: 'string' }, 'password-secret': { type: 'string' }, mode: { type: 'string' },
  target: { type: 'string' }, plugin: { type: 'string' }, name: { type: 'string' },
} as const;

function usage(): string {
  return ['usage: lakesync <command> FILE [options]', '', 'commands:',
    ...Object.values(commands).map((c) => `  lakesync ${c.usage}`)].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') { console.log(usage()); return name ? 0 : 2; }
  if (name === '--version') { console.log('0.1.0'); return 0; }
  const command = commands[name];
  if (!command) { console.error(`lakesync: unknown command "${name}"\n\n${usage()}`); return 2; }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (err) {
    console.error(`lakesync ${name}: ${(err as Error).message}\nusage: lakesync ${command.usage}`);
    return 2;
  }
  const [file, ...positionals] = parsed.positionals;
  if (!file && name !== 'init') { console.error(`lakesync ${name}: the task file is missing\nusage: lakesync ${command.usage}`); return 2; }
  try {
    const run = await command.load();
    try {
      return await run({ file: file ?? '', flags: parsed.values as CliArgs['flags'], positionals });
    } finally {
      // An SSH tunnel would keep the process alive after the command is done.
      await closeTunnels().catch(() => undefined);
    }
  } catch (err) {
    if (err instanceof UserError) { console.error(err.message); return err.exitCode; }
    // people get the message; the stack only when asked for (LAKESYNC_DEBUG=1), for bug reports
    const debug = process.env.LAKESYNC_DEBUG === '1';
    console.error(`lakesync ${name}: unexpected error: ${debug ? (err as Error).stack ?? err : (err as Error).message ?? err}` +
      (debug ? '' : '\n(run with LAKESYNC_DEBUG=1 for the stack trace)'));
    return 1;
  }
}

/** How long a finished command may take to exit by itself before it is made to. */
export const EXIT_GRACE_MS = 10_000;

if (require.main === module || process.env.LAKESYNC_CLI === '1' || /lakesync$/.test(process.argv[1] ?? '')) {
  void main(process.argv.slice(2)).then(async (code) => {
    process.exitCode = code;
    await testLinger();
    // Everything the command opened is closed, and a run's data and position committed, by now. A
    // native worker that never returns must not keep the process for ever: a DuckDB deadlock once
    // left a stopped engine holding its state file (and so the task) with nothing left to do.
    setTimeout(() => {
      process.stderr.write(`lakesync: the command finished ${EXIT_GRACE_MS / 1000} s ago but something still held the process; exiting with code ${code}\n`);
      process.exit(code);
    }, EXIT_GRACE_MS).unref();
  });
}
