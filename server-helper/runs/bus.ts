/**
 * The event bus: jobs publish here; the SSE stream, notifications and metrics subscribe.
 * Every event is stored first, so its id is monotonic across processes (a CLI run and the daemon
 * share one store), and delivery follows the store's order, never the publisher's.
 */
import { EventData, type EventDataOf, type EventType, type FtsEvent } from '../../contract/index.js';
import type { EventStore } from '../store/events.js';

/** A subscriber gets each event once, in id order. */
export type Listener = (event: FtsEvent) => void;

/** Publishes events through the store and delivers them to subscribers in id order. */
export class EventBus {
  private readonly listeners = new Set<Listener>();
  private delivered: number;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly events: EventStore) {
    this.delivered = events.lastId();
  }

  /** Validates, stores and delivers one event; returns it with its id. Throws on invalid data (a bug in the publisher). */
  publish<T extends EventType>(type: T, data: EventDataOf<T>): FtsEvent {
    const valid = EventData[type].parse(data);
    const id = this.events.append(type, valid);
    this.deliverPending();
    return { id, ts: new Date().toISOString(), type, data: valid } as FtsEvent;
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The id of the last event delivered. */
  lastDeliveredId(): number {
    return this.delivered;
  }

  /** Delivers everything stored since the last delivery (including other processes' events). */
  deliverPending(): void {
    for (;;) {
      const batch = this.events.since(this.delivered, 1000);
      if (batch.length === 0) return;
      for (const e of batch) {
        this.delivered = e.id;
        for (const l of this.listeners) {
          try {
            l(e);
          } catch {
            // A failing subscriber must not stop the others or the publisher.
          }
        }
      }
    }
  }

  /** Polls the store for events other processes wrote (the CLI's `graduate` while the daemon serves). */
  watch(intervalMs = 250): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.deliverPending(), intervalMs);
    this.timer.unref();
  }

  /** Stops polling. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
  }
}
