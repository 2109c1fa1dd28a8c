import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { buildProgram, main } from '../server-helper/cli.js';
import { X509Certificate } from 'node:crypto';

const BIN = join(import.meta.dirname, '..', 'bin', 'fts-helper.mjs');
const run = (args: string[], input?: string) => {
  const r = spawnSync('node', [BIN, ...args], { encoding: 'utf8', input, timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

function allCommands(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => [[...prefix, c.name()], ...allCommands(c, [...prefix, c.name()])]);
}

describe('fts-helper CLI', () => {
  it('every command has --help and exits 0 with a usage line', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    try {
      const cmds = allCommands(buildProgram());
      expect(cmds.length).toBeGreaterThanOrEqual(7);
      for (const c of cmds) {
        out.length = 0;
        expect(await main([...c, '--help']), c.join(' ')).toBe(0);
        expect(out.join(''), c.join(' ')).toMatch(/^Usage: fts-helper /m);
      }
    } finally {
      spy.mockRestore();
    }
  });

  it('bad usage exits 2, a missing config file exits 2 with the fix', () => {
    expect(run(['no-such-command']).code).toBe(2);
    expect(run(['token', 'create']).code).toBe(2);
    const r = run(['status', '--config', '/nonexistent/helper.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      '/nonexistent/helper.yaml does not exist: create it with `fts-helper config seed`, or pass --config FILE',
    );
    const folder = run(['status', '--config', tmpdir()]);
    expect(folder.code).toBe(2);
    expect(folder.err).toContain(`cannot read ${tmpdir()}: it is a folder, not a file`);
    expect(folder.err).not.toMatch(/EISDIR|top level/);
  });

  it('config check names the key and line of a mistake and exits 2; a good file exits 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fts-cli-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'server:\n  name: motoko\napi:\n  listen: 127.0.0.1:8642\n  tsl: auto\n');
    const r = run(['config', 'check', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('line 5: api.tsl: unknown key "tsl"');
    // The seed, on a machine that is not a set-up server: the disks are not mounted yet, which check names.
    const seed = join(dir, 'seed.yaml');
    writeFileSync(seed, run(['config', 'seed']).out);
    const r2 = run(['config', 'check', seed]);
    expect(r2.code).toBe(2);
    expect(r2.out).toContain('problem: drives.flux.mountPoint: /flux is not mounted (expected label flux)');
  });

  it('token create prints the token once; list never shows it; revoke removes it', () => {
    const sb = join(mkdtempSync(join(tmpdir(), 'fts-cli-')), 'sb');
    const created = run(['token', 'create', 'count-zero', '--sandbox', sb]);
    expect(created.code).toBe(0);
    const token = created.out.trim();
    expect(token).toMatch(/^fts_[A-Za-z0-9_-]{43}$/);
    const list = run(['token', 'list', '--json', '--sandbox', sb]);
    expect(JSON.parse(list.out).map((t: { name: string }) => t.name)).toEqual(['admin', 'count-zero']);
    expect(list.out).not.toContain(token);
    expect(readFileSync(join(sb, 'helper.db')).includes(Buffer.from(token))).toBe(false);
    expect(run(['token', 'create', 'count-zero', '--sandbox', sb]).code).toBe(2);
    expect(run(['token', 'revoke', 'count-zero', '--sandbox', sb]).code).toBe(0);
    expect(run(['token', 'revoke', 'count-zero', '--sandbox', sb]).code).toBe(2);
  });

  it('status --json reads the sandbox', () => {
    const sb = join(mkdtempSync(join(tmpdir(), 'fts-cli-')), 'sb');
    const r = run(['status', '--json', '--sandbox', sb]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.server).toMatchObject({ name: 'motoko', startedAt: null });
    expect(s.shares.map((x: { name: string }) => x.name)).toEqual(['flux', 'time', 'space']);
    expect(existsSync(join(sb, 'admin-token'))).toBe(true);
  });

  it('serve refuses a non-loopback address without TLS (exit 1, says how to fix)', () => {
    const sb = join(mkdtempSync(join(tmpdir(), 'fts-cli-')), 'sb');
    const r = run(['serve', '--sandbox', sb, '--listen', '0.0.0.0:0']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/refusing to listen on 0\.0\.0\.0 without TLS.*--insecure-lan/);
  });

  it('serve with tls: auto makes a certificate, prints its fingerprint and answers over HTTPS', async () => {
    const sb = join(mkdtempSync(join(tmpdir(), 'fts-cli-')), 'sb');
    run(['status', '--sandbox', sb]);
    const cfg = join(sb, 'helper.yaml');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('tls: "off"', 'tls: auto').replace('tls: off', 'tls: auto'));
    const child = spawn('node', [BIN, 'serve', '--sandbox', sb, '--listen', '127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise<{ url: string; fingerprint: string }>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (c) => {
          buf += c;
          for (const l of buf.split('\n')) if (l.includes('fts-helper listening')) resolve(JSON.parse(l));
        });
        child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      expect(line.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const cert = readFileSync(join(sb, 'tls', 'helper.crt'), 'utf8');
      expect(line.fingerprint).toBe(new X509Certificate(cert).fingerprint256);
      // A client that pins the fingerprint: trust exactly this certificate.
      const { request } = await import('node:https');
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${line.url}/healthz`, { ca: cert, checkServerIdentity: () => undefined }, (res) =>
          resolve(res.statusCode ?? 0),
        );
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
