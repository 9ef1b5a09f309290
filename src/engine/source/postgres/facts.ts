// PostgreSQL's facts (source/facts.ts): what the engine knows about it without connecting.
import type { SourceFacts } from '../facts';
import { parsePosition, PositionError } from '../../positions';
import { mapPostgresColumn } from '../../typemap/postgres';
import { postgresFlinkCdc } from '../../export/flink-cdc/postgres';

export const postgresFacts: SourceFacts = {
  label: 'PostgreSQL',
  defaultPort: 5432,
  starterDatabase: 'postgres',
  urlSchemes: ['postgres', 'postgresql'],
  ownSettings: ['slot', 'publication', 'plugin'],
  schemasInDatabase: true,
  positionKinds: ['lsn'],
  startPosition(text) {
    const p = parsePosition(text);
    // a logical slot streams only from its own confirmed position onward, never from a time
    if (p.kind === 'time') {
      throw new PositionError(`A PostgreSQL task cannot start from a point in time (${text.trim()}): a logical slot streams only from its own `
        + 'confirmed position onward. Start from lsn:X/Y (lakesync status shows the position), or run a full sync.');
    }
    if (p.kind !== 'lsn') throw new PositionError(`A PostgreSQL task starts from lsn:X/Y, not a ${p.kind} position.`);
    return p;
  },
  rediscover: true,
  stallHint: 'Check the walsender in pg_stat_replication (state, sent_lsn) and the network to the source.',
  replicationState: (s) => `replication slot ${s.slot} and publication ${s.publication}`,
  mapColumn: mapPostgresColumn,
  flinkCdc: postgresFlinkCdc,
};
