/** The daemon's TLS: configured files, or a self-signed certificate made once and pinned by clients. The daemon owns it, so the API never runs openssl itself. */
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HelperConfig } from './config/schema.js';
import { hostAddresses, hostIdentity, type HostIdentity } from './system/host-names.js';
import { makeSelfSignedCertificate } from './system/openssl.js';
import type { TlsMaterial } from './api/server.js';

/** The certificate's SHA-256 fingerprint as clients pin it (`AB:CD:...`). */
export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/** The DNS names and IP addresses a self-signed certificate for this config on this machine covers. */
export function certificateNames(
  config: HelperConfig,
  identity: HostIdentity,
  addresses: string[],
): { dnsNames: string[]; ips: string[] } {
  const name = config.server.name.toLowerCase();
  const dnsNames = [name, `${name}.local`, 'localhost', ...identity.names, ...config.api.allowedHosts].map((n) =>
    n.toLowerCase(),
  );
  return { dnsNames: [...new Set(dnsNames)], ips: [...new Set(['127.0.0.1', '::1', ...addresses])] };
}

/** The DNS names a certificate's subjectAltName lists (lower case). */
export function certificateDnsNames(certPem: string): string[] {
  const san = new X509Certificate(certPem).subjectAltName ?? '';
  return san
    .split(', ')
    .filter((e) => e.startsWith('DNS:'))
    .map((e) => e.slice(4).toLowerCase());
}

/** What ensureTls did to the certificate. */
export interface TlsOutcome extends TlsMaterial {
  fingerprint: string;
  /** Made now (none existed, or the old one lacked names). */
  created: boolean;
  /** The names the previous self-signed certificate lacked, so it was made again (clients must pin the new one). */
  replacedFor: string[];
  /** With renew: false, the names the kept certificate lacks. */
  missing: string[];
}

/**
 * Loads or creates the TLS material the config asks for; null when TLS is off. A self-signed certificate is kept
 * as long as it names the server, SERVER.local, this machine's names and api.allowedHosts, because clients pin its
 * fingerprint; one that lacks a name (server.name changed, an older install made for motoko) is made again.
 * Addresses are written when it is made, but a changed address alone does not replace it: clients use names.
 */
export async function ensureTls(
  config: HelperConfig,
  opts: {
    identity?: HostIdentity;
    addresses?: string[];
    /** false: keep a certificate that lacks names (the running daemon serves it) and only report them in `missing`. */
    renew?: boolean;
  } = {},
): Promise<TlsOutcome | null> {
  const tls = config.api.tls;
  if (tls === 'off') return null;
  let certFile: string;
  let keyFile: string;
  let created = false;
  let replacedFor: string[] = [];
  let missing: string[] = [];
  if (tls === 'auto') {
    const dir = join(dirname(config.store.path), 'tls');
    certFile = join(dir, 'helper.crt');
    keyFile = join(dir, 'helper.key');
    const identity = opts.identity ?? (await hostIdentity());
    const wanted = certificateNames(config, identity, opts.addresses ?? hostAddresses());
    const exists = existsSync(certFile) && existsSync(keyFile);
    if (exists) {
      const has = new Set(certificateDnsNames(readFileSync(certFile, 'utf8')));
      replacedFor = wanted.dnsNames.filter((n) => !has.has(n));
    }
    if (exists && replacedFor.length && opts.renew === false) {
      missing = replacedFor;
      replacedFor = [];
    }
    if (!exists || replacedFor.length) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      await makeSelfSignedCertificate({ certFile, keyFile, commonName: config.server.name, ...wanted });
      chmodSync(keyFile, 0o600);
      created = true;
    }
  } else {
    certFile = tls.cert;
    keyFile = tls.key;
  }
  const cert = readFileSync(certFile, 'utf8');
  return { cert, key: readFileSync(keyFile, 'utf8'), fingerprint: fingerprintOf(cert), created, replacedFor, missing };
}
