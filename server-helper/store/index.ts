/** The helper's store: one SQLite file with a repository per table. */
import { openDb, type Db } from './db.js';
import { ClientStore } from './clients.js';
import { EventStore } from './events.js';
import { TokenStore } from './tokens.js';
import { RunStore } from './runs.js';
import { JobLockStore, JobStateStore } from './job-locks.js';
import { StorageSampleStore } from './storage-samples.js';
import { FluxHoldStore } from './flux-holds.js';

/** All repositories over one database. */
export interface Store {
  db: Db;
  clients: ClientStore;
  tokens: TokenStore;
  events: EventStore;
  runs: RunStore;
  jobLocks: JobLockStore;
  jobState: JobStateStore;
  storageSamples: StorageSampleStore;
  fluxHolds: FluxHoldStore;
  close(): void;
}

/** Opens the store at path (`:memory:` for tests). */
export function openStore(path: string, opts: { eventRetention?: number } = {}): Store {
  const db = openDb(path);
  return {
    db,
    clients: new ClientStore(db),
    tokens: new TokenStore(db),
    events: new EventStore(db, opts.eventRetention ?? 10_000),
    runs: new RunStore(db),
    jobLocks: new JobLockStore(db),
    jobState: new JobStateStore(db),
    storageSamples: new StorageSampleStore(db),
    fluxHolds: new FluxHoldStore(db),
    close: () => db.close(),
  };
}
