/** The client's OS seams: one interface per concern, one implementation per OS, chosen in index.ts. */
import type { MountErrorCode } from '../../contract/index.js';

/** What a mounter needs to reach one share. */
export interface MountTarget {
  share: string;
  host: string;
  port: number;
  workgroup: string;
  /** Windows drive letter, e.g. `F:`. */
  driveLetter?: string;
}

/** The Samba user name and password (kept in memory only while mounting). */
export interface SmbCredential {
  username: string;
  password: string;
}

/** A share the OS shows as mounted. */
export interface MountedShare {
  share: string;
  host: string;
  mountPoint: string;
}

/** Options for one mount or unmount. */
export interface MountOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A failed mount in words a UI can show; `detail` is the command's stderr with every secret cut out. */
export class MountError extends Error {
  override readonly name = 'MountError';
  constructor(
    readonly code: MountErrorCode,
    message: string,
    readonly detail: string = '',
  ) {
    super(message);
  }
}

/** Mounts and unmounts SMB shares the way the OS does it natively. */
export interface Mounter {
  readonly os: 'darwin' | 'win32' | 'linux';
  /** Mounts one share; resolves to its mount point (an already mounted share resolves too). Throws MountError. */
  mount(target: MountTarget, credential: SmbCredential, opts?: MountOptions): Promise<{ mountPoint: string }>;
  /** Unmounts one share; a share that is not mounted is not an error. */
  unmount(target: MountTarget, opts?: MountOptions): Promise<void>;
  /** The SMB shares the OS shows as mounted now. */
  list(opts?: MountOptions): Promise<MountedShare[]>;
  /** Whether a listed share can be read now (a mount whose server went away is listed but not usable). */
  usable?(share: MountedShare, opts?: MountOptions): Promise<boolean>;
}

/** The OS keychain: small secrets by key (macOS Keychain, Windows Credential Manager, Secret Service). */
export interface CredentialStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  /** True when something was deleted. */
  delete(key: string): Promise<boolean>;
}

/** Starting the tray app at login (implemented by the tray app issue). */
export interface LoginItem {
  isEnabled(): Promise<boolean>;
  setEnabled(enabled: boolean): Promise<void>;
}
