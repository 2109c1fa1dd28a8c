/**
 * The tray window: my shares, this Mac's last Time Machine backup, "Where is my file?", the server card, the activity
 * feed, settings and the sign-in state.
 */
import { useEffect, useMemo, useState } from 'react';
import type { FtsBridge, SettingsView, TrayShare, TrayState, TrayTimeMachine } from '../../../contract/ipc.js';
import { isActionEvent, type ActionEvent } from '../components/ActionStatus.js';
import { ActivityFeed } from '../components/ActivityFeed.js';
import { WhereIsPanel, type WhereIsApi } from '../components/WhereIsPanel.js';
import { DriveList } from '../components/DriveUsage.js';
import { JobsList } from '../components/JobsList.js';
import { ShareStateBadge } from '../components/ShareState.js';
import { formatAgo, formatBytes } from '../format.js';

function useTrayState(bridge: FtsBridge): [TrayState | null, string | null] {
  const [state, setState] = useState<TrayState | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const stop = bridge.onStateChange(setState);
    bridge.getState().then(setState, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    return stop;
  }, [bridge]);
  return [state, error];
}

function ShareRow({
  share,
  act,
  bridge,
}: {
  share: TrayShare;
  act: (f: () => Promise<unknown>) => void;
  bridge: FtsBridge;
}) {
  const { name } = share;
  return (
    <li className="share" data-share={name} data-state={share.state}>
      <div className="share-head">
        <span className="share-name">
          {name}
          {share.driveLetter ? <span className="muted"> ({share.driveLetter})</span> : null}
        </span>
        <ShareStateBadge state={share.state} />
      </div>
      {share.mountPoint && <div className="muted small">{share.mountPoint}</div>}
      {share.state === 'error' && <div className="error-text small">{share.errorMessage ?? share.errorCode}</div>}
      <div className="share-actions">
        {share.state === 'mounted' ? (
          <>
            <button
              type="button"
              className="btn"
              onClick={() => act(() => bridge.openShare({ share: name }))}
              aria-label={`Open ${name}`}
            >
              Open
            </button>
            <button
              type="button"
              className="btn btn-secondary"
              onClick={() => act(() => bridge.unmount({ share: name }))}
              aria-label={`Unmount ${name}`}
            >
              Unmount
            </button>
          </>
        ) : (
          <button
            type="button"
            className="btn"
            disabled={share.state === 'mounting'}
            onClick={() => act(() => bridge.mount({ share: name }))}
            aria-label={`Mount ${name}`}
          >
            Mount
          </button>
        )}
      </div>
    </li>
  );
}

/** How often the window re-reads this Mac's Time Machine line while it is open (the helper keeps a reading 10 s). */
const TIME_MACHINE_REFRESH_MS = 5 * 60_000;

/** "Last Time Machine backup: 2 h ago" for this Mac; nothing on Windows and Linux. */
function TimeMachineLine({ bridge, server }: { bridge: FtsBridge; server: string }) {
  const [tm, setTm] = useState<TrayTimeMachine | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const read = () =>
      bridge.getTimeMachine().then(
        (r) => live && (setTm(r), setError(null)),
        (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
      );
    void read();
    const timer = setInterval(() => void read(), TIME_MACHINE_REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [bridge]);
  if (tm === null) return null;
  if (tm === undefined) return error ? <p className="small muted time-machine">Time Machine: {error}</p> : null;
  if (tm.macs.length === 0)
    return <p className="small time-machine">Last Time Machine backup: none of this Mac on {server}</p>;
  return (
    <>
      {tm.macs.map((m) => (
        <div key={m.name} className="small time-machine" data-mac={m.name}>
          <p>
            Last Time Machine backup: {m.lastBackup ? formatAgo(m.lastBackup) : 'none yet'}
            {m.running ? ' · backing up now' : ''}
            {tm.macs.length > 1 ? <span className="muted"> ({m.name})</span> : null}
          </p>
          {m.warnings.map((w) => (
            <p key={w.code} className="warning">
              {w.message}
            </p>
          ))}
        </div>
      ))}
    </>
  );
}

/** The latest event of each bring-back run in the activity feed (newest first), by run id. */
function actionEventsOf(activity: TrayState['activity']): Record<number, ActionEvent | undefined> {
  const out: Record<number, ActionEvent | undefined> = {};
  for (const e of activity) if (isActionEvent(e) && !(e.data.runId in out)) out[e.data.runId] = e;
  return out;
}

/** The pairing string form: the one thing a new computer asks for (what `fts-helper clients pair` printed). */
function PairingForm({
  bridge,
  onPaired,
  submitLabel,
}: {
  bridge: FtsBridge;
  onPaired?: () => void;
  submitLabel: string;
}) {
  const [message, setMessage] = useState<string | null>(null);
  const [working, setWorking] = useState(false);
  const submit = async (form: HTMLFormElement) => {
    const pairing = String(new FormData(form).get('pairing') ?? '').trim();
    setWorking(true);
    setMessage(null);
    try {
      await bridge.pair({ pairing });
      onPaired?.();
      // Pairing names the vault; signing in reads the helper and the Samba credential from it.
      await bridge.signIn();
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    } finally {
      setWorking(false);
    }
  };
  return (
    <form
      className="settings pairing"
      onSubmit={(ev) => {
        ev.preventDefault();
        void submit(ev.currentTarget);
      }}
    >
      <label>
        Pairing string
        <input
          name="pairing"
          required
          autoComplete="off"
          spellCheck={false}
          placeholder="fts1:…"
          aria-describedby="pairing-help"
        />
      </label>
      <p id="pairing-help" className="small muted">
        The line <code>fts-helper clients pair</code> printed on the server for this computer.
      </p>
      <button type="submit" className="btn" disabled={working}>
        {submitLabel}
      </button>
      {message && (
        <p role="alert" className="error-text small">
          {message}
        </p>
      )}
    </form>
  );
}

/** Drive letters D: to Z: (A:-C: are the system's). */
const LETTERS = Array.from({ length: 23 }, (_, i) => `${String.fromCharCode(68 + i)}:`);

function SettingsPanel({ bridge, state }: { bridge: FtsBridge; state: TrayState }) {
  const [settings, setSettings] = useState<SettingsView | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [repair, setRepair] = useState(false);
  useEffect(() => {
    bridge.getSettings().then(setSettings, () => setMessage('Settings could not be read.'));
  }, [bridge, state.paired]);
  if (!settings) return <p className="muted">{message ?? 'Loading settings…'}</p>;
  // Drive letters are a Windows matter; the shares' letters show when any is set (the defaults set them on Windows).
  const letters = settings.shares.some((s) => s.driveLetter !== null);
  const save = async (form: HTMLFormElement) => {
    const f = new FormData(form);
    try {
      const after = await bridge.setSettings({
        shares: settings.shares.map((s) => ({
          name: s.name,
          driveLetter: letters ? String(f.get(`letter-${s.name}`) ?? '') || null : s.driveLetter,
          autoMount: f.get(`auto-${s.name}`) === 'on',
        })),
        startAtLogin: f.get('startAtLogin') === 'on',
      });
      setSettings(after);
      setMessage('Saved.');
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <>
      <form
        className="settings"
        onSubmit={(ev) => {
          ev.preventDefault();
          void save(ev.currentTarget);
        }}
      >
        <fieldset>
          <legend>Shares</legend>
          {settings.shares.map((s) => (
            <div key={s.name} className="share-setting" data-share-setting={s.name}>
              <span className="share-name">{s.name}</span>
              {letters && (
                <label className="inline">
                  Drive letter for {s.name}
                  <select name={`letter-${s.name}`} defaultValue={s.driveLetter ?? ''}>
                    <option value="">none</option>
                    {LETTERS.map((l) => (
                      <option key={l} value={l}>
                        {l}
                      </option>
                    ))}
                  </select>
                </label>
              )}
              <label className="checkbox">
                <input name={`auto-${s.name}`} type="checkbox" defaultChecked={s.autoMount} /> Mount {s.name} at login
              </label>
            </div>
          ))}
        </fieldset>
        <label className="checkbox">
          <input name="startAtLogin" type="checkbox" defaultChecked={settings.startAtLogin} /> Start at login
        </label>
        <button type="submit" className="btn">
          Save settings
        </button>
        {message && (
          <p role="status" className="small">
            {message}
          </p>
        )}
      </form>
      <div className="settings">
        <p className="small">
          {settings.pairing ? (
            <>
              Paired as <strong>{settings.pairing.clientId}</strong> with Key Vault{' '}
              <strong>{settings.pairing.vault}</strong>
              {settings.helperUrl ? <> · helper {settings.helperUrl}</> : null}
            </>
          ) : (
            'Not paired.'
          )}
        </p>
        {repair ? (
          <PairingForm bridge={bridge} submitLabel="Pair again" onPaired={() => setRepair(false)} />
        ) : (
          <button type="button" className="btn btn-secondary" onClick={() => setRepair(true)}>
            Pair with another server…
          </button>
        )}
      </div>
    </>
  );
}

/** The first-run window: it asks for the pairing string and nothing else. */
function FirstRun({ bridge }: { bridge: FtsBridge }) {
  return (
    <main className="tray first-run">
      <h1>Flux Time Space</h1>
      <p>Paste the pairing string for this computer.</p>
      <PairingForm bridge={bridge} submitLabel="Pair" />
    </main>
  );
}

/** The whole tray window. */
export function TrayApp({ bridge }: { bridge: FtsBridge }) {
  const [state, loadError] = useTrayState(bridge);
  const [actionError, setActionError] = useState<string | null>(null);
  const files = useMemo<WhereIsApi>(
    () => ({ search: (q) => bridge.searchFiles({ q }), bringBack: (path) => bridge.bringBack({ path }) }),
    [bridge],
  );
  const actionEvents = useMemo(() => actionEventsOf(state?.activity ?? []), [state?.activity]);
  const act = (f: () => Promise<unknown>) => {
    setActionError(null);
    f().catch((e: unknown) => setActionError(e instanceof Error ? e.message : String(e)));
  };
  if (!state) {
    return (
      <main className="tray">
        <h1>Flux Time Space</h1>
        <p role="status">{loadError ? `Cannot reach the app's core: ${loadError}` : 'Loading…'}</p>
      </main>
    );
  }
  if (!state.paired) return <FirstRun bridge={bridge} />;
  const status = state.server.status;
  const online = status?.clients.filter((c) => c.online) ?? [];
  const allMounted = state.shares.length > 0 && state.shares.every((s) => s.state === 'mounted');
  const anyMounted = state.shares.some((s) => s.state === 'mounted');
  return (
    <div className="tray">
      <header className="tray-header">
        <h1>Flux Time Space</h1>
        <p className="small">
          <span className={state.server.reachable ? 'dot dot-ok' : 'dot dot-bad'} aria-hidden="true" />
          {state.server.name} {state.server.reachable ? 'is reachable' : 'is unreachable'}
        </p>
        <p className="small account">
          {state.account.signedIn ? (
            <>
              Signed in{state.account.user ? ` as ${state.account.user}` : ''}{' '}
              <button type="button" className="btn-link" onClick={() => act(() => bridge.signOut())}>
                Sign out
              </button>
            </>
          ) : (
            <>
              Not signed in{' '}
              <button type="button" className="btn-link" onClick={() => act(() => bridge.signIn())}>
                Sign in
              </button>
            </>
          )}
        </p>
      </header>
      <main>
        <section aria-labelledby="shares-h">
          <div className="section-head">
            <h2 id="shares-h">My shares</h2>
            <div className="buttons">
              <button
                type="button"
                className="btn"
                disabled={state.busy || allMounted}
                onClick={() => act(() => bridge.mountAll())}
              >
                Mount all
              </button>
              <button
                type="button"
                className="btn btn-secondary"
                disabled={state.busy || !anyMounted}
                onClick={() => act(() => bridge.unmountAll())}
              >
                Unmount all
              </button>
            </div>
          </div>
          {actionError && (
            <p role="alert" className="error-text">
              {actionError}
            </p>
          )}
          <ul className="shares" aria-live="polite">
            {state.shares.map((s) => (
              <ShareRow key={s.name} share={s} act={act} bridge={bridge} />
            ))}
          </ul>
          <TimeMachineLine bridge={bridge} server={state.server.name} />
        </section>
        <section aria-labelledby="where-is-h" className="card">
          <h2 id="where-is-h">Where is my file?</h2>
          <WhereIsPanel api={files} runEvents={actionEvents} />
        </section>
        <section aria-labelledby="server-h" className="card">
          <h2 id="server-h">Server {status?.server.name ?? state.server.name}</h2>
          {status ? (
            <>
              <h3>Drives</h3>
              <DriveList drives={status.drives} />
              <h3>Connected</h3>
              <p className="small">
                {/* A paired tray's token lists only its own computer (the others are not its business). */}
                {online.length === 0
                  ? 'This computer has not reported to the server yet.'
                  : online.length === 1
                    ? `Connected as ${online[0]!.hostName}.`
                    : `${online.length} connected: ${online.map((c) => c.hostName).join(', ')}`}
              </p>
              <h3>Jobs</h3>
              <JobsList jobs={status.jobs} />
            </>
          ) : (
            <p className="muted">No server summary yet.</p>
          )}
          <p className="small">
            Last graduation:{' '}
            {state.lastGraduation
              ? `${state.lastGraduation.moved} files, ${formatBytes(state.lastGraduation.bytesMoved)}, ${formatAgo(state.lastGraduation.at)}`
              : 'none yet'}
            <br />
            Last backup:{' '}
            {state.lastBackup
              ? `${state.lastBackup.ok ? 'ok' : 'failed'}, ${formatAgo(state.lastBackup.at)}`
              : 'none yet'}
          </p>
        </section>
        <section aria-labelledby="activity-h">
          <h2 id="activity-h">Activity</h2>
          <ActivityFeed events={state.activity} limit={30} />
        </section>
        <details className="card">
          <summary>Settings</summary>
          <SettingsPanel bridge={bridge} state={state} />
        </details>
      </main>
    </div>
  );
}
