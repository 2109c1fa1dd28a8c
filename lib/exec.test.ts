/** The exec wrapper's streaming and fd-passing options, against real commands. */
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCommand } from './exec.js';

const base = mkdtempSync(join(tmpdir(), 'fts-exec-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('spawnCommand', () => {
  it('streams 100 MB of stdout to onStdoutLine without keeping it when bufferStdout is false (buffered, it fails at the 64 MB limit)', async () => {
    const script = 'head -c 104857600 /dev/zero | tr "\\0" "x" | fold -w 1000';
    let lines = 0;
    let bytes = 0;
    const streamed = await spawnCommand('sh', ['-c', script], {
      timeoutMs: 120_000,
      bufferStdout: false,
      onStdoutLine: (l) => {
        lines++;
        bytes += l.length;
      },
    }).result;
    expect(lines).toBe(104_858);
    expect(bytes).toBe(104_857_600);
    expect(streamed.stdout).toBe('');
    // The same command with the default (buffered) output exceeds the wrapper's output cap.
    await expect(
      spawnCommand('sh', ['-c', script], { timeoutMs: 120_000, onStdoutLine: () => {} }).result,
    ).rejects.toThrow();
  });

  it('passes an open folder as the child’s fd 3: /proc/self/fd/3 is that folder even after it was renamed', async () => {
    const dir = join(base, 'held');
    mkdirSync(dir);
    const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      renameSync(dir, join(base, 'moved'));
      const r = await spawnCommand('readlink', ['/proc/self/fd/3'], { passFds: [fd] }).result;
      expect(r.stdout.trim()).toBe(realpathSync(join(base, 'moved')));
    } finally {
      closeSync(fd);
    }
  });
});
