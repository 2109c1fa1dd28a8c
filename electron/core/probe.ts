/** Does the server answer on its SMB port? A TCP connect with a short timeout, so an absent server fails fast. */
import { connect } from 'node:net';

/** Resolves true when a TCP connection to host:port opens within timeoutMs. */
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
