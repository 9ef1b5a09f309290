// A task's identity from its name and file: the task name, the MySQL server id and the PostgreSQL
// slot derived from it. A leaf with no imports beyond Node, so the extension can show a task (and
// catch two tasks sharing a slot) without loading the config loader.
import { createHash } from 'node:crypto';
import { basename } from 'node:path';

/** `shop.sync.yaml` -> `shop` (also .sync.yml, .yaml, .yml). */
export function taskNameFromFile(file: string): string {
  return basename(file).replace(/(\.sync)?\.ya?ml$/i, '');
}

/** FNV-1a: a stable 32-bit hash, the same on every machine and Node version. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export const MIN_DERIVED_SERVER_ID = 5400;
const MAX_SERVER_ID = 4294967295;

/** MySQL replica server id derived from the task name: stable, in 5400..4294967295 (clear of the small ids people hand out). */
export function deriveServerId(name: string): number {
  return MIN_DERIVED_SERVER_ID + (fnv1a(name) % (MAX_SERVER_ID - MIN_DERIVED_SERVER_ID + 1));
}

/** `lakesync_<name>` as a valid PostgreSQL slot name: lower case, [a-z0-9_], at most 63 characters. */
export function defaultSlotName(name: string): string {
  const slot = 'lakesync_' + name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  if (slot.length <= 63) return slot;
  // Truncated names of different tasks must not collide: keep a hash of the full name.
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${slot.slice(0, 54)}_${hash}`;
}
