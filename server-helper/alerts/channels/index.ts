/** The sender for a configured channel, by its type. */
import type { AlertChannel } from '../../config/alerts-schema.js';
import { deadmanSender } from './deadman.js';
import { emailSender } from './email.js';
import { ntfySender } from './ntfy.js';
import type { AlertSender, SenderDeps } from './sender.js';
import { webhookSender } from './webhook.js';

export { DeliveryError, type AlertSender, type SenderDeps } from './sender.js';

/** Builds the sender of one channel. */
export function senderFor(channel: AlertChannel, deps: SenderDeps): AlertSender {
  switch (channel.type) {
    case 'ntfy':
      return ntfySender(channel, deps);
    case 'webhook':
      return webhookSender(channel, deps);
    case 'email':
      return emailSender(channel, deps);
    case 'deadman':
      return deadmanSender(channel, deps);
  }
}
