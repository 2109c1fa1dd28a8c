/** The dashboard's Alerts panel: each channel, what it sends, how delivery goes, and "Send test". */
import { useCallback, useEffect, useState } from 'react';
import type { AlertChannelStatus, AlertTestResult } from '../../../contract/alerts.js';
import { formatAgo } from '../format.js';
import { ApiCallError, type HelperApi } from '../helper-api.js';

const TYPE_LABEL: Record<AlertChannelStatus['type'], string> = {
  ntfy: 'ntfy',
  webhook: 'Webhook',
  email: 'E-mail',
  deadman: "Dead-man's switch",
};

/** One line saying what a channel sends. */
function sends(c: AlertChannelStatus): string {
  if (c.type === 'deadman') return 'a ping after each backup, /fail when one fails';
  const what = c.events ? c.events.join(', ') : `every event at ${c.minLevel} or above`;
  return `${what}; a repeat at most every ${c.repeatWindow}`;
}

/** Delivery in words: failing now, or the last success. */
function delivery(c: AlertChannelStatus, now?: number): { text: string; failing: boolean } {
  const failing = c.lastError !== null && (c.lastSentAt === null || (c.lastFailureAt ?? '') > c.lastSentAt);
  const last = c.lastSentAt ? `last alert sent ${formatAgo(c.lastSentAt, now)}` : 'no alert sent yet';
  const waiting = c.pending > 0 ? ` · ${c.pending} waiting` : '';
  const givenUp = c.givenUp > 0 ? ` · ${c.givenUp} given up` : '';
  return { text: `${last}${waiting}${givenUp}`, failing };
}

/** The panel; it loads the channels itself (an admin route) and again after a test or every 15 s. */
export function AlertsPanel({ api, now }: { api: HelperApi; now?: number }) {
  const [channels, setChannels] = useState<AlertChannelStatus[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [testing, setTesting] = useState<string | null>(null);
  const [result, setResult] = useState<AlertTestResult | null>(null);

  const load = useCallback(async () => {
    try {
      setChannels(await api.alertChannels());
      setProblem(null);
    } catch (e) {
      setProblem(
        e instanceof ApiCallError && e.status === 403
          ? 'Only an admin token can see the alert channels.'
          : `Could not load the alert channels: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }, [api]);

  useEffect(() => {
    void load();
    const poll = window.setInterval(() => void load(), 15_000);
    return () => window.clearInterval(poll);
  }, [load]);

  const sendTest = async (name: string) => {
    setTesting(name);
    setResult(null);
    try {
      setResult(await api.testAlertChannel(name));
    } catch (e) {
      setResult({ channel: name, type: '', target: '', ok: false, error: e instanceof Error ? e.message : String(e) });
    } finally {
      setTesting(null);
      void load();
    }
  };

  if (problem) return <p className="error-text">{problem}</p>;
  if (!channels) return <p className="muted">Loading…</p>;
  if (channels.length === 0)
    return <p className="muted">No alert channels are configured (alerts.channels in the helper's configuration).</p>;
  return (
    <>
      <ul className="alerts">
        {channels.map((c) => {
          const d = delivery(c, now);
          return (
            <li key={c.name} className="alert-channel" data-channel={c.name}>
              <div className="job-head">
                <span className="job-name">{c.name}</span>
                <span className="muted small">
                  {TYPE_LABEL[c.type]} · {c.target}
                </span>
                {d.failing ? <span className="badge badge-error">Failing</span> : null}
                <button
                  type="button"
                  className="btn btn-secondary"
                  disabled={testing !== null}
                  onClick={() => void sendTest(c.name)}
                  aria-label={`Send a test alert to ${c.name}`}
                >
                  {testing === c.name ? 'Sending…' : 'Send test'}
                </button>
              </div>
              <div className="muted small">{sends(c)}</div>
              <div className="small">{d.text}</div>
              {d.failing && (
                <div className="small error-text">
                  Last error {formatAgo(c.lastFailureAt, now)}: {c.lastError}
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {result && (
        <p role={result.ok ? 'status' : 'alert'} className={result.ok ? 'info-text' : 'error-text'}>
          {result.ok
            ? `Test alert sent to ${result.channel}.`
            : `The test alert did not reach ${result.channel}: ${result.error}`}
        </p>
      )}
    </>
  );
}
