/** Child process for fault injection: restores into flux as run 77, to be killed with SIGKILL while restic writes. */
import { HelperConfig } from '../server-helper/config/schema.js';
import { resticEngineFor } from '../server-helper/lifecycle/backup/tasks.js';
import { restoreIntoFlux } from '../server-helper/lifecycle/restore/restore.js';

const [configJson, fluxRoot, snapshot, path] = process.argv.slice(2) as [string, string, string, string];
const config = HelperConfig.parse(JSON.parse(configJson));
await restoreIntoFlux({
  engine: await resticEngineFor(config),
  fluxRoot,
  snapshot,
  path,
  runId: 77,
  runActive: () => false,
});
process.stdout.write('finished without being killed\n');
