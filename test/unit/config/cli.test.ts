// The same bad files through the command line: `lakesync check` prints each problem as
// file:line:column and exits 1, quickly, without a stack trace.
import assert from 'node:assert/strict';
import { main } from '../../../src/engine/cli';
import { TempDir, VALID_MYSQL } from './helpers';

async function runCheck(file: string): Promise<{ code: number; stderr: string; stdout: string; ms: number }> {
  const err: string[] = [];
  const out: string[] = [];
  const [e, l] = [console.error, console.log];
  console.error = (...a: unknown[]) => { err.push(a.join(' ')); };
  console.log = (...a: unknown[]) => { out.push(a.join(' ')); };
  const t0 = performance.now();
  try {
    const code = await main(['check', file]);
    return { code, stderr: err.join('\n'), stdout: out.join('\n'), ms: performance.now() - t0 };
  } finally {
    [console.error, console.log] = [e, l];
  }
}

describe('lakesync check on bad task files', () => {
  let dir: TempDir;
  before(() => { dir = new TempDir(); });
  after(() => dir.remove());

  const cases: [string, string | Buffer, RegExp][] = [
    ['wrong type', VALID_MYSQL.replace('port: 3306', 'port: abc'), /:5:9 source\.port must be a number, got "abc"/],
    ['unknown key', VALID_MYSQL.replace('chunkSize: 1000', 'chunksize: 1000'), /:18:3 unknown key 'chunksize' in snapshot: did you mean 'chunkSize'\?/],
    ['unclosed quote', 'source:\n  host: "127.0.0.1\nmode: x\n', /:2:9 YAML syntax error: this quoted value is never closed/],
    ['unclosed list', 'mode: x\ntables: [shop.a,\n  shop.b\nexclude: []\n', /:2:9 YAML syntax error: this \[ list is never closed/],
    ['binary garbage', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0xff, 0xfe, 0x00]), /:1:\d+ the (file contains binary data|file is not UTF-8)/],
    ['deep nesting', 'tables: ' + '['.repeat(10000), /:1:\d+ nested more than 32 levels/],
    ['missing env variable', VALID_MYSQL.replace('SHOP_DB_PASSWORD', 'LAKESYNC_TEST_NEVER_SET_42'), /:7:13 environment variable LAKESYNC_TEST_NEVER_SET_42 is not set/],
  ];
  for (const [name, content, expected] of cases) {
    it(name, async () => {
      const file = dir.write(`${name.replace(/ /g, '-')}.sync.yaml`, content);
      const r = await runCheck(file);
      assert.equal(r.code, 1);
      assert.match(r.stderr, expected);
      assert.ok(r.stderr.startsWith(file + ':'), r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at |unexpected error/);
      assert.ok(r.ms < 5000, `${r.ms.toFixed(0)} ms (a "no hang" guard, not a benchmark)`);
    });
  }
});
