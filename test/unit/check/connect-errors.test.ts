// Connect failures become one sentence that names what failed and what to change, and never
// carries the password, whatever the driver put in its message.
import assert from 'node:assert/strict';
import type { SourceConfig } from '../../../src/engine/config/plan';
import { UserError } from '../../../src/engine/errors';
import { describeConnectError as pgError } from '../../../src/engine/source/postgres/connect';
import { describeConnectError as myError } from '../../../src/engine/source/mysql/connect';

const source = (type: 'postgres' | 'mysql'): SourceConfig => ({
  type, host: 'db.example', port: 6543, user: 'sync', password: 's3cret-pw', database: 'shop',
  serverId: 5401, slot: 'lakesync_shop', publication: 'lakesync_shop', connectTimeoutMs: 4000,
});
const err = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('connect error sentences', () => {
  const pg = source('postgres');
  const my = source('mysql');

  const cases: [string, UserError, RegExp][] = [
    ['pg refused', pgError(err('ECONNREFUSED'), pg), /^cannot reach PostgreSQL at db\.example:6543: connection refused; is the server running and is source\.port right\?$/],
    ['pg dns', pgError(err('ENOTFOUND'), pg), /host name "db\.example" does not resolve; check source\.host$/],
    ['pg timeout', pgError(new Error('Connection terminated due to connection timeout'), pg), /no answer within 4 s; check source\.host, source\.port/],
    ['pg password', pgError(err('28P01', 'password authentication failed for user "sync"'), pg), /rejected the password for user "sync".*check source\.user and source\.password$/],
    ['pg database', pgError(err('3D000', 'database "shop" does not exist'), pg), /^database "shop" does not exist on PostgreSQL at db\.example:6543; check source\.database or create it \(CREATE DATABASE shop;\)$/],
    ['pg role', pgError(err('28000', 'role "sync" does not exist'), pg), /^user "sync" does not exist on PostgreSQL/],
    ['pg hba', pgError(err('28000', 'no pg_hba.conf entry for host "10.0.0.5", user "sync", database "shop"'), pg), /pg_hba\.conf.*host shop sync .*scram-sha-256.*pg_reload_conf/],
    ['pg replication', pgError(err('42501', 'must be superuser or replication role to start walsender'), pg, { replication: true }), /ALTER ROLE sync WITH REPLICATION;$/],
    ['my refused', myError(err('ECONNREFUSED'), my), /^cannot reach MySQL\/MariaDB at db\.example:6543: connection refused; is the server running and is source\.port right\?$/],
    ['my timeout', myError(err('ETIMEDOUT'), my), /no answer within 4 s/],
    ['my access', myError(err('ER_ACCESS_DENIED_ERROR', "Access denied for user 'sync'@'10.0.0.5' (using password: YES)"), my), /rejected user "sync" \(wrong password, or no such user for this client host\)/],
    ['my database', myError(err('ER_BAD_DB_ERROR', "Unknown database 'shop'"), my), /^database "shop" does not exist on MySQL\/MariaDB at db\.example:6543/],
    ['my host', myError(err('ER_HOST_NOT_PRIVILEGED'), my), /does not accept connections from this machine/],
  ];
  for (const [name, e, re] of cases) {
    it(name, () => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'), 'one line');
    });
  }

  it('never repeats the password, even when the driver message contains it', () => {
    const leaky = new Error('could not connect to postgres://sync:s3cret-pw@db.example:6543/shop');
    assert.ok(!pgError(leaky, pg).message.includes('s3cret-pw'));
    assert.ok(!myError(Object.assign(leaky, { code: 'EWHATEVER' }), my).message.includes('s3cret-pw'));
  });
});
