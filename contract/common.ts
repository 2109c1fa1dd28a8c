/** Shared primitives of the contract: names, ids and durations that every schema reuses. */
import { z } from 'zod';

/** Characters Samba cannot hold in a section name, plus path separators and control characters. */
const SHARE_NAME_FORBIDDEN = /[[\];#%/\\\u0000-\u001f\u007f]/;
const RESERVED_SHARE_NAMES = new Set(['global', 'homes', 'printers', 'ipc$', 'print$']);

/** An SMB share name: safe to put in an smb.conf section header and a URL. */
export const ShareName = z
  .string()
  .min(1, 'a share name cannot be empty')
  .max(80, 'a share name has at most 80 characters')
  .refine((s) => !SHARE_NAME_FORBIDDEN.test(s), {
    message: 'a share name cannot contain [ ] ; # % / \\ or control characters',
  })
  .refine((s) => s.trim() === s, { message: 'a share name cannot start or end with a space' })
  .refine((s) => !RESERVED_SHARE_NAMES.has(s.toLowerCase()), {
    message: 'global, homes, printers, ipc$ and print$ are reserved by Samba',
  });

/** A client's stable id: what it registers under, safe in a URL path segment. */
export const ClientId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a client id is 1-64 letters, digits, dot, dash or underscore');

/** The three roles of the seed installation; other shares may exist without a role. */
export const ShareRole = z.enum(['flux', 'time', 'space']);

/** An ISO-8601 timestamp with a zone, as every API timestamp is sent. */
export const Timestamp = z.iso.datetime({ offset: true });

/** Parses durations like `30d`, `12h`, `5m`, `90s`, `250ms`, `1w` into milliseconds; null when malformed. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!m) return null;
  const unit = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 }[m[2] as 'ms'];
  return Math.round(Number(m[1]) * unit);
}

/** A duration written for people (`30d`), checked and kept as text. */
export const Duration = z.string().refine((s) => parseDuration(s) !== null, {
  message: 'a duration is a number and a unit: 250ms, 90s, 5m, 12h, 30d, 1w',
});

/** Parses sizes like `2T`, `500G`, `1.5GiB`, `4096` into bytes; null when malformed. */
export function parseSize(text: string | number): number | null {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? Math.floor(text) : null;
  const m = /^(\d+(?:\.\d+)?)\s*([KMGTP]?)(i?B?)$/i.exec(text.trim());
  if (!m) return null;
  const power = ['', 'K', 'M', 'G', 'T', 'P'].indexOf(m[2]!.toUpperCase());
  return Math.floor(Number(m[1]) * 1024 ** power);
}

/** A size written for people (`2T`, `500GiB`) or a byte count. */
export const Size = z
  .union([z.string(), z.number()])
  .refine((s) => parseSize(s) !== null, { message: 'a size is bytes or a number with K, M, G, T or P (binary units)' });
