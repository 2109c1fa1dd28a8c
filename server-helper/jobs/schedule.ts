/** Cron schedules (croner): validation and next run times. */
import { Cron } from 'croner';

/** Why a cron pattern is invalid, or null when it is valid. */
export function cronProblem(pattern: string): string | null {
  try {
    new Cron(pattern, { paused: true }).stop();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** The next time a pattern fires after `from` (default now); null when invalid or never. */
export function nextRunOf(pattern: string, from: Date = new Date()): Date | null {
  try {
    const c = new Cron(pattern, { paused: true });
    const next = c.nextRun(from);
    c.stop();
    return next;
  } catch {
    return null;
  }
}
