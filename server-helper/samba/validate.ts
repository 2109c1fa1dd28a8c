/**
 * Checks everything that goes into the managed Samba file before anything is written: share names, paths
 * (inside the configured roots, no symlink escape), users, sizes and extra parameters (a deny-list).
 * Pure except for the injected `realpath`, so tests can feed it hostile input.
 */
import { posix } from 'node:path';
import { parseSize } from '../../contract/index.js';
import type { HelperConfig } from '../config/schema.js';
import { canonicalParameter, resolveParameter } from './synonyms.js';

/** One refused value: the config field and what is wrong with it. */
export interface SambaIssue {
  field: string;
  message: string;
}

/** Bad Samba configuration; names the first field (and lists all). Exit 2. */
export class SambaValidationError extends Error {
  override readonly name = 'SambaValidationError';
  constructor(readonly issues: SambaIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
  }
  /** The first refused field. */
  get field(): string {
    return this.issues[0]?.field ?? '';
  }
}

/** Resolves symlinks of an existing path; null when it does not exist. */
export type Realpath = (path: string) => string | null;

const CONTROL = /[\u0000-\u001f\u007f]/;
const NAME_FORBIDDEN = /[[\];#%/\\\u0000-\u001f\u007f]/;
const RESERVED_NAMES = new Set(['global', 'homes', 'printers', 'ipc$', 'print$']);
const PARAM_NAME = /^[A-Za-z0-9][A-Za-z0-9 _:.-]{0,79}$/;

/** Parameters the helper sets itself from other config fields (named here so the message says which), by Samba's name. */
export const MANAGED_PARAMETERS: Readonly<Record<string, string>> = {
  path: 'path',
  'vfs objects': 'always catia fruit streams_xattr',
  'valid users': 'validUsers',
  'read only': 'readOnly',
  comment: 'comment',
  'fruit:time machine': 'timeMachine',
  'fruit:time machine max size': 'timeMachine.maxSize',
  'guest ok': 'always no',
  'force group': 'samba.group',
  'create mask': 'samba.group: 0660, or 0600 on Time Machine',
  'force create mode': 'samba.group',
  'directory mask': 'samba.group: 2770, or 0700 on Time Machine',
  'force directory mode': 'samba.group',
};
const MANAGED_BY_KEY = new Map(
  Object.entries(MANAGED_PARAMETERS).map(([name, field]) => [canonicalParameter(name), field]),
);

/**
 * Parameters refused outright: they run programs, read other files, escape the share or open it to guests.
 * Samba's own names (a test holds each to `testparm --show-all-parameters`); their synonyms are refused through
 * resolveParameter, as smbd would read them.
 */
export const DENIED_PARAMETERS: readonly string[] = [
  'include',
  'config file',
  'copy',
  'root preexec',
  'root preexec close',
  'root postexec',
  'preexec',
  'preexec close',
  'postexec',
  'wide links',
  'allow insecure wide links',
  'guest only',
  'guest account',
  'map to guest',
  'admin users',
  'magic script',
  'magic output',
  'msdfs proxy',
  'msdfs root',
  'usershare path',
  'usershare allow guests',
  'dfree command',
  'get quota command',
  'set quota command',
  'username map',
  'username map script',
  'write list',
  'force user',
  'use client driver',
  'printable',
  'printing',
  'acl allow execute always',
  'dont descend',
  'server smb encrypt',
];
const DENIED = new Set(DENIED_PARAMETERS.map(canonicalParameter));
// Any parameter whose name says it runs something is refused too (print command, add user script, ...).
const DENIED_PATTERN = /command|script|exec|program/;

/** Why a share parameter is refused, or null when it may be written. Names are judged by the parameter smbd reads. */
export function refuseParameter(name: string, value: string | number | boolean): string | null {
  if (!PARAM_NAME.test(name)) return 'a parameter name is letters, digits, space, _ : . - (at most 80)';
  const { key, synonym } = resolveParameter(name);
  const as = synonym ? ` ("${name}" is Samba's ${synonym.inverse ? 'inverted ' : ''}synonym of "${synonym.of}")` : '';
  const managed = MANAGED_BY_KEY.get(key);
  if (managed !== undefined) return `set by fts-helper (${managed}); remove it from parameters${as}`;
  if (DENIED.has(key) || DENIED_PATTERN.test(key) || DENIED_PATTERN.test(canonicalParameter(name))) {
    return `"${name}" is not allowed in a managed share (it runs programs, reads other files, escapes the share or admits guests)${as}`;
  }
  const text = String(value);
  if (CONTROL.test(text)) return 'a value cannot contain a line break or control character';
  if (/\\\s*$/.test(text)) return 'a value cannot end with a backslash (smb.conf would join the next line)';
  if (text.length > 1024) return 'a value has at most 1024 characters';
  return null;
}

/** Why a share name is refused, or null. */
export function refuseShareName(name: string): string | null {
  if (name.length === 0) return 'a share name cannot be empty';
  if (name.length > 80) return 'a share name has at most 80 characters';
  if (NAME_FORBIDDEN.test(name))
    return 'a share name cannot contain [ ] ; # % / \\, a line break or a control character';
  if (name.trim() !== name) return 'a share name cannot start or end with a space';
  if (RESERVED_NAMES.has(name.toLowerCase())) return 'global, homes, printers, ipc$ and print$ are reserved by Samba';
  return null;
}

/** The path with its deepest existing ancestor resolved through symlinks (so a missing tail cannot hide an escape). */
function resolveExisting(path: string, realpath: Realpath): string | null {
  const tail: string[] = [];
  let cur = path;
  for (;;) {
    const real = realpath(cur);
    if (real !== null) return tail.length ? posix.join(real, ...tail.reverse()) : real;
    if (cur === '/') return null;
    tail.push(posix.basename(cur));
    cur = posix.dirname(cur);
  }
}

const inside = (path: string, root: string) => path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);

/** Why a share path is refused, or null. */
export function refuseSharePath(path: string, roots: readonly string[], realpath: Realpath): string | null {
  if (!path.startsWith('/')) return 'must be an absolute path';
  if (CONTROL.test(path)) return 'cannot contain a line break or control character';
  if (path.includes('%')) return 'cannot contain % (Samba would expand it as a variable)';
  if (path.includes('\\')) return 'cannot contain a backslash';
  if (/\s$/.test(path)) return 'cannot end with a space';
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  if (posix.normalize(trimmed) !== trimmed) return 'must be normalized (no //, . or .. segments)';
  const root = roots.find((r) => inside(trimmed, r.length > 1 ? r.replace(/\/+$/, '') : r));
  if (!root) return `must be inside one of samba.roots (${roots.join(', ') || 'none configured'})`;
  const realRoot = resolveExisting(root, realpath);
  const realPath = resolveExisting(path, realpath);
  if (realRoot === null || realPath === null || !inside(realPath, realRoot))
    return `resolves through a symlink to ${realPath ?? '?'}, outside ${root}`;
  return null;
}

/** Every problem with the Samba part of the config; empty when it may be rendered and written. */
export function sambaIssues(config: HelperConfig, realpath: Realpath): SambaIssue[] {
  const issues: SambaIssue[] = [];
  const add = (field: string, message: string | null) => {
    if (message) issues.push({ field, message });
  };
  config.samba.roots.forEach((r, i) =>
    add(
      `samba.roots[${i}]`,
      r.startsWith('/') && !CONTROL.test(r) && !r.includes('%')
        ? null
        : 'must be an absolute path without control characters or %',
    ),
  );
  add(
    'samba.fruitModel',
    /^[A-Za-z0-9,]{1,64}$/.test(config.samba.fruitModel)
      ? null
      : 'a model name such as MacSamba, RackMac or TimeCapsule8,119',
  );
  for (const f of ['smbConf', 'includeFile'] as const)
    add(
      `samba.${f}`,
      CONTROL.test(config.samba[f]) || config.samba[f].includes('%') ? 'cannot contain control characters or %' : null,
    );
  if (config.samba.smbConf === config.samba.includeFile) add('samba.includeFile', 'must differ from samba.smbConf');
  const seen = new Map<string, number>();
  config.shares.forEach((s, i) => {
    const at = `shares[${i}]`;
    add(`${at}.name`, refuseShareName(s.name));
    const prev = seen.get(s.name.toLowerCase());
    if (prev !== undefined) add(`${at}.name`, `duplicates shares[${prev}].name (share names are case-insensitive)`);
    seen.set(s.name.toLowerCase(), i);
    add(`${at}.path`, refuseSharePath(s.path, config.samba.roots, realpath));
    if (s.comment !== undefined)
      add(
        `${at}.comment`,
        CONTROL.test(s.comment) || /\\\s*$/.test(s.comment)
          ? 'cannot contain control characters or end with a backslash'
          : null,
      );
    s.validUsers.forEach((u, j) =>
      add(`${at}.validUsers[${j}]`, /^[a-z_][a-z0-9_-]{0,31}$/.test(u) ? null : 'a Unix user name'),
    );
    if (s.timeMachine !== false) {
      if (s.readOnly) add(`${at}.readOnly`, 'a Time Machine share cannot be read-only');
      if (s.timeMachine.maxSize !== undefined && !parseSize(s.timeMachine.maxSize))
        add(`${at}.timeMachine.maxSize`, 'a size greater than zero such as 2T or 500G');
    }
    for (const [k, v] of Object.entries(s.parameters)) {
      add(`${at}.parameters["${k}"]`, refuseParameter(k, v));
    }
  });
  return issues;
}

/** Throws SambaValidationError when anything is wrong. */
export function validateSamba(config: HelperConfig, realpath: Realpath): void {
  const issues = sambaIssues(config, realpath);
  if (issues.length) throw new SambaValidationError(issues);
}
