/**
 * The alert service: it subscribes to the event bus (jobs never call it); its listener only notes an event,
 * and right after, off the publisher's call, it decides per channel what to send and puts each message in the
 * store's outbox in the same transaction that advances its event cursor. One
 * worker per channel sends from the outbox in order; a channel that is down is retried with backoff and
 * logged, and neither the bus nor a job ever waits for a channel. A restart resumes from the outbox and
 * the cursor, so nothing is told twice and nothing that happened while the helper was down is lost.
 */
import type { Logger } from 'pino';
import {
  AlertMessage,
  eventLevel,
  parseDuration,
  type AlertChannelStatus,
  type AlertTestResult,
  type FtsEvent,
} from '../../contract/index.js';
import type { HelperConfig } from '../config/schema.js';
import type { EventBus } from '../runs/bus.js';
import { AlertStore } from '../store/alerts.js';
import type { Store } from '../store/index.js';
import type { SecretSource as VaultReader } from '../system/keyvault.js';
import { SecretError } from '../system/secrets.js';
import { sendTestMessages } from './test-send.js';
import { VERSION } from '../version.js';
import { DeliveryError, senderFor, type AlertSender } from './channels/index.js';
import { describeEvent, eventMessage } from './describe.js';
import { channelWants, coalesce } from './policy.js';
import { AlertSecrets } from './secrets.js';

/** How a failed delivery is tried again. */
export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  giveUpAfterMs: number;
}

/** The wait before try number `attempt + 1`: initialDelay doubled per failure, at most maxDelay. */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
}

/** What the service needs. */
export interface AlertServiceOptions {
  config: HelperConfig;
  store: Store;
  bus: Pick<EventBus, 'subscribe'>;
  log: Logger;
  /** Replaces the config's Key Vault client (tests). */
  vault?: VaultReader;
}

/** The builds of every configured channel's sender. */
export function sendersFor(config: HelperConfig, opts: { vault?: VaultReader } = {}): AlertSender[] {
  const deps = {
    secrets: new AlertSecrets(config, opts.vault),
    timeoutMs: parseDuration(config.alerts.timeout)!,
    version: VERSION,
  };
  return config.alerts.channels.map((c) => senderFor(c, deps));
}

/** Each channel's configuration and delivery record, as `alerts list` shows them. */
export function channelStatuses(senders: readonly AlertSender[], alerts: AlertStore): AlertChannelStatus[] {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return senders.map((s) => {
    const c = s.channel;
    const r = alerts.record(c.name);
    return {
      name: c.name,
      type: c.type,
      target: s.target(),
      events: c.type === 'deadman' ? ['backup.finished', 'backup.failed'] : (c.events ?? null),
      minLevel: c.type === 'deadman' ? 'info' : c.minLevel,
      repeatWindow: c.type === 'deadman' ? '0s' : c.repeatWindow,
      pending: r.pending,
      lastSentAt: iso(r.lastSentAt),
      lastFailureAt: iso(r.lastFailureAt),
      lastError: r.lastError,
      sent: r.sent,
      givenUp: r.givenUp,
    };
  });
}

/** An error's message for logs and the store: ours are free of secrets; anything else is named only by its type. */
function deliveryErrorText(err: unknown): string {
  if (err instanceof DeliveryError || err instanceof SecretError) return err.message;
  return `unexpected ${err instanceof Error ? err.name : typeof err} while sending`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Sends one channel's outbox in order, trying again with backoff while the channel is down. */
class ChannelWorker {
  private running = false;
  private again = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: AbortController | null = null;
  private drained: Promise<void> = Promise.resolve();

  constructor(
    private readonly sender: AlertSender,
    private readonly alerts: AlertStore,
    private readonly retry: RetryPolicy,
    private readonly log: Logger,
  ) {}

  private get name(): string {
    return this.sender.channel.name;
  }

  /** Looks at the outbox now (a message was added, or a retry is due). Never waits. */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = true;
    this.drained = this.drain()
      .catch((err: unknown) => {
        // The store failed under it (a full disk): look again later rather than never.
        this.log.error(
          {
            channel: this.name,
            error: err instanceof Error ? err.message : String(err),
            retryInMs: this.retry.initialDelayMs,
          },
          'alert worker failed; it looks again later',
        );
        if (this.closed) return;
        this.timer = setTimeout(() => this.kick(), this.retry.initialDelayMs);
        this.timer.unref();
      })
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      this.again = false;
      if (this.closed) return;
      const row = this.alerts.head(this.name);
      if (!row) return;
      const wait = row.nextAt - Date.now();
      if (wait > 0) {
        this.timer = setTimeout(() => this.kick(), wait);
        this.timer.unref();
        return;
      }
      const parsed = AlertMessage.safeParse(safeJson(row.message));
      if (!parsed.success) {
        // Written by another version, or damaged: it can never be sent, and must not stop the ones after it.
        this.alerts.giveUp(row.id, this.name, 'the stored message cannot be read');
        this.log.error({ channel: this.name, outboxId: row.id }, 'alert given up: the stored message cannot be read');
        continue;
      }
      const message = parsed.data;
      const controller = new AbortController();
      this.inFlight = controller;
      try {
        await this.sender.send(message, controller.signal);
        this.alerts.delivered(row.id, this.name);
        this.log.info(
          { channel: this.name, kind: message.kind, eventId: message.event?.id ?? null, attempts: row.attempts + 1 },
          'alert sent',
        );
      } catch (err) {
        // Stopping: the message stays in the outbox as it was, for the next start.
        if (this.closed) return;
        const error = deliveryErrorText(err);
        const attempts = row.attempts + 1;
        const delay = backoffDelay(this.retry, attempts);
        if (Date.now() + delay - row.createdAt > this.retry.giveUpAfterMs) {
          this.alerts.giveUp(row.id, this.name, error);
          this.log.error(
            { channel: this.name, kind: message.kind, eventId: message.event?.id ?? null, attempts, error },
            'alert given up: the channel failed for too long',
          );
        } else {
          this.alerts.retryLater(row.id, this.name, attempts, Date.now() + delay, error);
          this.log.warn(
            {
              channel: this.name,
              target: this.sender.target(),
              kind: message.kind,
              attempt: attempts,
              retryInMs: delay,
              error,
            },
            'alert not delivered; will retry',
          );
        }
      } finally {
        this.inFlight = null;
      }
    }
  }

  /** Stops: no new tries, the one in flight aborted; waiting messages stay in the outbox. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.inFlight?.abort();
    await this.drained;
  }
}

/** Alerts for one helper process: the daemon runs one. */
export class AlertService {
  private readonly alerts: AlertStore;
  private readonly senders: AlertSender[];
  private readonly workers = new Map<string, ChannelWorker>();
  private readonly server: string;
  private readonly maxAgeMs: number;
  /** The last event id recorded in the store's cursor. */
  private cursor = 0;
  /** The last event id the listener has seen (ahead of the cursor until its batch is processed). */
  private taken = 0;
  private readonly incoming: FtsEvent[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private runsForgottenAt = 0;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly opts: AlertServiceOptions) {
    this.alerts = new AlertStore(opts.store.db);
    this.senders = sendersFor(opts.config, { vault: opts.vault });
    this.server = opts.config.server.name;
    const r = opts.config.alerts.retry;
    const retry = {
      initialDelayMs: parseDuration(r.initialDelay)!,
      maxDelayMs: parseDuration(r.maxDelay)!,
      giveUpAfterMs: parseDuration(r.giveUpAfter)!,
    };
    // An event older than a message would be kept trying is not worth telling after a restart either.
    this.maxAgeMs = retry.giveUpAfterMs;
    for (const s of this.senders) this.workers.set(s.channel.name, new ChannelWorker(s, this.alerts, retry, opts.log));
  }

  /** Catches up on events since the last one looked at (none on a first start), subscribes, and starts sending. */
  start(): void {
    const names = this.senders.map((s) => s.channel.name);
    const dropped = this.alerts.dropChannelsExcept(names);
    if (dropped > 0) this.opts.log.warn({ dropped }, 'alerts for channels no longer configured were dropped');
    this.alerts.forgetOldRuns();
    this.runsForgottenAt = Date.now();
    const saved = this.alerts.cursor();
    if (saved === null) {
      // First start: what happened before alerts existed is history, not news.
      this.cursor = this.taken = this.opts.store.events.lastId();
      this.alerts.setCursor(this.cursor);
    } else {
      this.cursor = this.taken = saved;
      const oldest = Date.now() - this.maxAgeMs;
      for (
        let batch = this.opts.store.events.since(this.taken, 1000);
        batch.length > 0;
        batch = this.opts.store.events.since(this.taken, 1000)
      ) {
        this.taken = batch.at(-1)!.id;
        this.process(
          batch.filter((e) => Date.parse(e.ts) >= oldest),
          this.taken,
        );
      }
    }
    this.unsubscribe = this.opts.bus.subscribe((e) => this.take(e));
    for (const w of this.workers.values()) w.kick();
  }

  /** The channels with their delivery records. */
  statuses(): AlertChannelStatus[] {
    return channelStatuses(this.senders, this.alerts);
  }

  /** Sends a test message to one channel now (not through the outbox); throws UnknownChannelError for a name not configured. */
  async test(name: string): Promise<AlertTestResult> {
    const [result] = await sendTestMessages(this.senders, this.server, name);
    return result!;
  }

  /** The channels that take an event; none for most (progress, starts), which then cost nothing more. */
  private wanting(e: FtsEvent): AlertSender[] {
    const level = eventLevel(e);
    return this.senders.filter((s) => channelWants(s.channel, e, level));
  }

  /**
   * The bus listener, inside the publisher's call (a job's): it only notes the event. The decisions and their
   * store writes run just after, off the job's path; the event is already stored, so a crash in between loses
   * nothing (the next start reads it again from the cursor).
   */
  private take(e: FtsEvent): void {
    if (e.id <= this.taken) return;
    this.taken = e.id;
    if (this.wanting(e).length > 0) this.incoming.push(e);
    this.scheduled ??= setImmediate(() => this.processIncoming());
  }

  private processIncoming(): void {
    this.scheduled = null;
    const batch = this.incoming.splice(0);
    try {
      this.process(batch, this.taken);
    } catch (err) {
      // Nothing of the batch was recorded (one transaction); the next start reads these events again.
      this.opts.log.error(
        { events: batch.map((e) => e.id), error: err instanceof Error ? err.message : String(err) },
        'alerts could not record a decision',
      );
    }
  }

  /** Decides for each event and channel, queues the messages, and moves the cursor to `upTo`, in one transaction. */
  private process(events: readonly FtsEvent[], upTo: number): void {
    if (Date.now() - this.runsForgottenAt > 3_600_000) {
      this.runsForgottenAt = Date.now();
      this.alerts.forgetOldRuns();
    }
    const queued = new Set<string>();
    this.alerts.transaction(() => {
      for (const e of events) {
        const wanting = this.wanting(e);
        if (wanting.length === 0) continue;
        const content = describeEvent(e, this.server);
        const at = Date.parse(e.ts);
        for (const s of wanting) {
          const d = coalesce(this.alerts, s.channel, content, at);
          if (!d.send) {
            this.opts.log.info(
              { channel: s.channel.name, kind: content.kind, eventId: e.id, reason: d.reason },
              'alert held back',
            );
            continue;
          }
          this.alerts.enqueue(
            s.channel.name,
            JSON.stringify(eventMessage(e, content, s.channel.name, this.server, d.heldBack)),
          );
          queued.add(s.channel.name);
        }
      }
      // Events no channel takes move the cursor only now and then: a crash just reads them again.
      if (queued.size > 0 || upTo - this.cursor >= 1000) this.alerts.setCursor(upTo);
    });
    if (queued.size > 0 || upTo - this.cursor >= 1000) this.cursor = upTo;
    for (const name of queued) this.workers.get(name)!.kick();
  }

  /** Stops listening and sending; what is waiting stays in the outbox for the next start. */
  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    try {
      // What the last events of the jobs decided goes into the outbox, and the cursor to the last event seen.
      this.process(this.incoming.splice(0), this.taken);
      if (this.cursor < this.taken) this.alerts.setCursor(this.taken);
    } catch (err) {
      // The store may already be closed by a caller that stops in another order; the next start reads these events again.
      this.opts.log.warn(
        { error: err instanceof Error ? err.message : String(err) },
        'alerts could not record their last events before stopping',
      );
    }
    await Promise.all([...this.workers.values()].map((w) => w.close()));
  }
}
