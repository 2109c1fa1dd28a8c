/** What the API's routes need, gathered in one object so tests can build a server around a temp store. */
import type { Logger } from 'pino';
import type { AlertChannelStatus, AlertTestResult, DriveStatus, Job, JobRun } from '../../contract/index.js';
import type { HelperConfig } from '../config/schema.js';
import type { EventBus } from '../runs/bus.js';
import type { Store } from '../store/index.js';
import type { TimeMachineProbe } from '../timemachine/inspect.js';

/** The services behind the API. Optional ones are filled in by the features that provide them. */
export interface AppContext {
  config: HelperConfig;
  store: Store;
  bus: EventBus;
  log: Logger;
  version: string;
  startedAt: number;
  /** Measures each role's disk now. */
  inspectDrives?: () => Promise<DriveStatus[]>;
  /** The configured jobs with their schedules and last runs. */
  listJobs?: () => Job[];
  /** Starts and cancels job runs (the daemon's job runner): a configured job by name, or an action by kind with its parameters. */
  jobs?: {
    start(name: string, trigger: JobRun['trigger'], params?: Record<string, unknown>): JobRun;
    cancel(runId: number): JobRun;
  };
  /** The alert channels (the daemon's alert service): their records, and a test message to one. */
  alerts?: {
    statuses(): AlertChannelStatus[];
    test(name: string): Promise<AlertTestResult>;
  };
  /** Called when the helper stops, before the store closes (stops schedules, cancels runs). */
  onClose?: (() => Promise<void>)[];
  /** How the Time Machine report learns which files Samba has open (default: smbstatus with the config's smb.conf). */
  timeMachineProbe?: TimeMachineProbe;
  /** Whether a Host names this machine itself (its host names and addresses; the daemon fills it in). */
  isOwnHost?: (host: string) => boolean;
  /** Interval of SSE heartbeat comments (default 15 s). */
  sseHeartbeatMs?: number;
}
