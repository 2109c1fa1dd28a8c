/**
 * Does the server answer on its SMB port? A TCP connect is not enough: a captive network or a NAT can
 * accept any connection. So the probe sends an SMB2 NEGOTIATE and waits (about a second) for an SMB reply.
 */
import { connect } from 'node:net';

/** An SMB2 NEGOTIATE request (dialects 2.0.2 and 2.1) in a NetBIOS session frame. */
export function smb2NegotiateRequest(): Buffer {
  const header = Buffer.alloc(64);
  header.write('\xfeSMB', 0, 'latin1');
  header.writeUInt16LE(64, 4); // StructureSize
  header.writeUInt16LE(0, 12); // Command: NEGOTIATE
  header.writeUInt16LE(1, 14); // CreditRequest
  const body = Buffer.alloc(36 + 4);
  body.writeUInt16LE(36, 0); // StructureSize
  body.writeUInt16LE(2, 2); // DialectCount
  body.writeUInt16LE(1, 4); // SecurityMode: signing enabled
  body.writeUInt16LE(0x0202, 36);
  body.writeUInt16LE(0x0210, 38);
  const frame = Buffer.alloc(4);
  frame.writeUInt32BE(header.length + body.length, 0);
  return Buffer.concat([frame, header, body]);
}

/** True when the bytes start an SMB1 or SMB2 message inside a NetBIOS frame. */
export function isSmbReply(data: Buffer): boolean {
  if (data.length < 8) return false;
  const magic = data.subarray(4, 8).toString('latin1');
  return magic === '\xfeSMB' || magic === '\xffSMB';
}

/** Resolves true when host:port answers an SMB negotiate within timeoutMs. */
export function probeSmb(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let buf = Buffer.alloc(0);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => socket.write(smb2NegotiateRequest()));
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 8) done(isSmbReply(buf));
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

/** Resolves true when a TCP connection to host:port opens within timeoutMs (for non-SMB services). */
export function probeTcp(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
