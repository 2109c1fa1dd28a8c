/** Which Macs' backups need attention (pure): stale, nearly full, verification failed, unreadable. */
import type { TimeMachineMac, TimeMachineWarning } from '../../contract/index.js';

/** The thresholds the config sets. */
export interface HealthRules {
  staleAfterMs: number;
  nearlyFullAt: number;
}

const DAY = 86_400_000;
const days = (ms: number) => Math.max(1, Math.floor(ms / DAY));

/**
 * The warnings of one Mac at `now`. A Mac that is backing up now is not called stale: its backup may be about
 * to complete, and the next check (after it) decides.
 */
export function macWarnings(
  mac: Omit<TimeMachineMac, 'warnings'>,
  rules: HealthRules,
  now: number,
): TimeMachineWarning[] {
  const w: TimeMachineWarning[] = [];
  if (!mac.running) {
    const last = mac.lastBackup === null ? null : Date.parse(mac.lastBackup);
    if (last === null) w.push({ code: 'stale', message: `${mac.name} has no completed Time Machine backup` });
    else if (now - last > rules.staleAfterMs) {
      w.push({
        code: 'stale',
        message: `${mac.name} has not completed a Time Machine backup in ${days(now - last)} days (over ${days(rules.staleAfterMs)})`,
      });
    }
  }
  if (mac.usage !== null && mac.usage >= rules.nearlyFullAt) {
    w.push({
      code: 'nearly-full',
      message: `${mac.name}'s Time Machine backup uses ${Math.floor(mac.usage * 100)} % of its maximum size (warning at ${Math.round(rules.nearlyFullAt * 100)} %)`,
    });
  }
  if (mac.verification === 'failed') {
    w.push({
      code: 'verification-failed',
      message: `${mac.name}'s Time Machine backup failed verification; macOS will ask to start a new backup`,
    });
  }
  return w;
}

/** The `unreadable` warning of a Mac whose bundle had files the helper refused or could not read; none without. */
export function unreadableWarning(
  mac: Pick<TimeMachineMac, 'name'>,
  problems: readonly string[],
): TimeMachineWarning[] {
  if (problems.length === 0) return [];
  return [
    { code: 'unreadable', message: `${mac.name}'s Time Machine bundle is partly unreadable: ${problems.join('; ')}` },
  ];
}
