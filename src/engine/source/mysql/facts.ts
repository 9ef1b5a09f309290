// MySQL/MariaDB's facts (source/facts.ts): what the engine knows about it without connecting.
import type { SourceFacts } from '../facts';
import { parsePosition, PositionError } from '../../positions';
import { mapMysqlColumn } from '../../typemap/mysql';
import { mysqlFlinkCdc } from '../../export/flink-cdc/mysql';

export const mysqlFacts: SourceFacts = {
  label: 'MySQL/MariaDB',
  defaultPort: 3306,
  starterDatabase: '',
  urlSchemes: ['mysql', 'mariadb'],
  ownSettings: ['serverId'],
  schemasInDatabase: false,
  positionKinds: ['binlog', 'gtid'],
  startPosition(text) {
    // FILE:POS, gtid:SET or an ISO time (the stream finds the first binlog file at or after it)
    const p = parsePosition(text);
    if (p.kind === 'lsn') throw new PositionError('A MySQL/MariaDB task starts from FILE:POS, gtid:SET or an ISO timestamp, not an LSN.');
    return p;
  },
  rediscover: false,
  stallHint: 'Check the binlog dump thread in SHOW PROCESSLIST and the network to the source.',
  replicationState: () => undefined,
  mapColumn: mapMysqlColumn,
  flinkCdc: mysqlFlinkCdc,
};
