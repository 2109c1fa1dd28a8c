/**
 * One reading answers every request for a while: concurrent callers share the reading in flight, and its result
 * (a failure too) is kept for ttlMs from the moment it finished, so a reading that takes longer than ttlMs, or one
 * that fails, does not let a client asking in a loop start the next at once.
 */
export function sharedReading<T>(
  read: () => Promise<T>,
  ttlMs: number,
  now: () => number = Date.now,
): () => Promise<T> {
  let done: { at: number; result: Promise<T> } | null = null;
  let inFlight: Promise<T> | null = null;
  return () => {
    if (inFlight) return inFlight;
    if (done && now() - done.at < ttlMs) return done.result;
    const result = read();
    inFlight = result;
    const settle = () => {
      done = { at: now(), result };
      inFlight = null;
    };
    result.then(settle, settle);
    return result;
  };
}
