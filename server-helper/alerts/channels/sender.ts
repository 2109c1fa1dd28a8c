/** What every alert channel is: a name, where it sends (for people, without secrets), and one send. */
import type { AlertMessage } from '../../../contract/index.js';
import type { AlertChannel } from '../../config/alerts-schema.js';
import type { AlertSecrets } from '../secrets.js';

/** A delivery that failed; the message names the channel's target and never holds a secret. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
}

/** What a sender needs besides its own config. */
export interface SenderDeps {
  secrets: AlertSecrets;
  /** How long one delivery may take. */
  timeoutMs: number;
  /** For the User-Agent. */
  version: string;
}

/** One configured channel, ready to send. */
export interface AlertSender {
  readonly channel: AlertChannel;
  /** Where it sends, without credentials or URL path, for `alerts list` and logs. */
  target(): string;
  /** Sends one message; throws DeliveryError (free of secrets) when it was not accepted. */
  send(message: AlertMessage, signal: AbortSignal): Promise<void>;
}
