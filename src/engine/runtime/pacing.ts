// How soon after a commit the stream's idle flush may commit again (runtime/stream.ts).
//
// The idle flush commits as soon as the stream is quiet for 10 ms. At 5,000 changes/s in
// transactions 20 ms apart that was a commit per transaction, each paying the apply's fixed cost
// (the DELETE's scan of the target, the commit): about a core of CPU. So after a commit that
// took d ms the next idle flush waits COMMIT_GAP_FACTOR × d, at most MAX_COMMIT_GAP_MS: commits
// take at most a third of the time, so a slower commit (more changes, a busier machine) gets a
// larger next batch by itself, and a quiet stream (the last commit long ago) still commits 10 ms
// after its transaction. The flush interval and a full batch still commit without waiting.

/** The next idle flush waits this many times the last commit's duration. */
export const COMMIT_GAP_FACTOR = 2;
/** The longest such wait (ms): one slow commit (a checkpoint inside it) holds the next only this long. */
export const MAX_COMMIT_GAP_MS = 50;

/** performance.now() before which no idle flush starts, after a commit from `start` to `end`. */
export function idleFlushNotBefore(start: number, end: number): number {
  return end + Math.min(MAX_COMMIT_GAP_MS, COMMIT_GAP_FACTOR * Math.max(0, end - start));
}
