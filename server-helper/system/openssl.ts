/** Self-signed certificates through the openssl command (Node can verify certificates but not make them). */
import { exec } from '../../lib/exec.js';

/** Writes a new EC P-256 key and a ten-year self-signed certificate valid for the given DNS names and IPs. */
export async function makeSelfSignedCertificate(opts: {
  certFile: string;
  keyFile: string;
  commonName: string;
  dnsNames: string[];
  ips: string[];
}): Promise<void> {
  const san = [...opts.dnsNames.map((d) => `DNS:${d}`), ...opts.ips.map((i) => `IP:${i}`)].join(',');
  await exec(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      opts.keyFile,
      '-out',
      opts.certFile,
      '-days',
      '3650',
      '-subj',
      `/CN=${opts.commonName}`,
      '-addext',
      `subjectAltName=${san}`,
    ],
    { timeoutMs: 30_000 },
  );
}
