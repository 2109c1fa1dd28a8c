import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './load.js';
import { SERVER_PATHS, seedConfig, seedConfigYaml } from './seed.js';

function problems(yaml: string) {
  try {
    parseConfig(yaml, 'test.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('the seed parses with the seed installation defaults', () => {
    const c = seedConfig();
    expect(c.server.name).toBe('motoko');
    expect(c.shares.map((s) => [s.name, s.path])).toEqual([
      ['flux', '/flux'],
      ['time', '/time'],
      ['space', '/space'],
    ]);
    expect(c.shares[1]!.timeMachine).toEqual({ maxSize: '2T', perUser: true });
    expect(c.keyVault?.name).toBe('kv-miket-ops');
    expect(c.graduation.minAge).toBe('30d');
    // The LAN with TLS, so clients can reach it; the household's group; Bonjour through avahi; backup waiting for its bucket.
    expect(c.api).toMatchObject({ listen: '0.0.0.0:8642', tls: 'auto' });
    expect(c.samba).toMatchObject({ group: 'fts-users', avahiServiceFile: '/etc/avahi/services/fts-helper.service' });
    expect(c.backup?.repository).toContain('YOUR-BUCKET');
    expect(c.rotation.schedule).toBeNull();
  });

  it('an unknown key is named with its line', () => {
    const yaml = seedConfigYaml(SERVER_PATHS).replace('  offlineAfter: 5m', '  offlineAfter: 5m\n  ofline: 3');
    const line = yaml.split('\n').findIndex((l) => l.includes('ofline: 3')) + 1;
    expect(problems(yaml)).toEqual([{ key: 'clients.ofline', line, message: 'unknown key "ofline"' }]);
  });

  it('a mistyped key gets the key it is closest to, at any depth; a key like none gets no guess', () => {
    const yaml = `graduaton:\n  minAge: 30d\nstore:\n  pathh: /tmp/x.db\nzzzz: 1\n`;
    expect(problems(yaml).sort((a, b) => a.line! - b.line!)).toEqual([
      { key: 'graduaton', line: 1, message: 'unknown key "graduaton": did you mean graduation?' },
      { key: 'store.pathh', line: 4, message: 'unknown key "pathh": did you mean path?' },
      { key: 'zzzz', line: 5, message: 'unknown key "zzzz"' },
    ]);
  });

  it('a bad value names the key, its line and the fix', () => {
    const yaml = 'server:\n  name: motoko\nshares:\n  - name: "bad[name"\n    path: /flux\n';
    const [p] = problems(yaml);
    expect(p!.key).toBe('shares.0.name');
    expect(p!.line).toBe(4);
    expect(p!.message).toMatch(/cannot contain/);
  });

  it('a bad duration and a relative path are both reported', () => {
    const yaml = 'graduation:\n  minAge: soon\nstore:\n  path: relative/db\n';
    const ps = problems(yaml);
    expect(ps.map((p) => [p.key, p.line])).toEqual(
      [
        ['store.path', 4],
        ['graduation.minAge', 2],
      ].sort((a, b) => (a[0]! < b[0]! ? 1 : -1)),
    );
  });

  it('YAML syntax errors and duplicate keys carry a line', () => {
    expect(problems('server:\n  name: a\n  name: b\n')[0]!.line).toBe(3);
    expect(problems('server: [\n')[0]!.line).not.toBeNull();
  });
});
