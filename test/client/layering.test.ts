/**
 * The client's layers as lint enforces them: electron/main (only what needs Electron) → electron/app (the tray
 * app's logic in plain Node) → electron/core → electron/platform; electron/dev holds the development doubles.
 * Each rule must fire on a violation, and the allowed direction must pass.
 */
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

async function ruleIds(file: string, code: string): Promise<(string | null)[]> {
  const eslint = new ESLint({ cwd: root });
  const [res] = await eslint.lintText(code, { filePath: join(root, file) });
  return res!.messages.map((m) => m.ruleId);
}

describe('client layering (eslint)', () => {
  it.each([
    ['electron/app/x.ts', "import { app } from 'electron';\nexport const x = app;\n"],
    [
      'electron/app/x.ts',
      "import { FakeCore } from '../../test/client/doubles/fake-core.js';\nexport const x = FakeCore;\n",
    ],
    [
      'electron/app/x.ts',
      "import { TestMounterCore } from '../dev/test-mounter-core.js';\nexport const x = TestMounterCore;\n",
    ],
    ['electron/app/x.ts', "import { exec } from '../../lib/exec.js';\nexport const x = exec;\n"],
    [
      'electron/core/x.ts',
      "import { ClientCoreFacade } from '../app/client-core-facade.js';\nexport const x = ClientCoreFacade;\n",
    ],
    ['electron/platform/x.ts', "import { ClientCore } from '../core/client.js';\nexport const x = ClientCore;\n"],
    ['electron/main/x.ts', "import { createMounter } from '../platform/index.js';\nexport const x = createMounter;\n"],
    [
      'electron/main/x.ts',
      "import { startWebBridge } from '../dev/web-bridge.js';\nexport const x = startWebBridge;\n",
    ],
    ['electron/dev/x.ts', "import { app } from 'electron';\nexport const x = app;\n"],
    [
      'renderer/src/x.ts',
      "import { buildMenuModel } from '../../electron/app/menu-model.js';\nexport const x = buildMenuModel;\n",
    ],
  ])('%s: %s is refused', async (file, code) => {
    expect(await ruleIds(file, code)).toContain('no-restricted-imports');
  });

  it.each([
    [
      'electron/main/x.ts',
      "import { app } from 'electron';\nimport { buildMenuModel } from '../app/menu-model.js';\nexport const x = [app, buildMenuModel];\n",
    ],
    ['electron/app/x.ts', "import { ClientCore } from '../core/client.js';\nexport const x = ClientCore;\n"],
    [
      'electron/dev/x.ts',
      "import { ClientCoreFacade } from '../app/client-core-facade.js';\nexport const x = ClientCoreFacade;\n",
    ],
  ])('%s: the allowed direction passes', async (file, code) => {
    expect(await ruleIds(file, code)).toEqual([]);
  });
});
