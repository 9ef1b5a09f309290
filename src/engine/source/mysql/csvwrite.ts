// Writes the CSV lines a chunk query returns (one binary column per row, see csvchunk.ts) to a file
// in large writes: each line arrives as the bytes of the packet, never decoded or converted.
import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';
import { queryStream, type Sql } from './session';

const BLOCK = 1 << 20;
const NL = Buffer.from('\n');

/**
 * Runs `sql` (one CSV line per row; with `groupLimit`, rows of [lines joined by \n, their count],
 * no group reaching groupLimit bytes) on `c` and writes the lines to `file`. Resolves to the row
 * count, or to undefined when a line is not valid UTF-8 (a text column holding bytes its charset
 * does not allow: readChunk decodes those with replacement characters, which SQL cannot
 * reproduce); the rest of the result is then read and dropped, and the file left empty.
 */
export async function writeCsv(c: Sql, sql: string, params: unknown[], file: string, groupLimit?: number): Promise<number | undefined> {
  // opened before the query starts: the row stream must have its reader from the first event on
  const fh = await open(file, 'w');
  let query: ReturnType<typeof queryStream>;
  try {
    query = queryStream(c, { sql, rowsAsArray: true }, params, 4096);
  } catch (err) {
    await fh.close();
    throw err;
  }
  const { stream } = query;
  let parts: Buffer[] = [];
  let size = 0;
  let count = 0;
  let valid = true;
  // Every part is whole lines: a few large ones (groups) are written as they are, many small ones
  // copied into one block first.
  const flush = async () => {
    const blocks = parts.length <= 1024 ? parts : [Buffer.concat(parts, size)];
    parts = []; size = 0;
    if (!blocks.every((b) => isUtf8(b))) { valid = false; return; }
    await fh.writev(blocks);
  };
  try {
    for await (const row of stream as AsyncIterable<[Buffer, string?]>) {
      const line = row[0];
      // a binary column arrives as bytes; anything else would be a line this module did not build
      if (!Buffer.isBuffer(line)) throw new Error(`the bulk copy query returned ${line === null ? 'NULL' : typeof line} instead of a CSV line; please report it`);
      if (groupLimit !== undefined) {
        // GROUP_CONCAT cuts silently at its limit: a group that long may have lost lines
        if (line.length >= groupLimit) throw new Error(`a group of CSV lines reached group_concat_max_len (${groupLimit} bytes) and may be cut; please report it`);
        count += Number(row[1]);
      } else {
        count++;
      }
      if (!valid) continue;
      parts.push(line, NL);
      size += line.length + 1;
      if (size >= BLOCK) await flush();
    }
    if (valid && size) await flush();
    if (!valid) await fh.truncate(0);
  } finally {
    query.done();
    await fh.close();
  }
  return valid ? count : undefined;
}
