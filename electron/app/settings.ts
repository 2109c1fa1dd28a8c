/**
 * The tray app's settings as electron-store keeps them: a JSON schema (electron-store validates every write with
 * it) and defaults. No secret is ever stored here: credentials live in the OS keychain, fetched from Key Vault.
 */
import { SettingsView } from '../../contract/ipc.js';

/** Defaults for a fresh install; Windows starts at login unless the user turns it off. */
export function defaultSettings(platform: NodeJS.Platform): SettingsView {
  return {
    helperUrl: null,
    helperFingerprint: null,
    shares: [
      { name: 'flux', driveLetter: platform === 'win32' ? 'F:' : null, autoMount: true },
      { name: 'time', driveLetter: null, autoMount: platform === 'darwin' },
      { name: 'space', driveLetter: platform === 'win32' ? 'S:' : null, autoMount: true },
    ],
    keyVaultName: 'kv-miket-ops',
    secretNames: { sambaUser: 'smb-user', sambaPassword: 'smb-password', helperToken: 'fts-helper-token' },
    tenantId: null,
    clientId: null,
    startAtLogin: platform === 'win32',
  };
}

const nullableString = (extra: Record<string, unknown> = {}) => ({ type: ['string', 'null'], ...extra });

/** electron-store's JSON schema for the same fields as SettingsView (which stays the source of truth for IPC). */
export const settingsJsonSchema = {
  helperUrl: nullableString({ maxLength: 2048 }),
  helperFingerprint: nullableString({ pattern: '^([0-9A-F]{2}:){31}[0-9A-F]{2}$' }),
  shares: {
    type: 'array',
    maxItems: 64,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'driveLetter', 'autoMount'],
      properties: { name: { type: 'string', minLength: 1, maxLength: 80 }, driveLetter: nullableString({ pattern: '^[A-Z]:$' }), autoMount: { type: 'boolean' } },
    },
  },
  keyVaultName: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$' },
  secretNames: {
    type: 'object',
    additionalProperties: false,
    required: ['sambaUser', 'sambaPassword', 'helperToken'],
    properties: { sambaUser: { type: 'string' }, sambaPassword: { type: 'string' }, helperToken: { type: 'string' } },
  },
  tenantId: nullableString(),
  clientId: nullableString(),
  startAtLogin: { type: 'boolean' },
} as const;

/** Reads settings from whatever electron-store holds, falling back to defaults for anything missing or invalid. */
export function readSettings(raw: Record<string, unknown>, platform: NodeJS.Platform): SettingsView {
  const merged = { ...defaultSettings(platform), ...raw };
  const parsed = SettingsView.safeParse(merged);
  return parsed.success ? parsed.data : defaultSettings(platform);
}
