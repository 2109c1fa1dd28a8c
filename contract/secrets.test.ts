import { describe, expect, it } from 'vitest';
import {
  clientIdOfHost,
  clientSecretNames,
  decodePairing,
  encodePairing,
  isSecretName,
  sambaPasswordSecret,
} from './secrets.js';

describe('secret names and pairing strings', () => {
  it('turns host names into client ids that make valid secret names', () => {
    expect(clientIdOfHost("Alice's MacBook.local")).toBe('alice-s-macbook');
    expect(clientIdOfHost('COUNT-ZERO')).toBe('count-zero');
    expect(clientIdOfHost('---')).toBe('client');
    const names = clientSecretNames(clientIdOfHost('x'.repeat(200)), 'alice');
    for (const n of Object.values(names)) expect(isSecretName(n), n).toBe(true);
  });

  it('names each secret once', () => {
    expect(clientSecretNames('count-zero', 'alice')).toEqual({
      helperUrl: 'fts-helper-url',
      helperFingerprint: 'fts-helper-fingerprint',
      helperToken: 'fts-client-count-zero-token',
      sambaUser: 'fts-client-count-zero-smb-user',
      sambaPassword: 'fts-smb-alice-password',
    });
    expect(() => clientSecretNames('Bad Id')).toThrow(/client id/);
    expect(() => sambaPasswordSecret('a_b')).toThrow(/Samba user/);
  });

  it('round-trips a pairing string and says what is wrong with a bad one', () => {
    const p = {
      vault: 'kv-miket-ops',
      tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      appId: 'b1e5b1a0-0000-4000-8000-000000000001',
      clientId: 'count-zero',
    };
    const s = encodePairing(p);
    expect(s).toMatch(/^fts1:[A-Za-z0-9_-]+$/);
    expect(decodePairing(`  ${s}\n`)).toEqual(p);
    expect(() => decodePairing('hello')).toThrow(/starts with "fts1:"/);
    expect(() => decodePairing('fts1:%%%')).toThrow(/damaged/);
    expect(() => decodePairing(encodePairing(p).slice(0, 5) + btoa('{"vault":"x"}'))).toThrow(/not valid/);
  });
});
