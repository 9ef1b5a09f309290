// The sources LakeSync knows, by the task file's `source.type`, and their facts (source/facts.ts).
// A leaf the config, type map and commands may import; the loaded parts (adapter, preflight,
// verify reader) are in source/registry.ts. A new source is one line here and one there.
import type { SourceType } from '../config/plan';
import type { SourceFacts } from './facts';
import { mysqlFacts } from './mysql/facts';
import { postgresFacts } from './postgres/facts';

export type { SourceFacts } from './facts';

const facts: Record<SourceType, SourceFacts> = {
  mysql: mysqlFacts,
  postgres: postgresFacts,
};

export const SOURCE_TYPES = Object.keys(facts) as SourceType[];

export function isSourceType(value: unknown): value is SourceType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(facts, value);
}

export function sourceFacts(type: SourceType): SourceFacts {
  if (!isSourceType(type)) throw new Error(`no source for source.type ${JSON.stringify(type)} (known: ${SOURCE_TYPES.join(', ')})`);
  return facts[type];
}
