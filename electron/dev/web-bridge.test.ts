/** The IPC-over-HTTP bridge: same validation as ipcMain, Host and Origin checks, static files without traversal. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCore } from '../../test/client/doubles/fake-core.js';
import { startWebBridge, type WebBridge } from './web-bridge.js';

const dir = mkdtempSync(join(tmpdir(), 'fts-bridge-'));
writeFileSync(join(dir, 'tray.html'), '<!doctype html><title>tray</title>');
writeFileSync(join(tmpdir(), 'fts-bridge-secret.txt'), 'secret');
const core = new FakeCore();
let bridge: WebBridge;
beforeAll(async () => {
  bridge = await startWebBridge({ core, staticDir: dir });
});
afterAll(() => bridge.close());

/** A raw request, so tests can set Host and paths fetch() would normalise. */
function raw(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const u = new URL(bridge.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const call = (channel: string, arg: unknown, origin = bridge.url) =>
  raw(`/ipc/${channel}`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body: JSON.stringify({ arg }),
  });

describe('web bridge', () => {
  it('runs a valid call and returns the contract response', async () => {
    core.calls = [];
    const r = await call('fts:share:mount', { share: 'time' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ result: { ok: true } });
    expect(core.calls).toEqual(['mount:time']);
  });

  it('refuses bad input (400), foreign origins (403), unknown channels (404), a foreign Host (403)', async () => {
    core.calls = [];
    expect((await call('fts:share:mount', { share: '../x' })).status).toBe(400);
    expect((await call('fts:shares:mount-all', undefined, 'http://attacker.example')).status).toBe(403);
    expect((await call('fts:nope', undefined)).status).toBe(404);
    expect(
      (await raw('/ipc/fts:state:get', { method: 'POST', headers: { host: 'attacker.example', origin: bridge.url } }))
        .status,
    ).toBe(403);
    expect(
      (await raw('/ipc/fts:state:get', { method: 'POST', body: 'not json', headers: { origin: bridge.url } })).status,
    ).toBe(400);
    expect(core.calls).toEqual([]);
  });

  it('serves the renderer with the CSP and nothing outside it', async () => {
    const page = await raw('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>tray</title>');
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect((await raw('/../fts-bridge-secret.txt')).status).toBe(404);
    expect((await raw('/%2e%2e/fts-bridge-secret.txt')).status).toBe(404);
  });

  it('streams the state on connect and on every change', async () => {
    const res = await fetch(`${bridge.url}/ipc/events`);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('\n\n')) text += (await reader.read()).value;
    expect(text).toContain('"name":"motoko"');
    core.push({ ...core.state, busy: true });
    while (!text.includes('"busy":true')) text += (await reader.read()).value;
    await reader.cancel();
  });
});
