/** install-server.sh as the tests run it: into a scratch root, without starting services or copying the app. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const script = join(import.meta.dirname, '..', '..', 'build', 'server', 'install-server.sh');

/**
 * Runs `install-server.sh --root ROOT --no-start --skip-app --share-group GROUP --listen HOST:PORT [extra…]` and
 * returns what it printed (it throws, with its output, when the script fails).
 */
export function installServerInto(
  root: string,
  opts: { group: string; listen: string; extra?: string[]; env?: NodeJS.ProcessEnv },
): string {
  return execFileSync(
    'sh',
    [
      script,
      '--root',
      root,
      '--no-start',
      '--skip-app',
      '--share-group',
      opts.group,
      '--listen',
      opts.listen,
      ...(opts.extra ?? []),
    ],
    { encoding: 'utf8', env: opts.env ?? process.env },
  );
}
