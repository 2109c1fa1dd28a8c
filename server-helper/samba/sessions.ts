/** Who is connected to the shares and which files are open: smbstatus read with the configured smb.conf. */
import type { HelperConfig } from '../config/schema.js';
import { readSmbStatus, type SmbStatus } from '../system/smbstatus.js';

/** The sessions, tree connects and open files Samba reports now. */
export function sambaSessions(config: HelperConfig, signal?: AbortSignal): Promise<SmbStatus> {
  return readSmbStatus(config.samba.smbConf, signal);
}
