import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  classifyResticError,
  goDurationText,
  escapeResticPattern,
  parentOf,
  parseBackupLine,
  parseCheck,
  parseForget,
  parseLsLine,
  parseSnapshots,
} from './parse-restic.js';

const fx = (name: string) => readFileSync(join(__dirname, '../../../test/fixtures/restic', name), 'utf8');

describe('parseBackupLine', () => {
  it('reads status and summary lines of restic backup --json', () => {
    const lines = fx('backup-ok.jsonl').trim().split('\n').map(parseBackupLine);
    const status = lines.filter((l) => l?.type === 'status');
    expect(status.length).toBeGreaterThan(0);
    expect(status[1]).toMatchObject({ type: 'status', totalFiles: 3, totalBytes: 600000, bytesDone: 200000 });
    expect(lines.at(-1)).toEqual({
      type: 'summary',
      snapshotId: '18c46aaf',
      filesNew: 3,
      filesChanged: 0,
      filesUnmodified: 0,
      dataAdded: 602099,
      totalFilesProcessed: 3,
      totalBytesProcessed: 600000,
      durationMs: 243,
    });
  });

  it('lists unreadable files of an exit-3 run', () => {
    // restic 0.14 prints item errors as JSON on stderr, beside a plain-text warning.
    const errors = fx('backup-exit3.stderr').trim().split('\n').map(parseBackupLine);
    expect(errors).toEqual([{ type: 'error', item: '/tmp/rx/data/f2', message: 'open: permission denied' }, null]);
    const lines = fx('backup-exit3.jsonl').trim().split('\n').map(parseBackupLine);
    expect(lines.find((l) => l?.type === 'summary')).toMatchObject({
      snapshotId: 'd5ff0ec4',
      filesNew: 1,
      filesChanged: 2,
    });
  });

  it('ignores text and broken JSON', () => {
    expect(parseBackupLine('open repository')).toBeNull();
    expect(parseBackupLine('{"message_type":')).toBeNull();
    expect(parseBackupLine('{"message_type":"verbose_status"}')).toBeNull();
  });
});

describe('parseSnapshots / parseForget / parseCheck', () => {
  it('reads snapshots', () => {
    const s = parseSnapshots(fx('snapshots.json'));
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ shortId: 'd5ff0ec4', paths: ['/tmp/rx/data'], hostname: 'vm' });
    expect(parseSnapshots('')).toEqual([]);
  });

  it('sums kept and removed snapshots of forget --json (prune text follows)', () => {
    expect(parseForget(fx('forget.json'))).toEqual({ kept: 1, removed: 1 });
    expect(parseForget('')).toEqual({ kept: 0, removed: 0 });
  });

  it('tells a clean check from a damaged repository', () => {
    expect(parseCheck(fx('check-ok.txt'), 0)).toEqual({ ok: true, problems: [] });
    const bad = parseCheck(fx('check-corrupt.txt'), 1);
    expect(bad.ok).toBe(false);
    expect(bad.problems[0]).toMatch(/^Pack ID does not match/);
  });
});

describe('goDurationText', () => {
  it.each([
    ['3.812988673s', '4 s'],
    ['2m5.1s', '2 min'],
    ['1h2m3s', '1 h 2 min'],
    ['2h0m0s', '2 h'],
    ['500ms', '500ms'],
  ])('%s → %s', (d, text) => expect(goDurationText(d)).toBe(text));
});

describe('classifyResticError', () => {
  const repo = 's3:https://127.0.0.1:19443/fts/repo';
  it.each([
    ['err-wrong-password.txt', 'wrong-password', /password is wrong/],
    ['err-missing-bucket.txt', 'missing-bucket', /bucket .* does not exist/],
    ['err-unreachable.txt', 'unreachable', /unreachable/],
    ['err-bad-key.txt', 'access-denied', /B2 rejected the application key/],
    ['err-no-repo.txt', 'no-repository', /backup init/],
    ['err-x509.txt', 'tls', /certificate/],
    ['err-locked.txt', 'locked', /^the repository is locked by another restic \(PID 10434 on vm, locked 4 s ago\)$/],
  ])('%s → %s', (file, kind, reason) => {
    const f = classifyResticError(fx(file), repo);
    expect(f.kind).toBe(kind);
    expect(f.reason).toMatch(reason);
    expect(f.reason).not.toContain('\n');
  });

  it('reads who holds a lock', () => {
    expect(classifyResticError(fx('err-locked.txt'), repo).lock).toEqual({
      pid: 10434,
      host: 'vm',
      ageText: '3.812988673s',
    });
  });

  it('does not take a missing source folder for a missing repository', () => {
    const f = classifyResticError(
      '/space/x does not exist, skipping\nFatal: all target directories/files do not exist\n',
      repo,
    );
    expect(f.kind).toBe('unknown');
    expect(f.reason).toBe('restic failed: /space/x does not exist, skipping');
  });
});

describe('parseLsLine', () => {
  it('reads the snapshot line and the nodes of restic ls --json (0.14), names with glob characters and backslashes as they are', () => {
    const lines = fx('ls-folder.jsonl').trim().split('\n').map(parseLsLine);
    expect(lines[0]).toEqual({
      type: 'snapshot',
      snapshot: {
        id: 'f161f3c3a5e076bb517df10ae817347ea41f0007f58d5c6248a0c3dcabedf520',
        shortId: 'f161f3c3',
        time: '2026-12-04T19:23:04.320Z',
        paths: ['/tmp/rx/space'],
      },
    });
    const nodes = lines.slice(1).map((l) => (l?.type === 'node' ? l.node : null));
    // The folder itself comes first, then its direct entries by name.
    expect(nodes.map((n) => n?.path)).toEqual([
      '/tmp/rx/space',
      '/tmp/rx/space/Projects',
      '/tmp/rx/space/We[ir]d *?',
      '/tmp/rx/space/Wei',
      '/tmp/rx/space/Wex',
      '/tmp/rx/space/back\\slash',
      '/tmp/rx/space/other',
    ]);
    expect(nodes[1]).toEqual({
      name: 'Projects',
      path: '/tmp/rx/space/Projects',
      kind: 'folder',
      size: null,
      mtime: '2026-12-04T19:19:57.929Z',
    });
  });

  it('reads files with their size and symlinks from a recursive listing', () => {
    const nodes = fx('ls-recursive.jsonl')
      .trim()
      .split('\n')
      .map(parseLsLine)
      .flatMap((l) => (l?.type === 'node' ? [l.node] : []));
    expect(nodes.find((n) => n.name === 'a.txt')).toMatchObject({
      kind: 'file',
      size: 3,
      path: '/tmp/rx/space/Projects/x/a.txt',
    });
    expect(nodes.find((n) => n.name === 'link')).toMatchObject({ kind: 'symlink', size: null });
  });

  it('ignores text, blank and cut-off lines', () => {
    expect(parseLsLine('')).toBeNull();
    expect(parseLsLine('Ignoring "deadbeef": no matching ID found')).toBeNull();
    expect(parseLsLine('{"name":"a","type":"file","path":"/a","si')).toBeNull();
  });
});

describe('snapshot paths', () => {
  it('finds the parent folder of an absolute path', () => {
    expect(parentOf('/space/a/b')).toBe('/space/a');
    expect(parentOf('/space')).toBe('/');
  });

  it('escapes glob characters so restic matches the literal name', () => {
    expect(escapeResticPattern('/space/We[ir]d *?/back\\slash')).toBe('/space/We\\[ir]d \\*\\?/back\\\\slash');
    expect(escapeResticPattern('/space/plain name')).toBe('/space/plain name');
  });
});
