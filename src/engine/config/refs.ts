// ${env:NAME} and ${secret:NAME} references inside string values. `$${` writes a literal `${`.
// Secrets come from a provider: the CLI reads LAKESYNC_SECRET_<NAME>, the extension passes
// VS Code's secret storage.

export interface SecretProvider {
  /** The secret's value, or undefined when it is not set. */
  get(name: string): Promise<string | undefined> | string | undefined;
}

/** `shop-db` -> `LAKESYNC_SECRET_SHOP_DB`. */
export function secretEnvName(name: string): string {
  return 'LAKESYNC_SECRET_' + name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** The CLI's provider: secrets are environment variables LAKESYNC_SECRET_<NAME>. */
export function envSecretProvider(env: NodeJS.ProcessEnv = process.env): SecretProvider {
  return { get: (name) => env[secretEnvName(name)] };
}

export type RefPart =
  | { kind: 'text'; text: string }
  | { kind: 'env' | 'secret'; name: string; raw: string; index: number };

export interface RefProblem { index: number; length: number; message: string }

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$/;

/** Splits a string into literal text and references, reporting malformed ones. */
export function parseRefs(value: string): { parts: RefPart[]; problems: RefProblem[] } {
  const parts: RefPart[] = [];
  const problems: RefProblem[] = [];
  let text = '';
  let i = 0;
  while (i < value.length) {
    const at = value.indexOf('$', i);
    if (at === -1) { text += value.slice(i); break; }
    text += value.slice(i, at);
    if (value.startsWith('$${', at)) { text += '${'; i = at + 3; continue; }
    if (!value.startsWith('${', at)) { text += '$'; i = at + 1; continue; }
    const close = value.indexOf('}', at + 2);
    if (close === -1) {
      problems.push({ index: at, length: value.length - at, message: 'has a "${" without its closing "}"; write ${env:NAME} or ${secret:NAME} (or $${ for a literal "${")' });
      break;
    }
    const raw = value.slice(at, close + 1);
    const body = value.slice(at + 2, close);
    const m = /^\s*(env|secret)\s*:\s*(.*?)\s*$/.exec(body);
    if (!m) {
      problems.push({ index: at, length: raw.length, message: `has an unknown reference ${raw}; write \${env:NAME} or \${secret:NAME} (or $\${ for a literal "\${")` });
    } else if (!(m[1] === 'env' ? ENV_NAME : SECRET_NAME).test(m[2])) {
      const rule = m[1] === 'env' ? 'letters, digits and _ (not starting with a digit)' : "letters, digits, '_', '-', '.' and '/'";
      problems.push({ index: at, length: raw.length, message: `has an invalid ${m[1]} name in ${raw}; names use ${rule}` });
    } else {
      if (text) parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: m[1] as 'env' | 'secret', name: m[2], raw, index: at });
    }
    i = close + 1;
  }
  if (text) parts.push({ kind: 'text', text });
  return { parts, problems };
}

export function hasRefs(value: string): boolean {
  return parseRefs(value).parts.some((p) => p.kind !== 'text');
}

/** Every string in a plain value, with its path segments (top-level x- keys are inert: skipped). */
export function* strings(value: unknown, segments: (string | number)[] = []): Generator<[string, (string | number)[]]> {
  if (segments.length === 1 && typeof segments[0] === 'string' && segments[0].startsWith('x-')) return;
  if (typeof value === 'string') yield [value, segments];
  else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* strings(value[i], [...segments, i]);
  else if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const [k, v] of Object.entries(value)) yield* strings(v, [...segments, k]);
  }
}
