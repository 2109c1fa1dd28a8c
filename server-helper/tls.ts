/** The daemon's TLS: configured files, or a self-signed certificate made once and pinned by clients. The daemon owns it, so the API never runs openssl itself. */
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HelperConfig } from './config/schema.js';
import { makeSelfSignedCertificate } from './system/openssl.js';
import type { TlsMaterial } from './api/server.js';

/** The certificate's SHA-256 fingerprint as clients pin it (`AB:CD:...`). */
export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/** Loads or creates the TLS material the config asks for; null when TLS is off. */
export async function ensureTls(
  config: HelperConfig,
): Promise<(TlsMaterial & { fingerprint: string; created: boolean }) | null> {
  const tls = config.api.tls;
  if (tls === 'off') return null;
  let certFile: string;
  let keyFile: string;
  let created = false;
  if (tls === 'auto') {
    const dir = join(dirname(config.store.path), 'tls');
    certFile = join(dir, 'helper.crt');
    keyFile = join(dir, 'helper.key');
    if (!existsSync(certFile) || !existsSync(keyFile)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const name = config.server.name;
      await makeSelfSignedCertificate({
        certFile,
        keyFile,
        commonName: name,
        dnsNames: [name, `${name}.local`, 'localhost', ...config.api.allowedHosts],
        ips: ['127.0.0.1', '::1'],
      });
      chmodSync(keyFile, 0o600);
      created = true;
    }
  } else {
    certFile = tls.cert;
    keyFile = tls.key;
  }
  const cert = readFileSync(certFile, 'utf8');
  return { cert, key: readFileSync(keyFile, 'utf8'), fingerprint: fingerprintOf(cert), created };
}
