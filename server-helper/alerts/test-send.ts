/** Test messages: one to a channel now, once, without the outbox or coalescing, reporting what the channel did. */
import type { AlertTestResult } from '../../contract/index.js';
import { SecretError } from '../system/secrets.js';
import { DeliveryError, type AlertSender } from './channels/index.js';
import { testMessage } from './describe.js';

/** A channel name that is not configured. */
export class UnknownChannelError extends Error {
  override readonly name = 'UnknownChannelError';
}

/** Sends a test message to the named channel, or to every channel; results in the channels' order. */
export async function sendTestMessages(
  senders: readonly AlertSender[],
  server: string,
  name?: string,
): Promise<AlertTestResult[]> {
  const chosen = name === undefined ? senders : senders.filter((s) => s.channel.name === name);
  if (chosen.length === 0) {
    throw new UnknownChannelError(
      senders.length === 0
        ? 'no alert channels are configured: add alerts.channels to the configuration'
        : `no alert channel named "${name}"; channels: ${senders.map((s) => s.channel.name).join(', ')}`,
    );
  }
  return Promise.all(
    chosen.map(async (s): Promise<AlertTestResult> => {
      const base = { channel: s.channel.name, type: s.channel.type, target: s.target() };
      try {
        await s.send(testMessage(s.channel.name, server), new AbortController().signal);
        return { ...base, ok: true, error: null };
      } catch (err) {
        // Our errors carry no secret; anything else is named only by its type.
        const error =
          err instanceof DeliveryError || err instanceof SecretError
            ? err.message
            : `unexpected ${err instanceof Error ? err.name : 'error'}`;
        return { ...base, ok: false, error };
      }
    }),
  );
}
