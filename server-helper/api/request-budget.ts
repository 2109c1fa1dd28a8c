/**
 * Small in-memory limits on what one token may ask of the helper: so many requests of a kind per window, and one of
 * a kind in flight at a time. A tray asks for these a few times a day; a token asking in a loop gets a 429 that
 * says when to try again, and the helper's time and processes go to the others.
 */

/** A refusal with its HTTP status. */
function tooMany(message: string): Error {
  return Object.assign(new Error(message), { statusCode: 429 });
}

/** At most `max` requests per key in each `windowMs` (a fixed window: cheap, and exact enough for a tray). */
export class RequestBudget {
  private readonly used = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    /** What the requests are, for the message (`bring-back requests`). */
    private readonly what: string,
  ) {}

  /** Counts one request of `key` (a token's name); throws a 429 when the key has used its budget. */
  spend(key: string, now = Date.now()): void {
    let u = this.used.get(key);
    if (!u || now >= u.resetAt) {
      // Forget expired keys now and then, so revoked tokens do not pile up.
      if (this.used.size > 1000) for (const [k, v] of this.used) if (now >= v.resetAt) this.used.delete(k);
      u = { count: 0, resetAt: now + this.windowMs };
      this.used.set(key, u);
    }
    if (u.count >= this.max)
      throw tooMany(
        `the token "${key}" has made ${this.max} ${this.what} in ${Math.round(this.windowMs / 1000)} s, the most it may: try again in ${Math.max(1, Math.ceil((u.resetAt - now) / 1000))} s`,
      );
    u.count++;
  }
}

/** One request of a kind at a time per key. */
export class OneAtATime {
  private readonly busy = new Set<string>();

  constructor(
    /** What the request is, for the message (`search`). */
    private readonly what: string,
  ) {}

  /** Runs `work` for `key`, or throws a 429 when the key already has one running. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    if (this.busy.has(key))
      throw tooMany(`the token "${key}" already has a ${this.what} running: wait for its answer before asking again`);
    this.busy.add(key);
    try {
      return await work();
    } finally {
      this.busy.delete(key);
    }
  }
}
