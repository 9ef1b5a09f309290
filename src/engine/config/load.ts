// The task-file pipeline: text -> YAML with positions -> schema (ajv) -> semantic checks ->
// ${env:}/${secret:} resolution -> TaskPlan. Every problem is a positioned diagnostic.
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { buildPlan } from './build';
import { readTableList, type TableList } from './tablelist';
import { semanticDiagnostics, refRange } from './checks';
import { formatDiagnostic, sortDiagnostics, TaskFileError, type TaskDiagnostic } from './diagnostics';
import { schemaDiagnostics } from './messages';
import type { TaskPlan } from './plan';
import { envSecretProvider, parseRefs, secretEnvName, strings, type SecretProvider } from './refs';
import { taskValidator } from './schema';
import { displayPath, MAX_TASK_BYTES, parseTaskText, tooBigMessage, type ParsedTask } from './yaml-tree';

export interface LoadOptions {
  /** Where ${secret:NAME} comes from. Default: the variables LAKESYNC_SECRET_<NAME>. */
  secrets?: SecretProvider;
  /** Where ${env:NAME} comes from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

function wholeFile(file: string, message: string): TaskDiagnostic {
  return { file, line: 1, column: 1, endLine: 1, endColumn: 1, message, severity: 'error', path: '' };
}

function analyse(text: string, file: string): { parsed?: ParsedTask; diagnostics: TaskDiagnostic[]; tableList?: TableList } {
  try {
    const parsed = parseTaskText(text, file);
    const diagnostics = [...parsed.diagnostics];
    let tableList: TableList | undefined;
    if (parsed.value !== undefined) {
      const validate = taskValidator();
      if (!validate(parsed.value)) diagnostics.push(...schemaDiagnostics(validate.errors ?? [], parsed));
      diagnostics.push(...semanticDiagnostics(parsed));
      const ref = (parsed.value as { tablesFrom?: unknown } | null)?.tablesFrom;
      if (typeof ref === 'string' && ref.trim() !== '') {
        const node = parsed.nodes.get('/tablesFrom')?.value;
        const [s, e] = node?.range ?? [0, 1];
        tableList = readTableList(file, ref, (message) => parsed.at(s, e, message, 'tablesFrom'));
        diagnostics.push(...tableList.diagnostics);
      }
    }
    // the list's own lines (another file) after the task file's problems
    const own = diagnostics.filter((d) => d.file === file);
    return { parsed, diagnostics: [...sortDiagnostics(own), ...diagnostics.filter((d) => d.file !== file)], tableList };
  } catch (err) {
    // A bug here must still leave the user with a message, not a crashed editor or CLI.
    return { diagnostics: [wholeFile(file, `could not check the task file: ${(err as Error).message}`)] };
  }
}

/**
 * Problems of a task text, for live editor diagnostics. Synchronous; no env, no secrets. It reads
 * the `tablesFrom` list: problems of its lines carry the list's path as their `file`.
 */
export function diagnoseTaskText(text: string, file: string): TaskDiagnostic[] {
  return analyse(text, file).diagnostics;
}

/** The ${secret:NAME} names a task text references (so the extension can fetch them). */
export function secretNames(text: string): string[] {
  const names = new Set<string>();
  const parsed = text.length <= MAX_TASK_BYTES ? parseTaskText(text, 'task') : undefined;
  if (parsed?.value !== undefined) {
    for (const [value] of strings(parsed.value)) {
      for (const p of parseRefs(value).parts) if (p.kind === 'secret') names.add(p.name);
    }
  }
  return [...names];
}

async function readTaskText(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new TaskFileError([wholeFile(file, 'is a folder, not a task file; give the path of a .sync.yaml file')]);
    if (info.size > MAX_TASK_BYTES) {
      throw new TaskFileError([wholeFile(file, tooBigMessage(info.size))]);
    }
    bytes = await readFile(file);
  } catch (err) {
    if (err instanceof TaskFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'the task file does not exist; check the path'
      : code === 'EACCES' ? 'the task file cannot be read (permission denied)'
        : `the task file cannot be read: ${(err as Error).message}`;
    throw new TaskFileError([wholeFile(file, why)]);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const text = new TextDecoder('utf-8').decode(bytes);
    const index = Math.max(0, text.indexOf('\uFFFD'));
    const before = text.slice(0, index);
    const line = before.split('\n').length;
    const column = index - before.lastIndexOf('\n');
    throw new TaskFileError([{ ...wholeFile(file, ''), line, column, endLine: line, endColumn: column + 1,
      message: 'the file is not UTF-8 text (binary data or another encoding); save it as UTF-8' }]);
  }
}

/** Reads, checks and resolves a task file. Throws TaskFileError listing every problem. */
export async function loadTask(file: string, options: LoadOptions = {}): Promise<TaskPlan> {
  const text = await readTaskText(file);
  const { parsed, diagnostics, tableList } = analyse(text, file);
  const warnings = diagnostics.filter((d) => d.severity === 'warning');
  if (!parsed || diagnostics.some((d) => d.severity === 'error')) throw new TaskFileError(diagnostics);

  const { value, errors } = await resolveRefs(parsed, options.env ?? process.env, options.secrets ?? envSecretProvider(options.env ?? process.env));
  if (errors.length > 0) throw new TaskFileError(sortDiagnostics([...errors, ...warnings]));
  const plan = buildPlan(value as Record<string, unknown>, resolve(file), tableList?.entries ?? []);
  if (warnings.length > 0) plan.warnings = warnings.map(formatDiagnostic);
  return plan;
}

/** A copy of the task data with every reference replaced by its value. */
async function resolveRefs(parsed: ParsedTask, env: NodeJS.ProcessEnv, secrets: SecretProvider): Promise<{ value: unknown; errors: TaskDiagnostic[] }> {
  const errors: TaskDiagnostic[] = [];
  const value = structuredClone(parsed.value);
  for (const [text, segments] of [...strings(value)]) {
    const { parts } = parseRefs(text);
    if (!parts.some((p) => p.kind !== 'text')) {
      if (text.includes('$${')) setAt(value, segments, parts.map((p) => (p.kind === 'text' ? p.text : '')).join(''));
      continue;
    }
    let out = '';
    for (const p of parts) {
      if (p.kind === 'text') { out += p.text; continue; }
      let resolved: string | undefined;
      let failure: string | undefined;
      if (p.kind === 'env') {
        resolved = env[p.name];
        if (resolved === undefined) failure = `environment variable ${p.name} is not set (used by ${displayPath(segments)}); set it before starting the task`;
      } else {
        try {
          resolved = await secrets.get(p.name);
        } catch (err) {
          failure = `secret '${p.name}' could not be read (used by ${displayPath(segments)}): ${(err as Error).message}`;
        }
        if (resolved === undefined && !failure) {
          failure = `secret '${p.name}' is not set (used by ${displayPath(segments)}); store it in VS Code's secret storage (LakeSync extension) or, on the command line, set ${secretEnvName(p.name)}`;
        }
      }
      if (failure) {
        const [s, e] = refRange(parsed, segments, p.raw);
        errors.push(parsed.at(s, e, failure, displayPath(segments)));
      } else out += resolved;
    }
    setAt(value, segments, out);
  }
  return { value, errors };
}

function setAt(root: unknown, segments: (string | number)[], v: string): void {
  let node = root as Record<string | number, unknown>;
  for (const s of segments.slice(0, -1)) node = node[s] as Record<string | number, unknown>;
  node[segments[segments.length - 1]] = v;
}
