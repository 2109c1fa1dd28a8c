/**
 * Renders the managed include file from the config, and places its `include =` line in smb.conf's [global]
 * (exactly once, as the section's last parameter). Pure: text in, text out.
 */
import { parseSize } from '../../contract/index.js';
import type { HelperConfig, SambaConfig, ShareConfig } from '../config/schema.js';
import { resolveParameter } from './synonyms.js';

/** First line of the managed file, so a person who opens it knows not to edit it. */
export const MANAGED_HEADER =
  '# Managed by fts-helper: do not edit. `fts-helper samba apply` rewrites this file from the helper config.';

/** The VFS stack every share gets: a Mac's first share decides whether Apple's SMB2 extensions are on for the session. */
export const MAC_VFS_OBJECTS = 'catia fruit streams_xattr';

/** A byte count as Samba's SIZE [K|M|G|T|P] (binary units), in the largest exact unit. */
export function formatSambaSize(bytes: number): string {
  const units = ['P', 'T', 'G', 'M', 'K'];
  for (let i = 0; i < units.length; i++) {
    const unit = 1024 ** (5 - i);
    if (bytes >= unit && bytes % unit === 0) return `${bytes / unit}${units[i]}`;
  }
  return String(bytes);
}

const param = (name: string, value: string | number | boolean) =>
  `   ${name} = ${typeof value === 'boolean' ? (value ? 'yes' : 'no') : value}`;

/** The [global] settings macOS clients need and a careful admin sets. */
export function renderGlobal(config: HelperConfig): string[] {
  return [
    '   # macOS: metadata in xattr streams (streams_xattr), the Finder icon, rename of folders with open files,',
    '   # ._ files visible to rsync and zip, no NFS ACE mode mapping, and clean-up of empty resource forks.',
    param('fruit:metadata', 'stream'),
    param('fruit:model', config.samba.fruitModel),
    param('fruit:posix_rename', true),
    param('fruit:veto_appledouble', false),
    param('fruit:nfs_aces', false),
    param('fruit:wipe_intentionally_left_blank_rfork', true),
    param('fruit:delete_empty_adfiles', true),
    '   # Also the default for shares outside this file (homes, printers): the first share a Mac connects to',
    '   # decides whether Apple extensions are on for the whole session, so every share must load fruit.',
    param('vfs objects', MAC_VFS_OBJECTS),
    '   # No anonymous or guest access: every share needs a Samba account.',
    param('restrict anonymous', 2),
    param('map to guest', 'never'),
    param('usershare allow guests', false),
    '   # Extended attributes carry the macOS metadata streams.',
    param('ea support', true),
    ...(config.samba.avahiServiceFile
      ? [
          '   # Bonjour comes from the avahi service file fts-helper writes (kept current on every apply); Samba would',
          '   # register once at start, under its NetBIOS name, without the device model.',
          param('multicast dns register', false),
        ]
      : []),
  ];
}

/** Samba's variable for the connected user's Unix name (after authentication, so `ALICE` lands in `alice`). */
export const USER_VARIABLE = '%u';

/** The path smbd serves for a share: a per-user Time Machine share serves `path/%u`. */
export function renderedSharePath(share: ShareConfig): string {
  return share.timeMachine !== false && share.timeMachine.perUser
    ? `${share.path.replace(/\/+$/, '')}/${USER_VARIABLE}`
    : share.path;
}

/**
 * Who may connect and what new files look like. Shared folders: the household's group, forced on every new file
 * and folder, and modes that keep them group-writable (Samba ANDs the mode it derives from DOS attributes,
 * 0666 or 0777, with the mask, then ORs the force mode), so what one member writes, every other member reads
 * and edits. Time Machine: a backup is its owner's alone (0600/0700).
 */
export function renderAccess(share: ShareConfig, samba: Pick<SambaConfig, 'group'>): string[] {
  const lines: string[] = [];
  const users = share.validUsers.length ? share.validUsers : samba.group ? [`@${samba.group}`] : [];
  if (users.length) lines.push(param('valid users', users.join(' ')));
  if (share.timeMachine !== false) {
    lines.push(param('create mask', '0600'), param('directory mask', '0700'));
    return lines;
  }
  if (!samba.group) return lines;
  lines.push(
    param('force group', samba.group),
    param('create mask', '0660'),
    param('force create mode', '0660'),
    param('directory mask', '2770'),
    param('force directory mode', '2770'),
  );
  return lines;
}

/** What every share hides: ext4's fsck folder at a disk's root. */
export const VETO_FILES = '/lost+found/';

/** One share's section. */
export function renderShare(share: ShareConfig, samba: Pick<SambaConfig, 'group'> = { group: null }): string[] {
  const lines = [`[${share.name}]`];
  if (share.comment) lines.push(param('comment', share.comment));
  lines.push(
    param('path', renderedSharePath(share)),
    param('browseable', true),
    param('read only', share.readOnly),
    param('guest ok', false),
  );
  lines.push(...renderAccess(share, samba));
  lines.push(param('vfs objects', MAC_VFS_OBJECTS));
  if (share.timeMachine !== false) {
    lines.push('   # Time Machine: advertised over SMB, with the flags it needs set explicitly (vfs_fruit(8)).');
    lines.push(param('fruit:time machine', true));
    if (share.timeMachine.maxSize !== undefined)
      lines.push(param('fruit:time machine max size', formatSambaSize(parseSize(share.timeMachine.maxSize)!)));
    lines.push(
      param('durable handles', true),
      param('kernel oplocks', false),
      param('kernel share modes', false),
      param('posix locking', false),
    );
  }
  // ext4's lost+found sits at the root of a share on a disk of its own: hidden and out of reach of the members
  // (root's fsck folder). An admin's own `veto files` (under any of its names) is kept, after it.
  const isVeto = (k: string) => resolveParameter(k).key === resolveParameter('veto files').key;
  const ownVeto = Object.entries(share.parameters).find(([k]) => isVeto(k));
  lines.push(param('veto files', `${VETO_FILES}${ownVeto ? String(ownVeto[1]).replace(/^\//, '') : ''}`));
  const extra = Object.entries(share.parameters)
    .filter(([k]) => !isVeto(k))
    .sort(([a], [b]) => a.localeCompare(b));
  for (const [k, v] of extra) lines.push(param(k, v));
  return lines;
}

/** The whole managed include file. Call validateSamba first: this trusts its input. */
export function renderInclude(config: HelperConfig): string {
  const out = [
    MANAGED_HEADER,
    '# smb.conf includes it as the last line of [global]: the settings before the first share are global.',
    ...renderGlobal(config),
  ];
  for (const s of config.shares) out.push('', ...renderShare(s, config.samba));
  return `${out.join('\n')}\n`;
}

const SECTION = /^\s*\[([^\]]*)\]/;
const INCLUDE = /^\s*include\s*=\s*(.*?)\s*$/i;
const isParameter = (line: string) => /^\s*[^\s#;[][^=]*=/.test(line);

/**
 * smb.conf's text with `include = FILE` as the last parameter of [global], exactly once; every other line is kept.
 * `drop` names other include files whose lines are removed (the check points smb.conf at a candidate copy).
 */
export function withInclude(smbConf: string, includeFile: string, drop: readonly string[] = []): string {
  const gone = new Set([includeFile, ...drop]);
  const lines = smbConf.split('\n');
  const trailingNewline = smbConf.endsWith('\n');
  if (trailingNewline) lines.pop();
  const kept = lines.filter((l) => {
    const m = INCLUDE.exec(l);
    return !(m && gone.has(m[1]!));
  });
  const includeLine = `   include = ${includeFile}`;
  const start = kept.findIndex((l) => SECTION.exec(l)?.[1]?.trim().toLowerCase() === 'global');
  if (start < 0)
    return [`[global]`, includeLine, '', ...kept].join('\n') + (kept.length === 0 || trailingNewline ? '\n' : '');
  let end = kept.findIndex((l, i) => i > start && SECTION.test(l));
  if (end < 0) end = kept.length;
  let at = start + 1;
  for (let i = start + 1; i < end; i++) if (isParameter(kept[i]!)) at = i + 1;
  // A line ending in a backslash continues onto the next one: step past continuations.
  while (at < end && /\\\s*$/.test(kept[at - 1] ?? '')) at++;
  kept.splice(at, 0, includeLine);
  return kept.join('\n') + (trailingNewline || kept.length ? '\n' : '');
}

/** Share sections of a rendered include file, name → body text (to say which shares an apply changes). */
export function shareSections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | null = null;
  let body: string[] = [];
  const flush = () => {
    if (name !== null) out.set(name, body.join('\n').trim());
  };
  for (const line of text.split('\n')) {
    const m = SECTION.exec(line);
    if (m) {
      flush();
      name = m[1]!;
      body = [];
    } else if (name !== null) body.push(line);
  }
  flush();
  return out;
}

/** Names of shares added, removed or changed between two include files. */
export function changedShares(before: string, after: string): string[] {
  const a = shareSections(before);
  const b = shareSections(after);
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names].filter((n) => a.get(n) !== b.get(n)).sort();
}
