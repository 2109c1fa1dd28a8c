/**
 * Lines that restic or rclone print while they run go to the run's log and, parsed, into events. An engine that
 * echoes a secret (a misbehaving build, a debug flag, an error that quotes its input) must not put it there.
 * Real restic and rclone never print their secrets, so fakes on PATH stand in: each prints the secrets it was
 * given on stderr, as plain text and inside the JSON lines the helper parses into events.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupInstall, JobHarness } from './support/backup-env.js';
import { ORIGINAL_PATH } from './support/restic-hand.js';

let tmp: string;

/** Puts an executable shell script named `name` first on PATH. */
function fakeOnPath(name: string, script: string): void {
  const bin = join(tmp, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, name), `#!/bin/sh\n${script}`);
  chmodSync(join(bin, name), 0o755);
  process.env.PATH = `${bin}:${ORIGINAL_PATH}`;
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fts-redact-'));
});
afterAll(() => {
  process.env.PATH = ORIGINAL_PATH;
  rmSync(tmp, { recursive: true, force: true });
});

// restic: the password comes from RESTIC_PASSWORD_FILE (the helper never holds it in a variable), the B2 key from
// the environment. `backup` echoes both as text, as an unreadable file's JSON error (which becomes part of
// backup.finished) and ends with a summary and exit 3 (some files unreadable), as real restic does.
const FAKE_RESTIC = String.raw`
pw=$(cat "$RESTIC_PASSWORD_FILE")
key="$AWS_SECRET_ACCESS_KEY"
for a in "$@"; do
  case "$a" in
    backup)
      echo "using password $pw and key $key" >&2
      printf '{"message_type":"error","error":{"message":"open %s: permission denied"},"during":"archival","item":"/space/%s"}\n' "$key" "$pw" >&2
      printf '{"message_type":"status","percent_done":0.5,"files_done":1,"bytes_done":10}\n'
      printf '{"message_type":"summary","files_new":1,"files_changed":0,"files_unmodified":0,"data_added":10,"total_files_processed":1,"total_bytes_processed":10,"total_duration":0.1,"snapshot_id":"0123456789abcdef"}\n'
      exit 3;;
    forget)
      echo "forgetting with $pw" >&2
      echo '[]'
      exit 0;;
  esac
done
exit 0
`;

// rclone: the key reaches it as RCLONE_CONFIG_FTS_SECRET_ACCESS_KEY for an s3: repository.
const FAKE_RCLONE = String.raw`
key="$RCLONE_CONFIG_FTS_SECRET_ACCESS_KEY"
echo "2024/01/01 00:00:00 NOTICE: signing with $key" >&2
printf '{"level":"error","msg":"Failed to copy: key %s was refused","object":"d0/f.bin"}\n' "$key" >&2
printf '{"level":"info","msg":"Copied (new) %s","object":"%s.bin"}\n' "$key" "$key" >&2
printf '{"level":"notice","msg":"stats","stats":{"bytes":10,"totalBytes":10,"transfers":1,"totalTransfers":1,"checks":0,"deletes":0,"renames":0,"errors":0,"elapsedTime":0.1}}\n' >&2
exit 0
`;

describe('secrets in streamed engine output', () => {
  it('restic: the password (from its file) and the B2 key are redacted in the run log and in events', async () => {
    fakeOnPath('restic', FAKE_RESTIC);
    const { config, secrets } = backupInstall(join(tmp, 'restic'), { repository: join(tmp, 'restic', 'repo') });
    const h = new JobHarness(config);
    try {
      const run = await h.run('backup');
      expect(run.status, run.error ?? '').toBe('warning');
      const log = h.store.runs.log(run.id);
      const events = JSON.stringify(h.eventsOf(run.id));
      // The lines did arrive (so the check below is not vacuous), with the secrets cut out.
      expect(log).toContain('using password [redacted] and key [redacted]');
      expect(log).toContain('forgetting with [redacted]');
      expect(events).toContain('/space/[redacted]');
      for (const s of [secrets.password, secrets.applicationKey]) {
        expect(log).not.toContain(s);
        expect(events).not.toContain(s);
        expect(JSON.stringify(run)).not.toContain(s);
      }
    } finally {
      await h.close();
    }
  });

  it('rclone: the B2 key is redacted in the run log and in events', async () => {
    fakeOnPath('rclone', FAKE_RCLONE);
    const { config, secrets } = backupInstall(join(tmp, 'rclone'), {
      engine: 'rclone',
      repository: 's3:https://127.0.0.1:9/bucket/mirror',
    });
    const h = new JobHarness(config);
    try {
      const run = await h.run('backup');
      const log = h.store.runs.log(run.id);
      const events = JSON.stringify(h.eventsOf(run.id));
      expect(log).toContain('signing with [redacted]');
      expect(log).toContain('key [redacted] was refused');
      expect(log).toContain('[redacted].bin');
      expect(log).not.toContain(secrets.applicationKey);
      expect(events).not.toContain(secrets.applicationKey);
      expect(JSON.stringify(run)).not.toContain(secrets.applicationKey);
    } finally {
      await h.close();
    }
  });
});
