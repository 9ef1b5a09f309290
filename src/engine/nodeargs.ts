// The Node options every launcher of an engine process passes (the extension, `run --supervise`,
// the bench): one place, so that the engine measured is the engine users run.

/**
 * V8's young generation (one semi-space, MiB). Node's default grows it to 16 MiB a semi-space; the
 * engine's allocations are short-lived row values, and a 1M-row transaction's heap stayed at ~57 MB
 * with 4 MiB against ~90 MB with the default, at the same engine CPU (docs/performance.md, memory).
 */
export const SEMI_SPACE_MB = 4;

/** `--max-old-space-size` = the engine's memory (parameters.memoryMb), and the young generation's size; none without a limit. */
export function engineNodeArgs(memoryMb: number | undefined): string[] {
  return memoryMb && memoryMb > 0 ? [`--max-old-space-size=${Math.floor(memoryMb)}`, `--max-semi-space-size=${SEMI_SPACE_MB}`] : [];
}
