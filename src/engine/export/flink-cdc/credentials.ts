// Connection values for the pipeline file: ${env:NAME} and ${secret:NAME} references become
// `${VAR}` placeholders that envsubst fills at submit time; a password is never resolved, and a
// plain-text password in the task file is replaced by a placeholder, never copied.
import { parseRefs, secretEnvName } from '../../config/refs';

export interface Credential {
  /** The text for the pipeline file. */
  value: string;
  /** Environment variables the placeholders name. */
  vars: string[];
  /** The task file held a plain-text password (not copied). */
  plainText?: boolean;
}

/** `shop` -> `SHOP_DB_PASSWORD`: the placeholder for a password the task file gives in plain text. */
export function passwordVariable(taskName: string): string {
  return `${taskName.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_|_$/g, '') || 'LAKESYNC'}_DB_PASSWORD`;
}

export function credential(raw: unknown, fallback: string | number, field: 'host' | 'user' | 'password', taskName: string): Credential {
  if (typeof raw === 'string') {
    const { parts } = parseRefs(raw);
    if (parts.some((p) => p.kind !== 'text')) {
      const vars: string[] = [];
      const value = parts.map((p) => {
        if (p.kind === 'text') return p.text;
        const v = p.kind === 'env' ? p.name : secretEnvName(p.name);
        vars.push(v);
        return `\${${v}}`;
      }).join('');
      return { value, vars };
    }
  }
  if (field === 'password') {
    const v = passwordVariable(taskName);
    return { value: `\${${v}}`, vars: [v], plainText: typeof raw === 'string' && raw.length > 0 };
  }
  return { value: typeof raw === 'string' ? raw.replace(/\$\$\{/g, '${') : String(fallback), vars: [] };
}
