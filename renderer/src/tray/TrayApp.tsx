/** The tray window: my shares, the server card, the activity feed, settings and the sign-in state. */
import { useEffect, useState } from 'react';
import type { FtsBridge, SettingsView, TrayShare, TrayState } from '../../../contract/ipc.js';
import { ActivityFeed } from '../components/ActivityFeed.js';
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

function ShareRow({ share, act, bridge }: { share: TrayShare; act: (f: () => Promise<unknown>) => void; bridge: FtsBridge }) {
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
            <button type="button" className="btn" onClick={() => act(() => bridge.openShare({ share: name }))} aria-label={`Open ${name}`}>
              Open
            </button>
            <button type="button" className="btn btn-secondary" onClick={() => act(() => bridge.unmount({ share: name }))} aria-label={`Unmount ${name}`}>
              Unmount
            </button>
          </>
        ) : (
          <button type="button" className="btn" disabled={share.state === 'mounting'} onClick={() => act(() => bridge.mount({ share: name }))} aria-label={`Mount ${name}`}>
            Mount
          </button>
        )}
      </div>
    </li>
  );
}

function SettingsPanel({ bridge }: { bridge: FtsBridge }) {
  const [settings, setSettings] = useState<SettingsView | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => {
    bridge.getSettings().then(setSettings, () => setMessage('Settings could not be read.'));
  }, [bridge]);
  if (!settings) return <p className="muted">{message ?? 'Loading settings…'}</p>;
  const save = async (form: HTMLFormElement) => {
    const f = new FormData(form);
    const text = (k: string) => {
      const v = String(f.get(k) ?? '').trim();
      return v === '' ? null : v;
    };
    try {
      const after = await bridge.setSettings({
        helperUrl: text('helperUrl'),
        keyVaultName: text('keyVaultName') ?? settings.keyVaultName,
        tenantId: text('tenantId'),
        clientId: text('clientId'),
        startAtLogin: f.get('startAtLogin') === 'on',
      });
      setSettings(after);
      setMessage('Saved.');
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <form
      className="settings"
      onSubmit={(ev) => {
        ev.preventDefault();
        void save(ev.currentTarget);
      }}
    >
      <label>
        Helper URL
        <input name="helperUrl" type="url" defaultValue={settings.helperUrl ?? ''} placeholder="https://motoko:8642" />
      </label>
      <label>
        Key Vault
        <input name="keyVaultName" defaultValue={settings.keyVaultName} />
      </label>
      <label>
        Tenant id
        <input name="tenantId" defaultValue={settings.tenantId ?? ''} />
      </label>
      <label>
        Client id
        <input name="clientId" defaultValue={settings.clientId ?? ''} />
      </label>
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
  );
}

/** The whole tray window. */
export function TrayApp({ bridge }: { bridge: FtsBridge }) {
  const [state, loadError] = useTrayState(bridge);
  const [actionError, setActionError] = useState<string | null>(null);
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
              <button type="button" className="btn" disabled={state.busy || allMounted} onClick={() => act(() => bridge.mountAll())}>
                Mount all
              </button>
              <button type="button" className="btn btn-secondary" disabled={state.busy || !anyMounted} onClick={() => act(() => bridge.unmountAll())}>
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
        </section>
        <section aria-labelledby="server-h" className="card">
          <h2 id="server-h">Server {status?.server.name ?? state.server.name}</h2>
          {status ? (
            <>
              <h3>Drives</h3>
              <DriveList drives={status.drives} />
              <h3>Connected</h3>
              <p className="small">
                {online.length === 0 ? 'No computer is connected.' : `${online.length} connected: ${online.map((c) => c.hostName).join(', ')}`}
              </p>
              <h3>Jobs</h3>
              <JobsList jobs={status.jobs} />
            </>
          ) : (
            <p className="muted">No server summary yet.</p>
          )}
          <p className="small">
            Last graduation:{' '}
            {state.lastGraduation ? `${state.lastGraduation.moved} files, ${formatBytes(state.lastGraduation.bytesMoved)}, ${formatAgo(state.lastGraduation.at)}` : 'none yet'}
            <br />
            Last backup: {state.lastBackup ? `${state.lastBackup.ok ? 'ok' : 'failed'}, ${formatAgo(state.lastBackup.at)}` : 'none yet'}
          </p>
        </section>
        <section aria-labelledby="activity-h">
          <h2 id="activity-h">Activity</h2>
          <ActivityFeed events={state.activity} limit={30} />
        </section>
        <details className="card">
          <summary>Settings</summary>
          <SettingsPanel bridge={bridge} />
        </details>
      </main>
    </div>
  );
}
