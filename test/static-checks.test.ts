import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('static checks', () => {
  it('tsc typechecks the whole tree (contract, helper, electron shell, renderer, tests)', () => {
    const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 180_000); // tsc needs ~18 s of CPU; on the shared 2-core machine under load it took 75 s: bound as spawnSync is

  it('eslint passes on the whole tree', async () => {
    const eslint = new ESLint({ cwd: root });
    const results = await eslint.lintFiles(['.']);
    const errors = results.flatMap((r) =>
      r.messages.filter((m) => m.severity === 2).map((m) => `${r.filePath}:${m.line} ${m.ruleId} ${m.message}`),
    );
    expect(errors).toEqual([]);
  });

  it('prettier: every source file is formatted (120 columns; npm run format fixes it)', () => {
    const r = spawnSync('npx', ['prettier', '--check', '--log-level', 'warn', '.'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.stdout + r.stderr, 'run npm run format').toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  it('the layering rules catch a violation in each layer', async () => {
    const eslint = new ESLint({ cwd: root });
    const cases: [string, string][] = [
      ['contract/x.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
      ['renderer/x.ts', "import { join } from 'node:path';\nexport const x = join;\n"],
      ['electron/core/x.ts', "import { app } from 'electron';\nexport const x = app;\n"],
      ['server-helper/api/x.ts', "import { exec } from '../../lib/exec.js';\nexport const x = exec;\n"],
      ['server-helper/samba/x.ts', "import { execa } from 'execa';\nexport const x = execa;\n"],
      ['server-helper/system/x.ts', "import { openStore } from '../store/index.js';\nexport const x = openStore;\n"],
    ];
    for (const [file, code] of cases) {
      const [res] = await eslint.lintText(code, { filePath: join(root, file) });
      expect(
        res!.messages.map((m) => m.ruleId),
        file,
      ).toContain('no-restricted-imports');
    }
    const [ok] = await eslint.lintText("import { exec } from '../../lib/exec.js';\nexport const x = exec;\n", {
      filePath: join(root, 'server-helper/system/x.ts'),
    });
    expect(ok!.messages).toEqual([]);
  });

  it('the server layer rules fire on a bad import in each layer, .mjs files included, and allow the arrows down', async () => {
    const eslint = new ESLint({ cwd: root });
    /** The messages of the import bans for one import written in a file of the tree. */
    const bans = async (file: string, from: string) => {
      const [res] = await eslint.lintText(`import * as m from '${from}';\nexport const x = m;\n`, {
        filePath: join(root, file),
      });
      return res!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
    };
    const UPWARD = /no lower layer imports jobs\/, api\/ or cli\//;
    const NATIVE = /only lifecycle\/graduation and system\/ import server-helper\/native/;
    const ALERTS = /jobs publish events to the bus and alerts subscribe to it/;
    const cases: [file: string, from: string, rule: RegExp][] = [
      // No lower layer imports jobs or api.
      ['server-helper/lifecycle/graduation/x.ts', '../../jobs/runner.js', UPWARD],
      ['server-helper/lifecycle/graduation/x.mjs', '../../jobs/runner.js', UPWARD],
      ['server-helper/lifecycle/backup/x.ts', '../../api/context.js', UPWARD],
      ['server-helper/samba/x.ts', '../jobs/service.js', UPWARD],
      ['server-helper/drives/x.ts', '../api/server.js', UPWARD],
      ['server-helper/runs/x.ts', '../jobs/runner.js', UPWARD],
      ['server-helper/store/x.ts', '../api/context.js', UPWARD],
      ['server-helper/config/x.ts', '../jobs/definitions.js', UPWARD],
      ['server-helper/system/x.ts', '../jobs/runner.js', UPWARD],
      ['server-helper/native/x.mjs', '../api/server.js', UPWARD],
      ['server-helper/jobs/x.ts', '../api/context.js', UPWARD],
      // Each layer below the ones it serves.
      ['server-helper/api/x.ts', '../system/smbstatus.js', /api\/ may not import system\//],
      ['server-helper/api/x.ts', '../cli/common.js', /api\/ does not import cli\//],
      ['server-helper/runs/x.ts', '../lifecycle/graduation/task.js', /runs\/ may not import lifecycle/],
      ['server-helper/store/x.ts', '../runs/bus.js', /store\/ may not import .*runs\//],
      ['server-helper/config/x.ts', '../store/index.js', /config\/ may not import .*store\//],
      ['server-helper/system/x.ts', '../runs/task.js', /system\/ may not import .*runs\//],
      ['server-helper/native/x.mjs', '../system/syncfs.js', /native\/ may not import .*system\//],
      // Jobs never call a notifier: nothing below api/ imports alerts/, and alerts/ takes events from the bus, not from jobs.
      ['server-helper/jobs/x.ts', '../alerts/service.js', ALERTS],
      ['server-helper/lifecycle/backup/x.ts', '../../alerts/service.js', ALERTS],
      ['server-helper/drives/x.ts', '../alerts/channels/index.js', ALERTS],
      ['server-helper/runs/x.ts', '../alerts/service.js', ALERTS],
      ['server-helper/alerts/x.ts', '../jobs/runner.js', UPWARD],
      ['server-helper/alerts/x.ts', '../lifecycle/backup/tasks.js', /alerts\/ may not import lifecycle/],
      // The native addon only from lifecycle/graduation and system.
      ['server-helper/lifecycle/backup/x.ts', '../../native/index.mjs', NATIVE],
      ['server-helper/samba/x.ts', '../native/index.mjs', NATIVE],
      ['server-helper/api/x.ts', 'fts-native', NATIVE],
      ['server-helper/x.ts', './native/index.mjs', NATIVE],
      // Processes only through system/, .mjs included.
      ['server-helper/lifecycle/graduation/x.mjs', 'node:child_process', /run OS commands through lib\/exec\.ts/],
    ];
    for (const [file, from, rule] of cases) {
      const messages = await bans(file, from);
      expect(
        messages.some((m) => rule.test(m)),
        `${file} importing ${from}: ${JSON.stringify(messages)}`,
      ).toBe(true);
    }
    const allowed: [string, string][] = [
      ['server-helper/lifecycle/graduation/x.mjs', '../../native/index.mjs'],
      ['server-helper/system/x.ts', '../native/index.mjs'],
      ['server-helper/lifecycle/graduation/x.ts', '../../runs/task.js'],
      ['server-helper/runs/x.ts', '../store/index.js'],
      ['server-helper/jobs/x.ts', '../lifecycle/graduation/task.js'],
      ['server-helper/api/x.ts', '../jobs/runner.js'],
      ['server-helper/cli/x.ts', '../system/keyvault.js'],
      ['server-helper/alerts/x.ts', '../runs/bus.js'],
      ['server-helper/alerts/x.ts', '../system/secrets.js'],
      ['server-helper/api/x.ts', '../alerts/test-send.js'],
    ];
    for (const [file, from] of allowed) expect(await bans(file, from), `${file} importing ${from}`).toEqual([]);
  });
});
