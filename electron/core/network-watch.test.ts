/** Network changes are changes of interface or address (not only online/offline), and a late timer means a wake. */
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { NetworkWatch, networkSignature } from './network-watch.js';

const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask: '255.255.255.0',
  family: 'IPv4',
  mac: '00:00:00:00:00:00',
  internal,
  cidr: `${address}/24`,
});
const v6 = (address: string): NetworkInterfaceInfo => ({
  address,
  netmask: 'ffff:ffff:ffff:ffff::',
  family: 'IPv6',
  mac: '00:00:00:00:00:00',
  internal: false,
  cidr: `${address}/64`,
  scopeid: 0,
});

describe('NetworkWatch', () => {
  it('ignores loopback and link-local; sees an address change on the same interface', () => {
    expect(networkSignature({ lo: [v4('127.0.0.1', true)], en0: [v6('fe80::1')] })).toBe('');
    expect(networkSignature({ en0: [v4('192.168.1.20')] })).not.toBe(networkSignature({ en0: [v4('192.168.1.21')] }));
  });

  it('reports Wi-Fi → Ethernet, a new lease, going offline and coming back, and a wake from sleep', () => {
    let ifaces: NodeJS.Dict<NetworkInterfaceInfo[]> = { lo: [v4('127.0.0.1', true)], en0: [v4('192.168.1.20')] };
    let now = 1_000_000;
    const changes: boolean[] = [];
    const wakes: number[] = [];
    const w = new NetworkWatch({
      onChange: (online) => changes.push(online),
      onWake: (ms) => wakes.push(ms),
      interfaces: () => ifaces,
      now: () => now,
      intervalMs: 5000,
    });
    const tick = (ms = 5000) => {
      now += ms;
      w.check();
    };
    tick();
    expect(changes).toEqual([]);
    ifaces = { lo: ifaces.lo, en1: [v4('10.0.0.5')] }; // another network, online all along
    tick();
    ifaces = { lo: ifaces.lo, en1: [v4('10.0.0.6')] }; // a new lease
    tick();
    ifaces = { lo: ifaces.lo };
    tick();
    expect(w.online).toBe(false);
    ifaces = { lo: ifaces.lo, en0: [v4('192.168.1.20')] };
    tick(3_600_000); // the lid was closed for an hour
    expect(changes).toEqual([true, true, false, true]);
    expect(wakes).toHaveLength(1);
    expect(wakes[0]).toBeGreaterThan(3_500_000);
  });
});
