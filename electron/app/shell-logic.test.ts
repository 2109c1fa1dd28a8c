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
import { isAutostart, loginItemSettings } from './security.js';
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
    expect(() => validateRequest('fts:share:mount', { share: 'a;b' })).toThrow(/fts:share:mount: share: a share name cannot contain/);
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
  data: { runId: 1, job: 'graduation', scanned: 10, eligible: 3, moved: 3, bytesMoved: 3 * 1024 ** 2, skipped: {}, failed: 0, examples: ['projects/2025/a.pdf'], from: 'flux', to: 'space', durationMs: 5 },
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
    expect(note({ id: 8, ts, type: 'graduation.progress', data: { runId: 1, job: 'g', scanned: 1, moved: 0, bytesMoved: 0, currentPath: null } })).toBeNull();
  });
  it('a failed backup is an error notification that opens the window', () => {
    expect(note({ id: 9, ts, type: 'backup.failed', data: { runId: 2, job: 'backup', reason: 'repository locked', operation: 'backup', cancelled: false } })).toMatchObject({
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
    s = applyEvent(s, { id: 8, ts, type: 'graduation.progress', data: { runId: 1, job: 'g', scanned: 1, moved: 0, bytesMoved: 0, currentPath: null } });
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
  it('names the last graduation and backup', () => {
    const now = Date.parse(ts) + 3 * 3600e3;
    const items = buildMenuModel(sampleState({ lastGraduation: { at: ts, moved: 3, bytesMoved: 3 * 1024 ** 2, to: 'space' }, lastBackup: { at: ts, ok: false, snapshotId: null, message: 'x' } }), now);
    const label = (id: string) => items.find((i) => i.type !== 'separator' && i.id === id);
    expect(label('last-graduation')).toMatchObject({ label: 'Last graduation: 3 files, 3.0 MiB to space, 3 h ago' });
    expect(label('last-backup')).toMatchObject({ label: 'Last backup: FAILED, 3 h ago' });
    expect(formatBytes(512)).toBe('512 B');
  });
});

describe('settings and login items', () => {
  it('defaults are valid and Windows starts at login by default', () => {
    expect(SettingsView.parse(defaultSettings('win32')).startAtLogin).toBe(true);
    expect(SettingsView.parse(defaultSettings('darwin')).startAtLogin).toBe(false);
    expect(defaultSettings('win32').shares.find((s) => s.name === 'flux')!.driveLetter).toBe('F:');
  });
  it('falls back to defaults on a corrupted store', () => {
    expect(readSettings({ keyVaultName: '!!' }, 'darwin')).toEqual(defaultSettings('darwin'));
    expect(readSettings({ helperUrl: 'https://motoko:8642' }, 'darwin').helperUrl).toBe('https://motoko:8642');
  });
  it('Windows login item launches with --autostart', () => {
    expect(loginItemSettings(true, 'win32', 'C:\\fts.exe')).toEqual({ openAtLogin: true, path: 'C:\\fts.exe', args: ['--autostart'] });
    expect(isAutostart(['fts.exe', '--autostart'])).toBe(true);
    expect(isAutostart(['fts.exe'])).toBe(false);
  });
});
