// The VSIX under test: LAKESYNC_E2E_VSIX when given (CI packages once), else packaged now.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './codeServer';

export function vsixUnderTest(): string {
  const given = process.env.LAKESYNC_E2E_VSIX;
  if (given) {
    if (!existsSync(given)) throw new Error(`LAKESYNC_E2E_VSIX=${given} does not exist`);
    return given;
  }
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'lakesync-vsix-')), 'lakesync.vsix');
  const r = spawnSync('bash', [path.join(ROOT, 'scripts', 'package-vsix.sh')], { env: { ...process.env, LAKESYNC_VSIX: out }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`packaging failed:\n${r.stdout}\n${r.stderr}`);
  return out;
}
