/**
 * E-mail through SMTP with nodemailer, never in clear text: STARTTLS is required (a server that does not offer
 * it fails the delivery instead of receiving the password unencrypted), or TLS from the first byte (port 465).
 */
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import type { z } from 'zod';
import type { EmailChannel } from '../../config/alerts-schema.js';
import { redact } from '../secrets.js';
import { DeliveryError, type AlertSender, type SenderDeps } from './sender.js';

/** The plain-text body: the message, the repeats held back, and where it came from. */
export function emailText(m: {
  body: string;
  heldBack: number;
  server: string;
  event: { id: number; ts: string } | null;
  test: boolean;
}): string {
  const held =
    m.heldBack > 0
      ? `\n\n${m.heldBack} similar alert${m.heldBack === 1 ? ' was' : 's were'} held back since the last one.`
      : '';
  const origin = m.test
    ? 'a test message from fts-helper'
    : `fts-helper on ${m.server}, event #${m.event?.id} at ${m.event?.ts}`;
  return `${m.body}${held}\n\n-- \n${origin}\n`;
}

/** The CA certificate file's text, or a DeliveryError naming the field. */
function readCa(file: string, channel: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new DeliveryError(
      `alerts channel ${channel}: caCert: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/** A sender for one e-mail channel. */
export function emailSender(channel: z.infer<typeof EmailChannel>, deps: SenderDeps): AlertSender {
  const target = `smtp://${channel.host}:${channel.port}`;
  return {
    channel,
    target: () => target,
    async send(message, signal) {
      const password = channel.password
        ? await deps.secrets.read(channel.password, `alerts channel ${channel.name}: password`)
        : null;
      const secrets = password
        ? [password, `\0${channel.user}\0${password}`, `${channel.user}\0${channel.user}\0${password}`]
        : [];
      const transport = nodemailer.createTransport({
        host: channel.host,
        port: channel.port,
        secure: channel.tls === 'implicit',
        requireTLS: channel.tls === 'starttls',
        ...(channel.user && password ? { auth: { user: channel.user, pass: password } } : {}),
        tls: { minVersion: 'TLSv1.2', ...(channel.caCert ? { ca: readCa(channel.caCert, channel.name) } : {}) },
        connectionTimeout: deps.timeoutMs,
        greetingTimeout: deps.timeoutMs,
        socketTimeout: deps.timeoutMs,
        // nodemailer's logger would write the SMTP conversation, AUTH included.
        logger: false,
        debug: false,
      });
      try {
        await transport.sendMail({
          from: channel.from,
          to: channel.to,
          subject: `[${message.server}] ${message.title}`,
          text: emailText(message),
          headers: { 'X-FTS-Level': message.level, 'X-FTS-Kind': message.kind },
          signal: AbortSignal.any([signal, AbortSignal.timeout(deps.timeoutMs * 2)]),
        });
      } catch (err) {
        const e = err as { code?: string; message?: string };
        throw new DeliveryError(
          redact(
            `${target}: ${e.message ?? String(err)}${e.code && !e.message?.includes(e.code) ? ` (${e.code})` : ''}`,
            secrets,
          ),
        );
      } finally {
        transport.close();
      }
    },
  };
}
