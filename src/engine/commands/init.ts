// `lakesync init [FILE]`: the command-line twin of the extension's "New Sync Task". Writes a
// commented starter task file from flags (no questions asked), never overwrites a file, and never
// writes a password: the file refers to an environment variable (or a VS Code secret) instead.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { diagnoseTaskText } from '../config';
import { isSourceType, SOURCE_TYPES, sourceFacts } from '../source/known';
import { newTaskText, validateTaskName, type NewTaskAnswers } from '../config/template';
import { UserError } from '../errors';
import type { CliArgs } from './args';

const MODES = ['multi-table-mirror', 'database-mirror', 'multi-table-merge'] as const;
const TLS_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;



interface FromUrl { type?: NewTaskAnswers['sourceType']; host?: string; port?: number; user?: string; database?: string; tlsMode?: NewTaskAnswers['tlsMode']; hadPassword: boolean }

/** postgres://user@host:5432/db?sslmode=verify-full, mysql://user@host/db: what the file may hold (no password). */
export function parseSourceUrl(text: string): FromUrl {
  let url: URL;
  try { url = new URL(text); } catch { throw new UserError(`--from-url: "${redactUrl(text)}" is not a URL (postgres://user@host:5432/db or mysql://user@host:3306/db)`); }
  const scheme = url.protocol.replace(/:$/, '');
  const type = SOURCE_TYPES.find((t) => sourceFacts(t).urlSchemes.includes(scheme));
  if (!type) throw new UserError(`--from-url: unknown scheme "${scheme}:" (use postgres:// or mysql://)`);
  const sslmode = url.searchParams.get('sslmode') ?? url.searchParams.get('ssl-mode') ?? undefined;
  const tls = sslmode ? sslmode.toLowerCase().replace(/_/g, '-').replace(/^required$/, 'require').replace(/^preferred$/, 'prefer').replace(/^disabled$/, 'disable').replace(/^verify-identity$/, 'verify-full') : undefined;
  return {
    type,
    ...(url.hostname ? { host: url.hostname.replace(/^\[|\]$/g, '') } : {}),
    ...(url.port ? { port: Number(url.port) } : {}),
    ...(url.username ? { user: decodeURIComponent(url.username) } : {}),
    ...(url.pathname.length > 1 ? { database: decodeURIComponent(url.pathname.slice(1)) } : {}),
    ...(tls && (TLS_MODES as readonly string[]).includes(tls) ? { tlsMode: tls as NewTaskAnswers['tlsMode'] } : {}),
    hadPassword: url.password !== '',
  };
}

function redactUrl(text: string): string { return text.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@'); }

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UserError(`--${flag}: "${value}" is not one of ${allowed.join(', ')}`);
  return value as T;
}

export async function initCommand(args: CliArgs): Promise<number> {
  const f = args.flags as Record<string, string | undefined>;
  const url = f['from-url'] ? parseSourceUrl(f['from-url']) : undefined;
  const flagType = oneOf('source', f.source, SOURCE_TYPES);
  if (flagType && url?.type && flagType !== url.type) throw new UserError(`--source ${flagType} and --from-url (${url.type}) disagree: give one of them`);
  const sourceType = flagType ?? url?.type;
  if (!sourceType) throw new UserError('lakesync init: say which source: --source postgres or --source mysql (or --from-url URL); lakesync --help lists every flag');
  if (!isSourceType(sourceType)) throw new UserError(`unknown source ${String(sourceType)}`);
  const facts = sourceFacts(sourceType);
  const database = f.database ?? url?.database ?? facts.starterDatabase;

  // FILE: a .sync.yaml path, a folder to write into, or nothing (the current folder)
  let file = args.file ? resolve(args.file) : '';
  const fileName = file && !isDir(file) ? basename(file) : '';
  if (fileName && !fileName.endsWith('.sync.yaml')) throw new UserError(`lakesync init: ${args.file}: task files end in .sync.yaml (the extension and \`lakesync\` find them by that suffix)`);
  const name = f.name ?? (fileName ? fileName.slice(0, -'.sync.yaml'.length) : (database || sourceType).replace(/[^A-Za-z0-9_-]/g, '_'));
  const bad = validateTaskName(name);
  if (bad) throw new UserError(`lakesync init: task name "${name}": ${bad}${f.name ? '' : ' (give one with --name)'}`);
  if (!fileName) file = join(file || process.cwd(), `${name}.sync.yaml`);

  const port = f.port !== undefined ? Number(f.port) : url?.port ?? facts.defaultPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UserError(`--port: "${f.port}" is not a port (1 to 65535)`);
  if (f['password-env'] && f['password-secret']) throw new UserError('give --password-env or --password-secret, not both');
  const envName = f['password-env'] ?? `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_DB_PASSWORD`;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(envName)) throw new UserError(`--password-env: "${envName}" is not an environment variable name`);
  const answers: NewTaskAnswers = {
    name, sourceType, database,
    host: f.host ?? url?.host ?? '127.0.0.1',
    port,
    user: f.user ?? url?.user ?? 'lakesync',
    mode: oneOf('mode', f.mode, MODES) ?? 'multi-table-mirror',
    passwordRef: f['password-secret'] ?? `env:${envName}`,
    target: oneOf('target', f.target, ['duckdb', 'iceberg'] as const) ?? 'duckdb',
    ...(url?.tlsMode ? { tlsMode: url.tlsMode } : {}),
  };
  const plugin = oneOf('plugin', f.plugin, ['pgoutput', 'decoderbufs'] as const);
  if (plugin && !facts.ownSettings.includes('plugin')) throw new UserError(`--plugin is not a setting of ${facts.label} sources (PostgreSQL: pgoutput or decoderbufs)`);
  if (plugin) answers.plugin = plugin;

  const text = newTaskText(answers);
  // The starter must be a valid task file: a template that is not would be a LakeSync bug.
  const errors = diagnoseTaskText(text, file).filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`the starter task file is not valid (${errors.map((e) => e.message).join('; ')}); please report this`);
  try {
    writeFileSync(file, text, { flag: 'wx' }); // wx: never overwrite, even a file created a moment ago
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UserError(`lakesync init: ${file} exists already; init never overwrites a file. Give another FILE or --name, or remove it first.`);
    }
    throw err;
  }
  const ref = answers.passwordRef.startsWith('env:') ? `the environment variable ${envName}` : `the VS Code secret "${answers.passwordRef}" (CLI: LAKESYNC_SECRET_<NAME>)`;
  console.log(`wrote ${file}`);
  if (url?.hadPassword) console.log('the password in --from-url was not written to the file');
  console.log(`the source password is read from ${ref}; next:\n  lakesync check ${file}`);
  return 0;
}

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}
