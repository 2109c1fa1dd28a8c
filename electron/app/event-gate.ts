/**
 * Each job run notifies once, ever. The tray keeps the last event id it has seen between launches (electron-store)
 * and resumes the helper's stream from it; an event notifies only when its id is above the "floor":
 * - a launch with a stored id: the floor is that id, so what happened while the app was closed notifies once and
 *   nothing seen before notifies again;
 * - a first launch (nothing stored): the floor is the helper's newest id when the replay ends (its `ready`
 *   comment), so old runs fill the activity list but notify nothing from before the app started;
 * - a helper whose newest id is below the stored one was reinstalled: the floor becomes its newest id and the
 *   stream resumes from the start of its retention, so its old runs are listed, not notified.
 * The cursor is written before a notification is shown (a crash cannot show it twice) and otherwise at most once a
 * second, with the recent activity, so the window shows it at the next launch before the helper answers.
 */
import { z } from 'zod';
import { FtsEvent } from '../../contract/events.js';
import { LastBackup, LastGraduation } from '../../contract/ipc.js';

/** What is kept between launches. */
export const EventMemory = z.object({
  lastEventId: z.number().int().nonnegative(),
  activity: z.array(FtsEvent).max(200).default([]),
  lastGraduation: LastGraduation.nullable().default(null),
  lastBackup: LastBackup.nullable().default(null),
});
export type EventMemory = z.infer<typeof EventMemory>;

/** Where the memory lives (electron-store in the shell; a file or a variable in tests). */
export interface EventMemoryStore {
  /** What was written last, or anything else (null, an older format), which counts as nothing stored. */
  read(): unknown;
  write(memory: EventMemory): void;
}

/** What the replay's end means for the stream. */
export type ReadyOutcome = 'live' | 'reset';

/** Decides which events notify, and keeps the cursor. */
export class EventGate {
  private memory: EventMemory;
  /** Events with a higher id notify; null until the first replay ends on a first launch. */
  private floor: number | null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: EventMemoryStore,
    private readonly flushMs = 1000,
  ) {
    const raw = store.read();
    const stored = EventMemory.safeParse(raw);
    // An activity list this version cannot read (a newer event type) must not cost the cursor.
    const cursor = stored.success
      ? stored.data.lastEventId
      : EventMemory.pick({ lastEventId: true }).safeParse(raw).data?.lastEventId;
    this.memory = stored.success
      ? stored.data
      : { lastEventId: cursor ?? 0, activity: [], lastGraduation: null, lastBackup: null };
    this.floor = cursor ?? null;
  }

  /** The id the stream resumes after (0: from the start of the helper's retention). */
  get resumeFrom(): number {
    return this.memory.lastEventId;
  }

  /** The activity remembered from the last launch. */
  get remembered(): Pick<EventMemory, 'activity' | 'lastGraduation' | 'lastBackup'> {
    const { activity, lastGraduation, lastBackup } = this.memory;
    return { activity, lastGraduation, lastBackup };
  }

  /** The replay of a connection ended with the helper's newest id. `reset`: resume from 0 and forget the activity. */
  ready(helperLastId: number, resumedFrom: number): ReadyOutcome {
    if (helperLastId < resumedFrom) {
      this.floor = helperLastId;
      this.memory = { lastEventId: 0, activity: [], lastGraduation: null, lastBackup: null };
      this.flush();
      return 'reset';
    }
    this.floor ??= helperLastId;
    return 'live';
  }

  /** Records one event; true when it may notify (the cursor is then on disk already). */
  admit(e: FtsEvent): boolean {
    this.memory.lastEventId = Math.max(this.memory.lastEventId, e.id);
    const notify = this.floor !== null && e.id > this.floor;
    if (notify) this.flush();
    else this.schedule();
    return notify;
  }

  /** Keeps the tray's recent activity with the cursor (written with the next flush). */
  remember(events: Pick<EventMemory, 'activity' | 'lastGraduation' | 'lastBackup'>): void {
    this.memory = {
      ...this.memory,
      activity: events.activity.slice(0, 200),
      lastGraduation: events.lastGraduation,
      lastBackup: events.lastBackup,
    };
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.flushMs);
    this.timer.unref();
  }

  /** Writes the memory now (also at quit). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.store.write(this.memory);
  }
}

/** A store in memory: what a launch without persistence (the browser tray, tests) uses. */
export function memoryEventStore(initial: unknown = null): EventMemoryStore & { value: unknown } {
  const s = {
    value: initial,
    read: () => s.value,
    write: (m: EventMemory) => void (s.value = structuredClone(m)),
  };
  return s;
}
