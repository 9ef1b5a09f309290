// The bastion's host key against an OpenSSH known_hosts file or a pinned SHA256 fingerprint.
// Supports plain and hashed (|1|salt|hash) host names, [host]:port, comma lists, * and ? globs,
// @revoked; @cert-authority lines are skipped (certificates are not supported).
import { createHash, createHmac } from 'node:crypto';

/** `SHA256:<base64 without padding>`, as ssh-keygen -l prints it. */
export function fingerprint(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

/** The key type inside an SSH public key blob (e.g. ssh-ed25519). */
export function keyType(key: Buffer): string {
  if (key.length < 4) return '';
  const n = key.readUInt32BE(0);
  return key.subarray(4, 4 + n).toString('latin1');
}

export type HostKeyVerdict =
  | { result: 'match'; line: number }
  | { result: 'changed'; line: number }
  | { result: 'revoked'; line: number }
  | { result: 'unknown' };

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 'i');
  return re.test(name);
}

function hostMatches(field: string, names: string[]): boolean {
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('|1|')) {
      const [, , salt, hash] = pattern.split('|');
      if (!salt || !hash) continue;
      const s = Buffer.from(salt, 'base64');
      if (names.some((n) => createHmac('sha1', s).update(n).digest('base64') === hash)) matched = true;
      continue;
    }
    const negated = pattern.startsWith('!');
    const p = negated ? pattern.slice(1) : pattern;
    if (names.some((n) => globMatch(p, n))) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** Looks the key of host:port up in known_hosts text. */
export function checkKnownHosts(text: string, host: string, port: number, key: Buffer): HostKeyVerdict {
  const names = port === 22 ? [host] : [`[${host}]:${port}`];
  const type = keyType(key);
  const blob = key.toString('base64');
  let changed: number | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith('#')) continue;
    let fields = line.split(/\s+/);
    let marker = '';
    if (fields[0].startsWith('@')) { marker = fields[0]; fields = fields.slice(1); }
    if (marker === '@cert-authority' || fields.length < 3) continue;
    if (!hostMatches(fields[0], names)) continue;
    if (marker === '@revoked') { if (fields[2] === blob) return { result: 'revoked', line: i + 1 }; continue; }
    if (fields[2] === blob) return { result: 'match', line: i + 1 };
    if (fields[1] === type && changed === undefined) changed = i + 1;
  }
  return changed !== undefined ? { result: 'changed', line: changed } : { result: 'unknown' };
}
