/** A generic webhook: the AlertMessage as a JSON POST, with `Authorization: Bearer` when a secret is configured. */
import type { WebhookChannel } from '../../config/alerts-schema.js';
import type { z } from 'zod';
import { post, resolveUrl, urlTarget } from './http.js';
import type { AlertSender, SenderDeps } from './sender.js';

/** A sender for one webhook channel. */
export function webhookSender(channel: z.infer<typeof WebhookChannel>, deps: SenderDeps): AlertSender {
  return {
    channel,
    target: () => urlTarget(channel.url),
    async send(message, signal) {
      const url = await resolveUrl(channel.url, `alerts channel ${channel.name}: url`, deps.secrets);
      const bearer = channel.bearer
        ? await deps.secrets.read(channel.bearer, `alerts channel ${channel.name}: bearer`)
        : null;
      await post({
        url,
        body: JSON.stringify(message),
        headers: {
          'content-type': 'application/json',
          'user-agent': `fts-helper/${deps.version}`,
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        },
        secrets: bearer ? [bearer] : [],
        timeoutMs: deps.timeoutMs,
        signal,
      });
    },
  };
}
