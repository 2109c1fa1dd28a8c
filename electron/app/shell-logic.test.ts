/** The shell's pure parts: sender check, notification folders, event model, settings, tray icon state. */
import { describe, expect, it } from 'vitest';
import type { FtsEvent } from '../../contract/events.js';
import { CoreNotification, SettingsView, TrayState } from '../../contract/ipc.js';
import { NotificationModel } from '../core/notifications.js';
import { applyEvent, toCoreNotification } from './event-model.js';
import { sampleState } from '../../test/client/doubles/fake-core.js';
import { isTrustedSenderUrl, validateRequest } from './ipc-handlers.js';
import { buildMenuModel, formatBytes, trayIconState } from './menu-model.js';
import { pathInShare } from './notifications.js';
import { isAutostart, launchPlan, loginItemSettings } from './launch.js';
import { defaultSettings, readSettings } from './settings.js';

describe('isTrustedSenderUrl', () => {
  const trusted = { fileRoot: 'file:///opt/fts/resources/app/dist/renderer' };
  it.each([
    ['file:///opt/fts/resources/app/dist/renderer/tray.html', true],
    ['file:///opt/fts/resources/app/dist/renderer/../renderer/tray.html', true],
    ['file:///opt/fts/resources/app/dist/renderer-evil/tray.html', false],
    ['file:///opt/fts/resources/app/dist/renderer/../../x.html', false],
    ['file:///tmp/tray.html', false],
    ['https://evil.example/tray.html', false],
    ['not a url', false],
    [undefined, false],
  ])('%s → %s', (url, ok) => expect(isTrustedSenderUrl(url, trusted)).toBe(ok));

  it('accepts only the exact dev origin', () => {
    expect(isTrustedSenderUrl('http://127.0.0.1:5173/tray.html', { origin: 'http://127.0.0.1:5173' })).toBe(true);
    expect(isTrustedSenderUrl('http://127.0.0.1:5174/tray.html', { origin: 'http://127.0.0.1:5173' })).toBe(false);
  });
});

describe('validateRequest', () => {
  it('names the field and the rule', () => {
    expect(() => validateRequest('fts:share:mount', { share: 'a;b' })).toThrow(
      /fts:share:mount: share: a share name cannot contain/,
    );
    expect(() => validateRequest('fts:settings:set', { tenantId: 'nope' })).toThrow(/tenantId/);
    expect(validateRequest('fts:settings:set', { startAtLogin: true })).toEqual({ startAtLogin: true });
  });
  it('refuses unknown channels', () => {
    expect(() => validateRequest('fts:shell:exec' as 'fts:state:get', undefined)).toThrow(/unknown channel/);
  });
});

describe('pathInShare', () => {
  it('joins inside the share and refuses to climb out', () => {
    expect(pathInShare('/Volumes/space', 'projects/2025')).toBe('/Volumes/space/projects/2025');
    expect(pathInShare('S:\\', 'projects/2025')).toBe('S:\\projects\\2025');
    expect(pathInShare('/Volumes/space', undefined)).toBe('/Volumes/space');
    expect(pathInShare('/Volumes/space', '../../etc')).toBeNull();
  });
});

const ts = '2026-11-25T10:00:00.000Z';
const finished: FtsEvent = {
  id: 7,
  ts,
  type: 'graduation.finished',
  data: {
    runId: 1,
    job: 'graduation',
    scanned: 10,
    eligible: 3,
    moved: 3,
    bytesMoved: 3 * 1024 ** 2,
    skipped: {},
    failed: 0,
    examples: ['projects/2025/a.pdf'],
    from: 'flux',
    to: 'space',
    durationMs: 5,
    eligibleBytes: 0,
    dryRun: false,
    stopped: null,
  },
};

describe('event model', () => {
  // The core's NotificationModel words them and keeps one per run; the shell adds the kind and what a click opens.
  const note = (e: FtsEvent) => {
    const n = new NotificationModel().ingest(e);
    return n ? toCoreNotification(n, e) : null;
  };
  it('a graduation becomes a notification that reveals the first graduated file on space', () => {
    const n = note(finished);
    expect(n).toMatchObject({
      id: 'graduation#1',
      kind: 'graduation',
      severity: 'info',
      title: 'Graduated 3 files (3.1 MB) from Flux to Space',
      open: { kind: 'share', share: 'space', subPath: 'projects/2025/a.pdf' },
    });
    expect(CoreNotification.safeParse(n).success).toBe(true);
  });
  it('nothing moved, nothing to tell; progress is never a notification', () => {
    expect(note({ ...finished, data: { ...finished.data, moved: 0 } } as FtsEvent)).toBeNull();
    expect(
      note({
        id: 8,
        ts,
        type: 'graduation.progress',
        data: { runId: 1, job: 'g', scanned: 1, moved: 0, bytesMoved: 0, currentPath: null },
      }),
    ).toBeNull();
  });
  it('a failed backup is an error notification that opens the window', () => {
    expect(
      note({
        id: 9,
        ts,
        type: 'backup.failed',
        data: { runId: 2, job: 'backup', reason: 'repository locked', operation: 'backup', cancelled: false },
      }),
    ).toMatchObject({
      kind: 'backup',
      severity: 'error',
      title: 'Backup to the backup repository failed: repository locked',
      open: { kind: 'window' },
    });
  });
  it('folds events into the state: feed without progress or duplicates, last graduation', () => {
    let s = sampleState();
    s = applyEvent(s, finished);
    s = applyEvent(s, finished);
    s = applyEvent(s, {
      id: 8,
      ts,
      type: 'graduation.progress',
      data: { runId: 1, job: 'g', scanned: 1, moved: 0, bytesMoved: 0, currentPath: null },
    });
    expect(s.activity.map((e) => e.id)).toEqual([7]);
    expect(s.lastGraduation).toEqual({ at: ts, moved: 3, bytesMoved: 3 * 1024 ** 2, to: 'space' });
    expect(TrayState.safeParse(s).success).toBe(true);
  });
});

describe('tray icon and menu', () => {
  it('picks the icon from the state', () => {
    expect(trayIconState(sampleState())).toBe('partial');
    expect(trayIconState(sampleState({ busy: true }))).toBe('busy');
    expect(trayIconState(sampleState({ account: { signedIn: false, user: null } }))).toBe('signed-out');
    const s = sampleState();
    expect(trayIconState({ ...s, shares: s.shares.map((x) => ({ ...x, state: 'error' as const })) })).toBe('error');
    expect(trayIconState({ ...s, shares: s.shares.map((x) => ({ ...x, state: 'unmounted' as const })) })).toBe('idle');
  });
  it('before pairing, the menu only leads to the window that asks for the pairing string', () => {
    expect(
      buildMenuModel(sampleState({ paired: false })).map((e) => (e.type === 'separator' ? '--' : e.label)),
    ).toEqual(['Pair this computer…', '--', 'Quit Flux Time Space']);
  });
  it('names the last graduation and backup', () => {
    const now = Date.parse(ts) + 3 * 3600e3;
    const items = buildMenuModel(
      sampleState({
        lastGraduation: { at: ts, moved: 3, bytesMoved: 3 * 1024 ** 2, to: 'space' },
        lastBackup: { at: ts, ok: false, snapshotId: null, message: 'x' },
      }),
      now,
    );
    const label = (id: string) => items.find((i) => i.type !== 'separator' && i.id === id);
    expect(label('last-graduation')).toMatchObject({ label: 'Last graduation: 3 files, 3.0 MiB to space, 3 h ago' });
    expect(label('last-backup')).toMatchObject({ label: 'Last backup: FAILED, 3 h ago' });
    expect(formatBytes(512)).toBe('512 B');
  });
});

describe('settings and login items', () => {
  it('defaults are valid, unpaired, and start at login only once the person says so (it is offered)', () => {
    for (const os of ['win32', 'darwin', 'linux']) {
      const d = SettingsView.parse(defaultSettings(os));
      expect(d).toMatchObject({ pairing: null, startAtLogin: false, startAtLoginOffered: false });
    }
    expect(defaultSettings('win32').shares.map((s) => [s.name, s.driveLetter, s.autoMount])).toEqual([
      ['flux', 'F:', true],
      ['time', null, false],
      ['space', 'S:', true],
    ]);
    expect(defaultSettings('darwin').shares.find((s) => s.name === 'time')!.autoMount).toBe(true);
  });
  it('keeps what it can of a stored file: old fields dropped, a bad field alone falls back', () => {
    const pairing = { vault: 'kv-miket-ops', tenant: 't', appId: 'a', clientId: 'count-zero' };
    // An older version's settings (secret names, a pinned fingerprint) still carry the shares and the URL.
    const old = {
      helperUrl: 'https://motoko:8642',
      keyVaultName: 'kv-x',
      secretNames: { helperToken: 'fts-helper-token' },
      shares: [{ name: 'flux', driveLetter: 'G:', autoMount: true }],
    };
    expect(readSettings(old, 'win32')).toMatchObject({
      helperUrl: 'https://motoko:8642',
      shares: [{ name: 'flux', driveLetter: 'G:', autoMount: true }],
    });
    expect(
      readSettings({ pairing, shares: [{ name: 'flux', driveLetter: 'A:', autoMount: true }] }, 'win32'),
    ).toMatchObject({ pairing, shares: defaultSettings('win32').shares });
    expect(readSettings({ keyVaultName: '!!' }, 'darwin')).toEqual(defaultSettings('darwin'));
  });
  it('drive letters are D: to Z:, one share each', () => {
    const s = defaultSettings('win32');
    expect(
      SettingsView.safeParse({
        ...s,
        shares: [
          { name: 'flux', driveLetter: 'S:', autoMount: true },
          { name: 'space', driveLetter: 'S:', autoMount: true },
        ],
      }).error?.issues[0],
    ).toMatchObject({
      path: ['shares', 1, 'driveLetter'],
      message: 'S: is already the letter of flux: give space another one',
    });
    expect(
      SettingsView.safeParse({ ...s, shares: [{ name: 'flux', driveLetter: 'c:', autoMount: true }] }).success,
    ).toBe(false);
  });
  it('Windows login item launches with --autostart; macOS registers the app itself', () => {
    expect(loginItemSettings(true, 'win32', 'C:\\fts.exe')).toEqual({
      openAtLogin: true,
      path: 'C:\\fts.exe',
      args: ['--autostart'],
    });
    expect(loginItemSettings(true, 'darwin', '/Applications/Flux Time Space.app')).toEqual({ openAtLogin: true });
    expect(isAutostart(['fts.exe', '--autostart'])).toBe(true);
    expect(isAutostart(['fts.exe'])).toBe(false);
  });
  it.each([
    ['win32', ['fts.exe', '--autostart'], false, true, { mountLoginShares: true, openWindow: false }],
    ['win32', ['fts.exe'], false, true, { mountLoginShares: false, openWindow: true }],
    ['darwin', ['Flux Time Space'], false, true, { mountLoginShares: true, openWindow: false }],
    ['darwin', ['Flux Time Space'], true, true, { mountLoginShares: true, openWindow: false }],
    ['linux', ['fts', '--autostart'], false, true, { mountLoginShares: true, openWindow: false }],
    ['darwin', ['Flux Time Space'], false, false, { mountLoginShares: false, openWindow: true }],
    ['win32', ['fts.exe', '--autostart'], false, false, { mountLoginShares: false, openWindow: true }],
  ])('launch on %s with %j (opened at login: %s, paired: %s) → %j', (platform, argv, openedAtLogin, paired, plan) => {
    expect(launchPlan({ platform, argv, openedAtLogin, paired })).toEqual(plan);
  });
});
