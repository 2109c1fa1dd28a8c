/** The activity feed: newest events first, with a severity word and the time. */
import type { FtsEvent } from '../../../contract/events.js';
import { describeEvent, eventSeverity, formatAgo } from '../format.js';

const SEVERITY_WORD = { ok: 'Done', info: 'Info', warning: 'Warning', error: 'Failed' } as const;

/** The feed; `limit` caps how many rows are drawn. */
export function ActivityFeed({ events, limit = 50, now }: { events: FtsEvent[]; limit?: number; now?: number }) {
  if (events.length === 0) return <p className="muted">Nothing has happened yet.</p>;
  return (
    <ol className="feed" aria-live="polite" aria-relevant="additions">
      {events.slice(0, limit).map((e) => {
        const sev = eventSeverity(e);
        return (
          <li key={e.id} className={`feed-item sev-${sev}`} data-event-type={e.type}>
            <span className={`sev sev-label-${sev}`}>{SEVERITY_WORD[sev]}</span>
            <span className="feed-text">{describeEvent(e)}</span>
            <time className="muted small" dateTime={e.ts} title={new Date(e.ts).toLocaleString()}>
              {formatAgo(e.ts, now)}
            </time>
          </li>
        );
      })}
    </ol>
  );
}
