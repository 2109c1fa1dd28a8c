import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isSmbReply, probeSmb, smb2NegotiateRequest } from './probe.js';

let server: Server | null = null;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function listen(onData: (socket: import('node:net').Socket, data: Buffer) => void): Promise<number> {
  server = createServer((s) => s.on('data', (d) => onData(s, d)));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

describe('SMB probe', () => {
  it('builds a 108-byte SMB2 negotiate frame', () => {
    const b = smb2NegotiateRequest();
    expect(b.length).toBe(108);
    expect(b.readUInt32BE(0)).toBe(104);
    expect(isSmbReply(b)).toBe(true);
  });
  it('a port that accepts but never speaks SMB is not reachable; one that answers SMB is', async () => {
    const silent = await listen(() => undefined);
    expect(await probeSmb('127.0.0.1', silent, 300)).toBe(false);
    await new Promise<void>((r) => server!.close(() => r()));
    const http = await listen((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    expect(await probeSmb('127.0.0.1', http, 1000)).toBe(false);
    await new Promise<void>((r) => server!.close(() => r()));
    const smb = await listen((s, d) =>
      s.write(Buffer.concat([d.subarray(0, 4), Buffer.from('\xfeSMB', 'latin1'), Buffer.alloc(60)])),
    );
    expect(await probeSmb('127.0.0.1', smb, 1000)).toBe(true);
    server!.close();
    server = null;
  });
});
