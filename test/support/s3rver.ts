/** A B2 stand-in for tests: s3rver over TLS (self-signed, SAN IP:127.0.0.1) on a random port, with one bucket. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A running s3rver. */
export interface S3Server {
  port: number;
  /** The CA certificate that signs the server's certificate (it is self-signed: the certificate itself). */
  certFile: string;
  /** Where s3rver keeps objects on disk: DIR/BUCKET/KEY._S3rver_object. */
  dataDir: string;
  bucket: string;
  /** `s3:https://127.0.0.1:PORT/BUCKET/prefix` for restic and the helper's config. */
  repository(prefix: string): string;
  stop(): Promise<void>;
}

/** Makes a self-signed certificate for 127.0.0.1 in dir. */
export function makeCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    {
      stdio: 'ignore',
    },
  );
  return { cert, key };
}

/** Starts s3rver with TLS in dir and waits until it listens. */
export async function startS3rver(dir: string, bucket = 'fts'): Promise<S3Server> {
  const { cert, key } = makeCert(dir);
  const dataDir = join(dir, 's3data');
  mkdirSync(dataDir, { recursive: true });
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve('s3rver/package.json')), 'bin', 's3rver.js');
  const child: ChildProcess = spawn(
    process.execPath,
    [bin, '-d', dataDir, '-a', '127.0.0.1', '-p', '0', '--key', key, '--cert', cert, '--configure-bucket', bucket],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`s3rver did not start: ${out}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on [^:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`s3rver exited with ${code}: ${out}`)));
  });
  // Keep draining its request log so it never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    port,
    certFile: cert,
    dataDir,
    bucket,
    repository: (prefix) => `s3:https://127.0.0.1:${port}/${bucket}/${prefix}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
