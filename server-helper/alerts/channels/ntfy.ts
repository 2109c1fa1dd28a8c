/** ntfy: the message body POSTed to the topic URL, its title, priority and tags in headers (ntfy's publish API). */
import type { AlertLevel } from '../../../contract/index.js';
import type { NtfyChannel } from '../../config/alerts-schema.js';
import type { z } from 'zod';
import { post, resolveUrl, urlTarget } from './http.js';
import type { AlertSender, SenderDeps } from './sender.js';

/** ntfy's priorities (1 min … 5 max) and emoji tags per level. */
const PRIORITY: Record<AlertLevel, string> = { info: '2', warning: '4', error: '5' };
const TAGS: Record<AlertLevel, string> = { info: 'information_source', warning: 'warning', error: 'rotating_light' };

/** A header value as ntfy reads it: RFC 2047 base64 when it is not plain ASCII (fetch refuses other bytes in headers). */
export function headerText(text: string): string {
  const oneLine = text.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(oneLine) ? oneLine : `=?UTF-8?B?${Buffer.from(oneLine).toString('base64')}?=`;
}

/** A sender for one ntfy channel. */
export function ntfySender(channel: z.infer<typeof NtfyChannel>, deps: SenderDeps): AlertSender {
  return {
    channel,
    target: () => urlTarget(channel.url),
    async send(message, signal) {
      const url = await resolveUrl(channel.url, `alerts channel ${channel.name}: url`, deps.secrets);
      const token = channel.token
        ? await deps.secrets.read(channel.token, `alerts channel ${channel.name}: token`)
        : null;
      const held =
        message.heldBack > 0
          ? `\n\n(${message.heldBack} similar alert${message.heldBack === 1 ? '' : 's'} held back since the last one)`
          : '';
      await post({
        url,
        body: `${message.body}${held}`,
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          'user-agent': `fts-helper/${deps.version}`,
          title: headerText(message.title),
          priority: PRIORITY[message.level],
          tags: headerText(`${TAGS[message.level]},${message.server}`),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        secrets: token ? [token] : [],
        timeoutMs: deps.timeoutMs,
        signal,
      });
    },
  };
}
