/** The jobs the config defines: one per lifecycle kind, each with its cron schedule (null = only on demand). */
import type { ScheduledKind } from '../../contract/index.js';
import type { HelperConfig } from '../config/schema.js';

/** A configured job. */
export interface JobDefinition {
  name: string;
  kind: ScheduledKind;
  schedule: string | null;
}

/**
 * The jobs of a config, in a stable order. Backup jobs exist only with a backup section; prune only with its own
 * schedule; storage sampling only with drives; the Time Machine check only with a Time Machine share; rotation
 * only with Key Vault.
 */
export function jobsFromConfig(config: HelperConfig): JobDefinition[] {
  const jobs: JobDefinition[] = [{ name: 'graduation', kind: 'graduation', schedule: config.graduation.schedule }];
  if (config.backup) {
    jobs.push({ name: 'backup', kind: 'backup', schedule: config.backup.schedule });
    jobs.push({ name: 'check', kind: 'check', schedule: config.backup.check.schedule });
    if (config.backup.prune.schedule !== null && config.backup.engine === 'restic')
      jobs.push({ name: 'prune', kind: 'prune', schedule: config.backup.prune.schedule });
  }
  jobs.push({ name: 'drive-check', kind: 'drive-check', schedule: config.driveCheck.schedule });
  if (Object.keys(config.drives).length > 0)
    jobs.push({ name: 'storage-sample', kind: 'storage-sample', schedule: config.storageHistory.schedule });
  if (config.shares.some((s) => s.timeMachine !== false))
    jobs.push({ name: 'timemachine-check', kind: 'timemachine-check', schedule: config.timeMachine.schedule });
  // Rotation writes the new passwords to Key Vault first, where the clients read them: only with a vault.
  if (config.keyVault) jobs.push({ name: 'rotation', kind: 'rotation', schedule: config.rotation.schedule });
  return jobs;
}
