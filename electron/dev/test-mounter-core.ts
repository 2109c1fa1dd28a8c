/**
 * TEST DOUBLE: the real client core (ClientCoreFacade over electron/core) with a folder-backed Mounter, for where
 * SMB cannot run: `npm start`'s browser tray and the Playwright tray test (this sandbox has no client-side SMB
 * mount). It talks to a real fts-helper (status, event stream, client state reports); its "mounts" are folders
 * under `mountRoot`. The only test-specific parts are the mounter, an in-memory keychain seeded with the helper
 * token, and an account that is always signed in (no Entra ID here).
 */
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { KEYCHAIN_KEYS } from '../core/credentials.js';
import {
  MemoryCredentialStore,
  MountError,
  type MountedShare,
  type Mounter,
  type MountTarget,
} from '../platform/index.js';
import type { AccountSource } from '../app/client-core-facade.js';
import { ClientCoreFacade } from '../app/client-core-facade.js';
import { defaultSettings } from '../app/settings.js';

const MARKER = '.fts-test-mount';

/** A Mounter whose mount is a folder with a marker file; shares listed in `failShares` are refused like a missing share. */
export class FolderMounter implements Mounter {
  readonly os = 'linux' as const;

  constructor(
    private readonly root: string,
    private readonly failShares: ReadonlySet<string> = new Set(),
  ) {}

  /** "Mounts" a share: creates its folder and marker; returns the folder. */
  async mount(target: MountTarget): Promise<{ mountPoint: string }> {
    if (this.failShares.has(target.share))
      throw new MountError('share-missing', `test mounter: share "${target.share}" refused`);
    const dir = join(this.root, target.share);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, MARKER), `test mount of //${target.host}/${target.share}\n`);
    return { mountPoint: dir };
  }

  /** "Unmounts" a share: removes its folder. */
  async unmount(target: MountTarget): Promise<void> {
    await rm(join(this.root, target.share), { recursive: true, force: true });
  }

  /** The folders with a marker, as the OS would list mounted shares (host is the configured one). */
  async list(): Promise<MountedShare[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const out: MountedShare[] = [];
    for (const share of names) {
      if (await stat(join(this.root, share, MARKER)).catch(() => null))
        out.push({ share, host: this.host, mountPoint: join(this.root, share) });
    }
    return out;
  }

  /** The server host the listing reports (the facade's config sets it from the helper URL). */
  host = '127.0.0.1';
}

/** How to reach the helper and where the test mounts go. */
export interface TestCoreOptions {
  helperUrl: string;
  /** A client token for the helper (kept in the in-memory keychain; never part of the state). */
  token: string;
  clientId: string;
  mountRoot: string;
  failShares?: string[];
  hostName?: string;
  /** The OS the core reports (default linux); `darwin` makes it a Mac, whose window shows its Time Machine line. */
  os?: 'darwin' | 'win32' | 'linux';
  /** False: the first run, before the pairing string was entered (the window asks for it). */
  paired?: boolean;
}

/** An account that is signed in as `test-user` until signed out (there is no Entra ID in the sandbox). */
function testAccount(): AccountSource {
  let user: string | null = 'test-user';
  return {
    current: async () => user,
    signIn: async () => (user = 'test-user'),
    signOut: async () => void (user = null),
  };
}

/** The real facade with the folder mounter. Call `start()` once; `close()` stops the link. */
export class TestMounterCore extends ClientCoreFacade {
  private readonly seeded: Promise<unknown>;

  constructor(opts: TestCoreOptions) {
    const store = new MemoryCredentialStore();
    const mounter = new FolderMounter(opts.mountRoot, new Set(opts.failShares ?? []));
    mounter.host = new URL(opts.helperUrl).hostname;
    // Paired with a sandbox "vault" (there is no Key Vault here): the keychain below is seeded instead.
    const pairing = { vault: 'kv-sandbox', tenant: 'sandbox', appId: 'sandbox', clientId: opts.clientId };
    const settings = {
      ...defaultSettings('linux'),
      pairing: opts.paired === false ? null : pairing,
      helperUrl: opts.helperUrl,
      startAtLogin: false,
    };
    // Every share mounts with "Mount all" (the Playwright test expects three); nothing mounts on its own.
    settings.shares = settings.shares.map((s) => ({ ...s, autoMount: true }));
    super({
      settings,
      baseConfig: {
        helper: { heartbeat: '60s', disconnectGrace: '30s', url: opts.helperUrl },
        ...(opts.paired === false ? { clientId: opts.clientId } : {}),
      },
      deps: {
        store,
        mounter,
        // No SMB server to probe: the folder mounter is always "reachable".
        mountOptions: { probe: async () => true, autoRetry: false, retries: 0 },
        // The reconnect backoff starts small: a restarted helper is picked up quickly in `npm start`.
        linkOptions: { minBackoffMs: 250 },
        host: {
          hostName: opts.hostName ?? hostname().slice(0, 255),
          os: opts.os ?? 'linux',
          osVersion: 'test-mounter',
        },
      },
      account: testAccount,
    });
    // Seeded before start(): the link and the status requests read the token from the keychain.
    this.seeded = Promise.all([
      store.set(KEYCHAIN_KEYS.helperToken, opts.token),
      store.set(KEYCHAIN_KEYS.smb, JSON.stringify({ username: 'test', password: 'unused-by-the-folder-mounter' })),
    ]);
  }

  override async start(): Promise<void> {
    await this.seeded;
    await super.start();
  }
}
