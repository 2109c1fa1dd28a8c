/**
 * The tray app's settings as electron-store keeps them: a JSON schema (electron-store validates every write with
 * it) and defaults. No secret is ever stored here: the pairing names the vault, and every credential is read from
 * Key Vault into the OS keychain under the names contract/secrets.ts gives.
 */
import { SettingsView } from '../../contract/ipc.js';

/** The OS names the tray's defaults depend on. */
export type SettingsPlatform = 'darwin' | 'win32' | 'linux' | (string & {});

/** Defaults for a fresh install: unpaired; Windows maps F: flux and S: space; time mounts at login on a Mac only. */
export function defaultSettings(platform: SettingsPlatform): SettingsView {
  return {
    pairing: null,
    helperUrl: null,
    shares: [
      { name: 'flux', driveLetter: platform === 'win32' ? 'F:' : null, autoMount: true },
      { name: 'time', driveLetter: null, autoMount: platform === 'darwin' },
      { name: 'space', driveLetter: platform === 'win32' ? 'S:' : null, autoMount: true },
    ],
    // Off until the person says so: it is offered once, after the first successful mount.
    startAtLogin: false,
    startAtLoginOffered: false,
  };
}

const nullableString = (extra: Record<string, unknown> = {}) => ({ type: ['string', 'null'], ...extra });

/** electron-store's JSON schema for the same fields as SettingsView (which stays the source of truth for IPC). */
export const settingsJsonSchema = {
  pairing: {
    type: ['object', 'null'],
    additionalProperties: false,
    required: ['vault', 'tenant', 'appId', 'clientId'],
    properties: {
      vault: { type: 'string', maxLength: 24 },
      vaultUrl: { type: 'string', maxLength: 2048 },
      tenant: { type: 'string', maxLength: 64 },
      appId: { type: 'string', maxLength: 64 },
      clientId: { type: 'string', maxLength: 63 },
    },
  },
  helperUrl: nullableString({ maxLength: 2048 }),
  shares: {
    type: 'array',
    maxItems: 64,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'driveLetter', 'autoMount'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 80 },
        driveLetter: nullableString({ pattern: '^[D-Z]:$' }),
        autoMount: { type: 'boolean' },
      },
    },
  },
  startAtLogin: { type: 'boolean' },
  startAtLoginOffered: { type: 'boolean' },
} as const;

/**
 * Reads settings from whatever electron-store holds: the fields SettingsView knows are kept (an older version's
 * fields, such as secret names, are dropped), anything missing or invalid falls back to the defaults.
 */
export function readSettings(raw: Record<string, unknown>, platform: SettingsPlatform): SettingsView {
  const defaults = defaultSettings(platform);
  const known = Object.fromEntries(
    Object.keys(defaults)
      .filter((k) => k in raw)
      .map((k) => [k, raw[k]]),
  );
  const parsed = SettingsView.safeParse({ ...defaults, ...known });
  if (parsed.success) return parsed.data;
  // One bad field does not cost the others (a hand-edited letter must not unpair the computer).
  const kept = Object.fromEntries(
    Object.entries(known).filter(([k, v]) => SettingsView.shape[k as keyof SettingsView].safeParse(v).success),
  );
  return SettingsView.safeParse({ ...defaults, ...kept }).data ?? defaults;
}
