/** The `alerts` section: channels that tell a person about failures and warnings without the tray. */
import { z } from 'zod';
import { AlertLevel, Duration, EVENT_TYPES, type EventType } from '../../contract/index.js';

const AbsolutePath = z
  .string()
  .refine((p) => p.startsWith('/') && !p.includes('\0'), { message: 'must be an absolute path' });

/** A secret's source: a 0600 file, or a secret of the config's Key Vault by name. */
export const SecretRef = z.union([
  z.strictObject({ file: AbsolutePath }),
  z.strictObject({
    keyVault: z.string().regex(/^[0-9a-zA-Z-]{1,127}$/, 'a Key Vault secret name: letters, digits and dashes'),
  }),
]);
export type SecretRef = z.infer<typeof SecretRef>;

/** An http(s) URL, written in the config or (when it works as a password, as an ntfy topic or a ping URL does) read from a secret. */
const HttpUrl = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' });
const UrlOrSecret = z.union([HttpUrl, SecretRef]);

/** Every event type of the contract, so a new event type can be named here as soon as it exists. */
const EventName = z.enum(EVENT_TYPES as [EventType, ...EventType[]], {
  error: (issue) => `unknown event type ${JSON.stringify(issue.input)}; event types: ${EVENT_TYPES.join(', ')}`,
});

/** What every message channel shares: which events, how loud, how often a repeat. */
const filters = {
  /** A name for the CLI and logs (`alerts test phone`). */
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'a channel name: 1-32 lower-case letters, digits, - or _'),
  /** Event types to send; without it, every event at or above minLevel. */
  events: z.array(EventName).min(1).optional(),
  minLevel: AlertLevel.default('warning'),
  /** Repeats of one kind (the same job failing again, the same drive warning) are sent at most once per window. */
  repeatWindow: Duration.default('1h'),
};

/** ntfy: a POST of the message to a topic URL (https://ntfy.sh/TOPIC or a server of your own). */
export const NtfyChannel = z.strictObject({
  type: z.literal('ntfy'),
  ...filters,
  url: UrlOrSecret,
  /** An access token (`tk_…`) for a protected topic. */
  token: SecretRef.optional(),
});

/** A generic webhook: the AlertMessage as a JSON POST, with an optional bearer secret. */
export const WebhookChannel = z.strictObject({
  type: z.literal('webhook'),
  ...filters,
  url: UrlOrSecret,
  bearer: SecretRef.optional(),
});

/** E-mail through an SMTP server, always encrypted: STARTTLS (required, port 587) or TLS from the start (port 465). */
export const EmailChannel = z.strictObject({
  type: z.literal('email'),
  ...filters,
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(587),
  tls: z.enum(['starttls', 'implicit']).default('starttls'),
  /** A CA certificate (PEM) to trust besides the system's, for a server with a private CA. */
  caCert: AbsolutePath.optional(),
  user: z.string().min(1).optional(),
  password: SecretRef.optional(),
  from: z.string().min(3),
  to: z.array(z.email({ error: 'an e-mail address' })).min(1),
});

/**
 * A dead-man's switch (healthchecks-style): a ping after each successful backup, `failUrl` after a failed one.
 * The service that receives the pings alerts when they stop, which catches a helper that is down altogether.
 */
export const DeadmanChannel = z.strictObject({
  type: z.literal('deadman'),
  name: filters.name,
  url: UrlOrSecret,
  /** Default: `url` + `/fail` (healthchecks). */
  failUrl: UrlOrSecret.optional(),
  /** Where `alerts test` pings. Default: `url` + `/log` (healthchecks logs it without changing the check's state). */
  testUrl: UrlOrSecret.optional(),
  /** Backup jobs whose runs ping; default every backup job. */
  jobs: z.array(z.string().min(1)).min(1).optional(),
});

/** One alert channel. */
export const AlertChannel = z.discriminatedUnion('type', [NtfyChannel, WebhookChannel, EmailChannel, DeadmanChannel]);
export type AlertChannel = z.infer<typeof AlertChannel>;

/** The alerts section. */
export const AlertsConfig = z
  .strictObject({
    channels: z.array(AlertChannel).default([]),
    /** How long one delivery may take before it counts as failed. */
    timeout: Duration.default('15s'),
    /** A channel that is down is tried again after initialDelay, doubling up to maxDelay, until giveUpAfter. */
    retry: z
      .strictObject({
        initialDelay: Duration.default('30s'),
        maxDelay: Duration.default('30m'),
        giveUpAfter: Duration.default('24h'),
      })
      .prefault({}),
  })
  .superRefine((a, ctx) => {
    const seen = new Set<string>();
    a.channels.forEach((c, i) => {
      if (seen.has(c.name))
        ctx.addIssue({ code: 'custom', path: ['channels', i, 'name'], message: `two channels are named "${c.name}"` });
      seen.add(c.name);
      if (c.type === 'email' && c.user && !c.password)
        ctx.addIssue({
          code: 'custom',
          path: ['channels', i, 'password'],
          message: 'a user needs a password (a file or a Key Vault secret)',
        });
    });
  });
export type AlertsConfig = z.infer<typeof AlertsConfig>;

/** Paths (within `alerts`) of every Key Vault reference, for the check that the config has a keyVault section. */
export function keyVaultRefs(a: AlertsConfig): (string | number)[][] {
  const out: (string | number)[][] = [];
  a.channels.forEach((c, i) => {
    for (const [field, v] of Object.entries(c)) {
      if (v && typeof v === 'object' && 'keyVault' in v) out.push(['channels', i, field, 'keyVault']);
    }
  });
  return out;
}
