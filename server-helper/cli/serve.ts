/** `fts-helper serve`: the daemon in the foreground, JSON logs on stdout. */
import type { Command } from 'commander';
import pino from 'pino';
import type { Logger } from 'pino';
import type { HelperConfig } from '../config/schema.js';
import { resolveConfig, withConfigOptions, type ConfigOptions } from './common.js';

/** A checkout without a built dashboard builds it on its first serve (an install has built it already). */
async function buildDashboardOnFirstServe(config: HelperConfig, log: Logger): Promise<void> {
  const [{ isDashboardBuilt, PACKAGE_DASHBOARD_DIR, PACKAGE_ROOT }, { buildDashboard, viteEntry }] = await Promise.all([
    import('../api/dashboard.js'),
    import('../system/vite.js'),
  ]);
  if (config.api.dashboardDir !== undefined || isDashboardBuilt(PACKAGE_DASHBOARD_DIR)) return;
  const entry = viteEntry(PACKAGE_ROOT);
  if (!entry) return;
  log.info({ dir: PACKAGE_DASHBOARD_DIR }, 'building the dashboard (the first serve from a checkout)');
  await buildDashboard(PACKAGE_ROOT, entry).catch((err: Error) =>
    log.warn({ err: err.message }, 'the dashboard could not be built; / says how'),
  );
}

/** Registers `serve`. */
export function registerServe(program: Command): void {
  withConfigOptions(
    program.command('serve').description('run the helper: API, events, dashboard and schedules, in the foreground'),
  )
    .option('--listen <host:port>', 'address to listen on (overrides api.listen)')
    .option('--insecure-lan', 'allow plain HTTP on a non-loopback address')
    .action(async (opts: ConfigOptions & { listen?: string; insecureLan?: boolean }) => {
      // Loaded here, not at the top: the server's modules would slow every other command's start.
      const [{ startHelper }, { serverFeatures }] = await Promise.all([
        import('../daemon.js'),
        import('../features.js'),
      ]);
      const { config, source, sandboxDir } = resolveConfig(opts);
      const log = pino({
        name: 'fts-helper',
        redact: {
          paths: ['password', '*.password', 'token', '*.token', 'req.headers.authorization'],
          censor: '[redacted]',
        },
      });
      await buildDashboardOnFirstServe(config, log);
      const helper = await startHelper({
        config,
        listen: opts.listen,
        insecureLan: opts.insecureLan,
        log,
        ...serverFeatures(config),
      });
      log.info(
        { url: helper.url, fingerprint: helper.fingerprint, config: source, sandbox: sandboxDir ?? null },
        `fts-helper listening on ${helper.url}`,
      );
      const stop = async (signal: string) => {
        log.info({ signal }, 'stopping');
        await helper.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}
