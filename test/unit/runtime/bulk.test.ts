// Which chunks take the snapshot's bulk path (runtime/bulk.ts): the rule, and the fall-back to
// the row path said once per table.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Route } from '../../../src/engine/pipeline/route';
import { ChunkFiles, SMALL_TABLE_BYTES } from '../../../src/engine/runtime/bulk';
import type { Chunk, SnapshotSession } from '../../../src/engine/source/adapter';
import type { SnapshotChunkWriter } from '../../../src/engine/sink/sink';

const table = { db: 'public', table: 't' };
const whole: Chunk = { table, index: 0, from: null, to: null };
const bounded: Chunk = { table, index: 1, from: ['100'], to: ['200'] };
const route = (estimatedBytes?: number) =>
  ({ key: 'public.t', source: { id: table, columns: [], primaryKey: ['id'], ...(estimatedBytes !== undefined ? { estimatedBytes } : {}) } }) as unknown as Route;

function session(copy: (file: string) => number | undefined): SnapshotSession {
  return {
    streamStart: { kind: 'pg', lsn: '0/0' } as never, planChunks: async () => [], readChunk: async () => 0, close: async () => undefined,
    copyChunk: async (_t, _c, file) => { const n = copy(file); if (n !== undefined) writeFileSync(file, ''); return n; },
  };
}
function writer(stage: () => number): SnapshotChunkWriter {
  return { stage: async () => undefined, commitChunk: async () => 0, abandon: async () => undefined, close: async () => undefined, stageFile: async () => stage() };
}

describe('snapshot bulk path: which chunks take it', () => {
  afterEach(() => { delete process.env.LAKESYNC_SNAPSHOT_ROWS; });

  it('takes every chunk of a large or unknown table and the bounded chunks of any table, not a small one-chunk table', () => {
    const files = new ChunkFiles(() => undefined);
    const s = session(() => 1), w = writer(() => 1);
    assert.equal(files.usable(s, w, route(SMALL_TABLE_BYTES - 1), whole), false);
    assert.equal(files.usable(s, w, route(SMALL_TABLE_BYTES), whole), true);
    assert.equal(files.usable(s, w, route(undefined), whole), true);
    assert.equal(files.usable(s, w, route(10), bounded), true);
    process.env.LAKESYNC_SNAPSHOT_ROWS = '1';
    assert.equal(files.usable(s, w, route(undefined), bounded), false);
  });

  it('needs both sides: a source without copyChunk or a sink without stageFile reads rows', () => {
    const files = new ChunkFiles(() => undefined);
    const s = session(() => 1);
    assert.equal(files.usable({ ...s, copyChunk: undefined }, writer(() => 1), route(), bounded), false);
    assert.equal(files.usable(s, { ...writer(() => 1), stageFile: undefined }, route(), bounded), false);
  });

  it('a table the source cannot copy, or whose file the sink cannot read, reads rows from then on, said once', async () => {
    const said: string[] = [];
    const files = new ChunkFiles((key, why) => said.push(`${key}: ${why}`));
    const check = () => undefined;
    assert.equal(await files.copy(session(() => 7), writer(() => 7), route(), bounded, 0, check), 7);
    const miscounted = new ChunkFiles((key, why) => said.push(`${key}: ${why}`));
    assert.equal(await miscounted.copy(session(() => 7), writer(() => 6), route(), bounded, 0, check), undefined);
    assert.equal(await files.copy(session(() => undefined), writer(() => 7), route(), bounded, 0, check), undefined);
    assert.equal(files.usable(session(() => 7), writer(() => 7), route(), bounded), false);
    const other = new ChunkFiles((key, why) => said.push(`${key}: ${why}`));
    const failing = writer(() => { throw new Error('Invalid unicode (byte sequence mismatch)'); });
    assert.equal(await other.copy(session(() => 3), failing, route(), bounded, 0, check), undefined);
    assert.equal(await other.copy(session(() => 3), failing, route(), bounded, 0, check), undefined);
    assert.deepEqual(said, ['public.t: the bulk copy could not be read: 7 rows copied but 6 staged', 'public.t: the source cannot copy it in bulk: a column type needs conversion in JavaScript, or a value is not UTF-8',
      'public.t: the bulk copy could not be read: Invalid unicode (byte sequence mismatch)']);
    files.close(); other.close();
  });

  it('removes the chunk folders of engines that died (kill -9) and keeps those of live ones', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const orphan = join(tmpdir(), `lakesync-chunks-${dead}-test`);
    const live = join(tmpdir(), `lakesync-chunks-${process.ppid}-test`);
    mkdirSync(orphan, { recursive: true }); writeFileSync(join(orphan, 'chunk-0.csv'), '1\n');
    mkdirSync(live, { recursive: true });
    const files = new ChunkFiles(() => undefined);
    assert.equal(await files.copy(session(() => 1), writer(() => 1), route(), bounded, 0, () => undefined), 1);
    assert.equal(existsSync(orphan), false, 'the dead engine\'s folder is gone');
    assert.equal(existsSync(live), true, 'a live process\'s folder stays');
    files.close();
    rmSync(live, { recursive: true, force: true });
  });
});
