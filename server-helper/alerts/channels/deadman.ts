/**
 * A dead-man's switch (healthchecks.io and compatible): a POST to the ping URL after a successful backup, to the
 * fail URL after a failed one, to the test URL for `alerts test`. The body is the run's summary, which
 * healthchecks keeps with the ping.
 */
import type { DeadmanChannel } from '../../config/alerts-schema.js';
import type { z } from 'zod';
import { post, resolveUrl, urlTarget } from './http.js';
import type { AlertSender, SenderDeps } from './sender.js';

/** `url` + suffix, for a URL from the config or a secret (`/fail`, `/log`). */
function withSuffix(url: string, suffix: string): string {
  return `${url.replace(/\/+$/, '')}${suffix}`;
}

/** A sender for one dead-man channel. */
export function deadmanSender(channel: z.infer<typeof DeadmanChannel>, deps: SenderDeps): AlertSender {
  const field = (f: string) => `alerts channel ${channel.name}: ${f}`;
  return {
    channel,
    target: () => urlTarget(channel.url),
    async send(message, signal) {
      const ping = await resolveUrl(channel.url, field('url'), deps.secrets);
      let target = ping;
      if (message.test)
        target = channel.testUrl
          ? await resolveUrl(channel.testUrl, field('testUrl'), deps.secrets)
          : withSuffix(ping, '/log');
      else if (message.event?.type === 'backup.failed')
        target = channel.failUrl
          ? await resolveUrl(channel.failUrl, field('failUrl'), deps.secrets)
          : withSuffix(ping, '/fail');
      await post({
        url: target,
        body: `${message.title}\n${message.body}`,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'user-agent': `fts-helper/${deps.version}` },
        secrets: [ping],
        timeoutMs: deps.timeoutMs,
        signal,
      });
    },
  };
}
