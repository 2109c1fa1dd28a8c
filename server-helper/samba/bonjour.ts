/**
 * Bonjour for the shares: an avahi static service file, rendered from the config. A Mac finds SMB servers through
 * `_smb._tcp` and Time Machine destinations through `_adisk._tcp` (one `dkN=adVN=SHARE,adVF=0x82` record per
 * Time Machine share, and `sys=waMa=0,adVF=0x100`); `_device-info._tcp` gives Finder the server's icon (model).
 * Samba's own registration (`multicast dns register`) is turned off when this file is managed: it registers once,
 * when smbd starts, so a share added by `samba apply` stayed unadvertised until a restart, and it sends neither
 * `_device-info._tcp` nor `waMa`. avahi-daemon reloads the file itself (inotify) when it changes. Pure: text out.
 */
import type { HelperConfig } from '../config/schema.js';

/** First line of the managed file's comment. */
export const AVAHI_HEADER =
  'Managed by fts-helper: do not edit. `fts-helper samba apply` rewrites this file from the helper config.';

/** Escapes text for XML character data and attribute values. */
export function xmlEscape(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

/** The first port of `smb ports` in smb.conf's [global] (where clients connect), else 445. */
export function smbPortOf(smbConf: string): number {
  let inGlobal = false;
  for (const raw of smbConf.split('\n')) {
    const line = raw.trim();
    const section = /^\[([^\]]*)\]/.exec(line);
    if (section) {
      inGlobal = section[1]!.trim().toLowerCase() === 'global';
      continue;
    }
    if (!inGlobal) continue;
    const m = /^smb\s*ports\s*=\s*(\d+)/i.exec(line);
    if (m) return Number(m[1]);
  }
  return 445;
}

/** The TXT records of `_adisk._tcp`: one `dkN` per Time Machine share, and the system flags; empty without Time Machine. */
export function adiskRecords(config: Pick<HelperConfig, 'shares'>): string[] {
  const disks = config.shares.filter((s) => s.timeMachine !== false).map((s, i) => `dk${i}=adVN=${s.name},adVF=0x82`);
  return disks.length ? [...disks, 'sys=waMa=0,adVF=0x100'] : [];
}

/** The avahi service file for the shares (see the file comment). */
export function renderAvahiService(config: Pick<HelperConfig, 'shares' | 'samba'>, smbPort: number): string {
  const service = (type: string, port: number, txt: string[] = []) => [
    '  <service>',
    `    <type>${type}</type>`,
    `    <port>${port}</port>`,
    ...txt.map((t) => `    <txt-record>${xmlEscape(t)}</txt-record>`),
    '  </service>',
  ];
  const adisk = adiskRecords(config);
  const lines = [
    `<?xml version="1.0" standalone='no'?>`,
    '<!DOCTYPE service-group SYSTEM "avahi-service.dtd">',
    `<!-- ${AVAHI_HEADER} -->`,
    '<service-group>',
    '  <name replace-wildcards="yes">%h</name>',
    ...service('_smb._tcp', smbPort),
    ...service('_device-info._tcp', 0, [`model=${config.samba.fruitModel}`]),
    // Port 9 (discard), as Apple's own devices use: the record carries only TXT data.
    ...(adisk.length ? service('_adisk._tcp', 9, adisk) : []),
    '</service-group>',
  ];
  return `${lines.join('\n')}\n`;
}
