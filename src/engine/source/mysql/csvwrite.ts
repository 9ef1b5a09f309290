// Writes the CSV lines a chunk query returns (one binary column per row, see csvchunk.ts) to a file
// in large writes: each line arrives as the bytes of the packet, never decoded or converted.
import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Sql } from './session';

const BLOCK = 1 << 20;
const NL = Buffer.from('\n');

type Core = NodeJS.EventEmitter & { query(o: object, p: unknown[]): { stream(o?: object): Readable } };

/**
 * Runs `sql` (one CSV line per row) on `c` and writes the lines to `file`. Resolves to the row
 * count, or to undefined when a line is not valid UTF-8 (a text column holding bytes its charset
 * does not allow: readChunk decodes those with replacement characters, which SQL cannot
 * reproduce); the rest of the result is then read and dropped, and the file left empty.
 */
export async function writeCsv(c: Sql, sql: string, params: unknown[], file: string): Promise<number | undefined> {
  const core = (c as unknown as { connection: Core }).connection;
  // opened before the query starts: the row stream must have its reader from the first event on
  const fh = await open(file, 'w');
  const stream = core.query({ sql, rowsAsArray: true }, params).stream({ highWaterMark: 4096 });
  // A connection that dies mid-read must end the read with an error (a row stream alone can wait
  // for ever on a dead socket), so the chunk is retried.
  const onGone = (err?: Error) => stream.destroy(err ?? new Error('the connection closed during the chunk read'));
  core.once('error', onGone);
  core.once('end', onGone);
  let parts: Buffer[] = [];
  let size = 0;
  let count = 0;
  let valid = true;
  const flush = async () => {
    const block = Buffer.concat(parts, size);
    parts = []; size = 0;
    if (!isUtf8(block)) { valid = false; return; }
    await fh.write(block);
  };
  try {
    for await (const row of stream as AsyncIterable<[Buffer]>) {
      count++;
      if (!valid) continue;
      const line = row[0];
      parts.push(line, NL);
      size += line.length + 1;
      if (size >= BLOCK) await flush();
    }
    if (valid && size) await flush();
    if (!valid) await fh.truncate(0);
  } finally {
    core.off('error', onGone);
    core.off('end', onGone);
    await fh.close();
  }
  return valid ? count : undefined;
}
