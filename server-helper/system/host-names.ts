/**
 * This machine's own names and addresses: what the API's Host check accepts without configuration, what the
 * self-signed certificate covers and what `config check` compares server.name with. Only names the machine
 * gives itself (its host name, its FQDN as the resolver states it, NAME.local) and addresses on its own
 * interfaces: a name an attacker controls (DNS rebinding) is none of these.
 */
import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { exec } from '../../lib/exec.js';

/** The machine's names (lower case, no duplicates): short, as set, FQDN and SHORT.local. */
export interface HostIdentity {
  /** The short host name (`vm` for `vm.example.org`). */
  short: string;
  names: string[];
}

/** The short form of a host name: the part before the first dot, lower case. */
export function shortHostName(name: string): string {
  return name.trim().toLowerCase().split('.')[0] ?? '';
}

/** The names for a host name and an optional FQDN (pure: tests give both). */
export function hostNamesOf(host: string, fqdn: string | null): HostIdentity {
  const short = shortHostName(host);
  const names = [short, host.trim().toLowerCase(), fqdn?.trim().toLowerCase() ?? '', short ? `${short}.local` : '']
    // A resolver without a name for the host answers `localhost` or nothing; neither names this machine.
    .filter((n) => n && n !== 'localhost' && n !== 'localhost.local' && /^[a-z0-9.-]+$/.test(n));
  return { short, names: [...new Set(names)] };
}

/** The machine's names now: os.hostname() and `hostname --fqdn` (skipped when it fails or takes over 2 s). */
export async function hostIdentity(): Promise<HostIdentity> {
  let fqdn: string | null = null;
  try {
    fqdn = (await exec('hostname', ['--fqdn'], { timeoutMs: 2000 })).stdout.trim() || null;
  } catch {
    fqdn = null;
  }
  return hostNamesOf(hostname(), fqdn);
}

/**
 * The addresses on this machine's interfaces now (loopback included), without IPv6 link-local ones: those
 * need a zone (`fe80::1%eth0`) that neither a Host header nor a certificate carries.
 */
export function hostAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) {
      const addr = a.address.toLowerCase();
      if (isIP(addr) && !/^fe[89ab][0-9a-f]:/.test(addr)) out.push(addr);
    }
  return [...new Set(out)];
}

/**
 * A predicate for "this Host names this machine": its names, and its addresses read again on each miss, so a
 * new DHCP lease is accepted without a restart (a foreign Host costs one getifaddrs).
 */
export function ownHostMatcher(identity: HostIdentity): (host: string) => boolean {
  const names = new Set(identity.names);
  return (host) => {
    const h = host.toLowerCase().replace(/^\[|\]$/g, '');
    if (names.has(h)) return true;
    return isIP(h) !== 0 && hostAddresses().includes(h);
  };
}
