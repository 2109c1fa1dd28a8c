import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processAlive } from './process.js';

describe('processAlive', () => {
  it('is true for a running process and false once it has exited and been reaped', () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(process.ppid)).toBe(true);
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    expect(processAlive(Number(child.stdout))).toBe(false);
  });

  it('is true for a process of another user (kill answers EPERM), as an unprivileged caller sees it', () => {
    // PID 1 belongs to root; `nobody` may not signal it, and must still see it as alive. The child loads the module
    // as root and only then becomes nobody: nobody may not be able to read a checkout in a private (0700) folder.
    const probe = `const { processAlive } = await import(${JSON.stringify(new URL('./process.ts', import.meta.url).href)}); process.setgroups([]); process.setgid(65534); process.setuid(65534); process.stdout.write(String(processAlive(1)));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('true');
  });
});
