// LAKESYNC_MEMORY_TRACE=MS: every MS ms, one line on stderr with the engine's memory by owner
// (resident set, V8 heap, buffers outside the heap, DuckDB's buffer manager by tag). For finding
// where the memory of a run goes; off unless set.
import type { Conn } from './db';

/** Starts the trace when LAKESYNC_MEMORY_TRACE is set; returns its stop. */
export function traceMemory(conn: Conn, label = 'memory'): () => void {
  const ms = Number(process.env.LAKESYNC_MEMORY_TRACE);
  if (!ms || ms <= 0) return () => undefined;
  const mb = (b: number | bigint) => Math.round(Number(b) / 1048576);
  let busy = false;
  const t = setInterval(() => {
    if (busy) return;
    busy = true;
    const m = process.memoryUsage();
    conn.rows<{ tag: string; mem: bigint; tmp: bigint }>('SELECT tag, memory_usage_bytes AS mem, temporary_storage_bytes AS tmp FROM duckdb_memory() WHERE memory_usage_bytes > 0 OR temporary_storage_bytes > 0')
      .then((rows) => {
        const duck = rows.reduce((a, r) => a + Number(r.mem), 0);
        process.stderr.write(`${label}: rss ${mb(m.rss)} heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)} `
          + `duckdb ${mb(duck)} (${rows.map((r) => `${r.tag} ${mb(r.mem)}${Number(r.tmp) ? `+tmp ${mb(r.tmp)}` : ''}`).join(', ')})\n`);
      }, () => undefined)
      .finally(() => { busy = false; });
  }, ms);
  t.unref();
  return () => clearInterval(t);
}
