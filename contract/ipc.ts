/**
 * The IPC channel map between the tray window (renderer) and the Electron shell (main), and the shapes both see.
 * One entry per channel: its request and response schemas. The preload exposes one typed verb per channel; the
 * main process validates every request against the same schema. The HTTP bridge (browser build) uses it too.
 * Nothing here carries a secret: tokens, passwords and client secrets stay in the main process and the keychain.
 */
import { z } from 'zod';
import { ShareName, ShareRole, Timestamp } from './common.js';
import { MountErrorCode, MountState } from './client.js';
import { Status } from './api.js';
import { FtsEvent } from './events.js';
import { bridgeVerbs } from './ipc-verbs.js';
import { PairingInfo } from './secrets.js';
import { ActionStarted, BringBackRequest, SearchQuery, SearchReport } from './restore.js';
import { TimeMachineWarning } from './timemachine.js';

/** A Windows drive letter for a share: D: to Z: (A: and B: are floppies by convention, C: the system). */
export const DriveLetter = z.string().regex(/^[D-Z]:$/, 'a drive letter from D: to Z:, such as F:');

/** One share as the tray shows it: the server's share plus this computer's mount state. */
export const TrayShare = z.strictObject({
  name: ShareName,
  role: ShareRole.optional(),
  driveLetter: z
    .string()
    .regex(/^[A-Z]:$/)
    .optional(),
  state: MountState,
  mountPoint: z.string().nullable(),
  errorCode: MountErrorCode.nullable(),
  errorMessage: z.string().nullable(),
});
export type TrayShare = z.infer<typeof TrayShare>;

/** The last graduation as the tray's menu and window name it. */
export const LastGraduation = z.strictObject({
  at: Timestamp,
  moved: z.number().int().nonnegative(),
  bytesMoved: z.number().nonnegative(),
  to: z.string(),
});
/** The last backup as the tray's menu and window name it. */
export const LastBackup = z.strictObject({
  at: Timestamp,
  ok: z.boolean(),
  snapshotId: z.string().nullable(),
  message: z.string().nullable(),
});

/** Everything the tray icon, its menu and the tray window draw, in one snapshot. */
export const TrayState = z.strictObject({
  account: z.strictObject({ signedIn: z.boolean(), user: z.string().nullable() }),
  server: z.strictObject({
    name: z.string(),
    url: z.string().nullable(),
    reachable: z.boolean(),
    /** The helper's summary (drives, jobs, clients); null until first fetched or when unreachable. */
    status: Status.nullable(),
  }),
  shares: z.array(TrayShare),
  lastGraduation: LastGraduation.nullable(),
  lastBackup: LastBackup.nullable(),
  /** Recent events, newest first (the activity feed). */
  activity: z.array(FtsEvent).max(200),
  startAtLogin: z.boolean(),
  /** True once a pairing string has been entered (until then the window asks for it and nothing else). */
  paired: z.boolean(),
  /** True while a mount-all, unmount-all or sign-in is in flight. */
  busy: z.boolean(),
});
export type TrayState = z.infer<typeof TrayState>;

/** How this computer mounts one share: its drive letter on Windows, and whether it mounts at login. */
export const ShareSetting = z.strictObject({
  name: ShareName,
  driveLetter: DriveLetter.nullable(),
  autoMount: z.boolean(),
});
export type ShareSetting = z.infer<typeof ShareSetting>;

/** The shares, each name once and each drive letter used by one share at most. */
export const ShareSettings = z
  .array(ShareSetting)
  .max(64)
  .superRefine((shares, ctx) => {
    const names = new Set<string>();
    const letters = new Map<string, string>();
    shares.forEach((s, i) => {
      if (names.has(s.name))
        ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `the share ${s.name} is listed twice` });
      names.add(s.name);
      if (!s.driveLetter) return;
      const holder = letters.get(s.driveLetter);
      if (holder)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'driveLetter'],
          message: `${s.driveLetter} is already the letter of ${holder}: give ${s.name} another one`,
        });
      else letters.set(s.driveLetter, s.name);
    });
  });

/**
 * The tray's settings. No secret is part of them: the pairing string names the vault, the Entra tenant and app and
 * this client's id; every secret is read from Key Vault under the names contract/secrets.ts gives, into the keychain.
 */
export const SettingsView = z.strictObject({
  /** What `fts-helper clients pair` printed, decoded; null until this computer is paired. */
  pairing: PairingInfo.nullable(),
  /** The helper's URL, learnt from Key Vault (`fts-helper-url`) at sign-in; shown, never typed. */
  helperUrl: z.url({ protocol: /^https?$/ }).nullable(),
  shares: ShareSettings,
  startAtLogin: z.boolean(),
  /** "Start at login" was offered once (after the first successful mount); it is not asked again. */
  startAtLoginOffered: z.boolean(),
});
export type SettingsView = z.infer<typeof SettingsView>;

/** What the window may change in the settings: drive letters and login mounts, and starting at login. */
export const SettingsPatch = z.strictObject({ shares: ShareSettings.optional(), startAtLogin: z.boolean().optional() });
export type SettingsPatch = z.infer<typeof SettingsPatch>;

/** The pairing string as typed (`fts1:…`); the main process decodes and checks it (decodePairing). */
export const PairRequest = z.strictObject({ pairing: z.string().min(1).max(4096) });

/** A notification the core asks the shell to show; `open` says what a click shows: the window, or an item on a share (revealed in its folder, never opened). */
export const CoreNotification = z.strictObject({
  id: z.string().min(1).max(128),
  kind: z.enum(['graduation', 'backup', 'drive', 'mount', 'timemachine']),
  title: z.string().max(256),
  body: z.string().max(1024),
  severity: z.enum(['info', 'warning', 'error']),
  open: z.union([
    z.strictObject({ kind: z.literal('window') }),
    z.strictObject({ kind: z.literal('share'), share: ShareName, subPath: z.string().max(1024).optional() }),
  ]),
});
export type CoreNotification = z.infer<typeof CoreNotification>;

/** One of this computer's Time Machine backups on the server, as the tray window shows it. */
export const TrayMacBackup = z.strictObject({
  /** The Mac's computer name, as its bundle on the time share gives it. */
  name: z.string(),
  /** The end of the last completed backup, or null when none is known. */
  lastBackup: Timestamp.nullable(),
  /** A backup is running now. */
  running: z.boolean(),
  warnings: z.array(TimeMachineWarning),
});
export type TrayMacBackup = z.infer<typeof TrayMacBackup>;

/**
 * "Last Time Machine backup: 2 h ago": this Mac's backups on the server's time share (none found: an empty list).
 * Null on Windows and Linux, which have no Time Machine: the window shows nothing then.
 */
export const TrayTimeMachine = z.strictObject({ macs: z.array(TrayMacBackup) }).nullable();
export type TrayTimeMachine = z.infer<typeof TrayTimeMachine>;

/** "Where is my file?" from the tray: part of a name, looked for in the shares this computer has. */
export const FileSearchRequest = z.strictObject({ q: SearchQuery.shape.q });

const none = z.undefined();
const ok = z.strictObject({ ok: z.literal(true) });
const shareArg = z.strictObject({ share: ShareName });

function channel<const Req extends z.ZodType, const Res extends z.ZodType>(request: Req, response: Res) {
  return { request, response };
}

/** Invoke channels (renderer → main, with a reply). The key is the channel name on the wire. */
export const ipcChannels = {
  'fts:state:get': channel(none, TrayState),
  'fts:shares:mount-all': channel(none, ok),
  'fts:shares:unmount-all': channel(none, ok),
  'fts:share:mount': channel(shareArg, ok),
  'fts:share:unmount': channel(shareArg, ok),
  'fts:share:open': channel(shareArg, ok),
  'fts:auth:sign-in': channel(none, ok),
  'fts:auth:sign-out': channel(none, ok),
  'fts:settings:get': channel(none, SettingsView),
  'fts:settings:set': channel(SettingsPatch, SettingsView),
  'fts:app:start-at-login': channel(z.strictObject({ enabled: z.boolean() }), ok),
  'fts:app:pair': channel(PairRequest, SettingsView),
  'fts:timemachine:get': channel(none, TrayTimeMachine),
  'fts:files:search': channel(FileSearchRequest, SearchReport),
  'fts:files:bring-back': channel(BringBackRequest, ActionStarted),
} as const;

/** Every invoke channel's name. */
export type IpcChannel = keyof typeof ipcChannels;
/** The request a channel takes. */
export type IpcRequest<C extends IpcChannel> = z.infer<(typeof ipcChannels)[C]['request']>;
/** The response a channel gives. */
export type IpcResponse<C extends IpcChannel> = z.infer<(typeof ipcChannels)[C]['response']>;
/** All invoke channel names, for registration loops and tests. */
export const IPC_CHANNELS = Object.keys(ipcChannels) as IpcChannel[];

/** Push channels (main → renderer, no reply). */
export const ipcPushChannels = { 'fts:state:changed': TrayState } as const;
/** A push channel's name. */
export type IpcPushChannel = keyof typeof ipcPushChannels;

export { bridgeVerbs };
/** A bridge verb's name. */
export type BridgeVerb = keyof typeof bridgeVerbs;

type VerbFn<C extends IpcChannel> =
  IpcRequest<C> extends undefined ? () => Promise<IpcResponse<C>> : (arg: IpcRequest<C>) => Promise<IpcResponse<C>>;

/** What the renderer sees as `window.fts`: typed verbs and one subscription, never ipcRenderer itself. */
export type FtsBridge = { [V in BridgeVerb]: VerbFn<(typeof bridgeVerbs)[V]> } & {
  /** Calls back with every new state; returns the function that stops it. */
  onStateChange(listener: (state: TrayState) => void): () => void;
  /** Where the bridge runs: inside Electron, or in a browser against the headless core. */
  readonly kind: 'electron' | 'http';
};
