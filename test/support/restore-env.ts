/**
 * A temp installation for restore and bring-back tests: flux and space folders, a real local restic repository with
 * its 0600 password file, a config over them, and the helper's API (every feature, scheduler off) for app.inject.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { FtsEvent, JobRun } from '../../contract/index.js';
import type { AppContext } from '../../server-helper/api/context.js';
import { buildServer } from '../../server-helper/api/server.js';
import { HelperConfig } from '../../server-helper/config/schema.js';
import { serverFeatures } from '../../server-helper/features.js';
import { EventBus } from '../../server-helper/runs/bus.js';
import { openStore, type Store } from '../../server-helper/store/index.js';
import { secretFile } from './backup-env.js';

/** Fails with how to install restic when it is missing. */
export function requireRestic(): void {
  try {
    execFileSync('restic', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error('restic is not installed: apt-get install -y restic');
  }
}

/** flux, space, a restic repository and a config in `dir` (folders 0755, nothing mounted required). */
export function restoreInstall(
  dir: string,
  extra: Record<string, unknown> = {},
): { config: HelperConfig; flux: string; space: string; repo: string } {
  const flux = join(dir, 'flux');
  const space = join(dir, 'space');
  const repo = join(dir, 'repo');
  mkdirSync(flux, { recursive: true, mode: 0o755 });
  mkdirSync(space, { recursive: true, mode: 0o755 });
  mkdirSync(join(dir, 'secrets'), { recursive: true, mode: 0o700 });
  const passwordFile = secretFile(join(dir, 'secrets', 'restic-password'), 'restore-test-password');
  writeFileSync(join(dir, 'smb.conf'), '[global]\n');
  const config = HelperConfig.parse({
    server: { name: 'motoko' },
    store: { path: join(dir, 'helper.db') },
    drives: { flux: { mountPoint: flux, requireMount: false }, space: { mountPoint: space, requireMount: false } },
    shares: [
      { name: 'flux', role: 'flux', path: flux },
      { name: 'space', role: 'space', path: space },
    ],
    samba: { smbConf: join(dir, 'smb.conf') },
    backup: { engine: 'restic', repository: repo, passwordFile, cacheDir: join(dir, 'cache'), initIfMissing: true },
    ...extra,
  });
  return { config, flux, space, repo };
}

/** The helper's API over a config (every route, the job runner, no scheduler), for app.inject, recording every event. */
export class ApiHarness {
  readonly store: Store;
  readonly bus: EventBus;
  readonly ctx: AppContext;
  readonly events: FtsEvent[] = [];
  readonly admin: string;
  readonly client: string;
  app!: Awaited<ReturnType<typeof buildServer>>['app'];

  private constructor(readonly config: HelperConfig) {
    this.store = openStore(config.store.path);
    this.bus = new EventBus(this.store.events);
    this.bus.subscribe((e) => this.events.push(e));
    this.admin = this.store.tokens.create('admin', 'admin');
    this.client = this.store.tokens.create('laptop', 'client');
    this.ctx = {
      config,
      store: this.store,
      bus: this.bus,
      log: pino({ level: 'silent' }),
      version: 'test',
      startedAt: Date.now(),
    };
  }

  /** Builds the server. */
  static async start(config: HelperConfig): Promise<ApiHarness> {
    const h = new ApiHarness(config);
    const features = serverFeatures(config, { schedule: false, jobPollMs: 20 });
    await features.extend?.(h.ctx);
    h.app = (await buildServer(h.ctx, { plugins: features.plugins })).app;
    return h;
  }

  /** One request with a token (admin by default). */
  async call(
    method: 'GET' | 'POST',
    url: string,
    body?: unknown,
    token = this.admin,
  ): Promise<{ status: number; json: unknown }> {
    const r = await this.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${token}`,
        host: '127.0.0.1:8642',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.statusCode, json: r.body ? (JSON.parse(r.body) as unknown) : null };
  }

  /** Starts a job or action through the runner and waits for its end. */
  async run(name: string, params?: Record<string, unknown>): Promise<JobRun> {
    return this.ended(this.ctx.jobs!.start(name, 'manual', params).id);
  }

  /** Waits for a run to end, by its row. */
  async ended(runId: number): Promise<JobRun> {
    for (let i = 0; i < 6000; i++) {
      const r = this.store.runs.get(runId)!;
      if (r.status !== 'queued' && r.status !== 'running') return r;
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error(`run ${runId} did not end`);
  }

  /** The events of one run. */
  eventsOf(runId: number): FtsEvent[] {
    return this.events.filter((e) => (e.data as { runId?: number }).runId === runId);
  }

  /** Stops runs, the server and the store. */
  async close(): Promise<void> {
    await this.app.close();
    for (const hook of this.ctx.onClose ?? []) await hook();
    this.bus.close();
    this.store.close();
  }
}
