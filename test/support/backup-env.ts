/** A temp installation for backup tests: a space folder with files, 0600 secret files, a config, and a job service. */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { FtsEvent, JobRun } from '../../contract/index.js';
import { HelperConfig } from '../../server-helper/config/schema.js';
import { EventBus } from '../../server-helper/runs/bus.js';
import { createJobService, defaultRegistry, type JobService } from '../../server-helper/jobs/service.js';
import type { Task } from '../../server-helper/runs/task.js';
import { openStore, type Store } from '../../server-helper/store/index.js';

/** Writes a 0600 secret file. */
export function secretFile(path: string, value: string): string {
  writeFileSync(path, value, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

/** Fills dir with `count` files of `size` random bytes (in a few subfolders) and returns their relative paths. */
export function fillRandom(dir: string, count: number, size: number, prefix = 'f'): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const rel = join(`d${i % 3}`, `${prefix}${i}.bin`);
    mkdirSync(join(dir, `d${i % 3}`), { recursive: true });
    writeFileSync(join(dir, rel), randomBytes(size));
    out.push(rel);
  }
  return out;
}

/** SHA-256 of a file. */
export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The secrets a test installation uses; distinctive so a leak is easy to find. */
export interface TestSecrets {
  password: string;
  keyId: string;
  applicationKey: string;
}

/** Makes a space folder, secret files and a config whose backup section is `backup` on top of the secrets. */
export function backupInstall(
  root: string,
  backup: Record<string, unknown>,
  secrets: Partial<TestSecrets> = {},
): { config: HelperConfig; space: string; secrets: TestSecrets } {
  const space = join(root, 'space');
  mkdirSync(space, { recursive: true });
  mkdirSync(join(root, 'secrets'), { recursive: true, mode: 0o700 });
  const s: TestSecrets = {
    password: secrets.password ?? `repo-pw-${randomBytes(9).toString('hex')}`,
    keyId: secrets.keyId ?? 'S3RVER',
    applicationKey: secrets.applicationKey ?? `app-key-${randomBytes(9).toString('hex')}`,
  };
  const passwordFile = secretFile(join(root, 'secrets', 'restic-password'), s.password);
  const keyIdFile = secretFile(join(root, 'secrets', 'b2-key-id'), s.keyId);
  const applicationKeyFile = secretFile(join(root, 'secrets', 'b2-application-key'), s.applicationKey);
  const config = HelperConfig.parse({
    server: { name: 'motoko' },
    store: { path: join(root, 'helper.db') },
    drives: { space: { mountPoint: space, requireMount: false } },
    shares: [{ name: 'space', role: 'space', path: space }],
    backup: { passwordFile, keyIdFile, applicationKeyFile, cacheDir: join(root, 'cache'), ...backup },
  });
  return { config, space, secrets: s };
}

/** A job service over a config's store, recording every event. */
export class JobHarness {
  readonly store: Store;
  readonly bus: EventBus;
  readonly jobs: JobService;
  readonly events: FtsEvent[] = [];

  constructor(
    readonly config: HelperConfig,
    extraTasks: Task[] = [],
  ) {
    this.store = openStore(config.store.path);
    this.bus = new EventBus(this.store.events);
    this.bus.subscribe((e) => this.events.push(e));
    this.jobs = createJobService({
      config,
      store: this.store,
      bus: this.bus,
      log: pino({ level: 'silent' }),
      schedule: false,
      registry: defaultRegistry(extraTasks),
      pollMs: 50,
    });
  }

  /** Runs a job to its end. */
  run(name: string): Promise<JobRun> {
    return this.jobs.runner.start(name, 'manual').done;
  }

  /** Events of one run. */
  eventsOf(runId: number): FtsEvent[] {
    return this.events.filter((e) => (e.data as { runId?: number }).runId === runId);
  }

  /** Stops runs and closes the store. */
  async close(): Promise<void> {
    await this.jobs.close();
    this.bus.close();
    this.store.close();
  }
}
