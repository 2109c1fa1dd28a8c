// Runs every path-taking call of fts-native against a root whose folders include a symlink to a folder outside
// it, a mount below it, and malformed paths, and prints what each call did as JSON: "ok", or the error code.
// server-helper/native/native.test.ts runs it in-process (openat2) and in a child with FTS_NATIVE_NO_OPENAT2=1
// (the per-component walk), and expects the same answers from both.
// Usage: node beneath-probe.mjs ROOT [MOUNTED_SUBDIR]
import { closeSync, constants, openSync } from 'node:fs';
import * as native from '../../server-helper/native/index.mjs';

/** Every call, by name, on the layout native.test.ts builds (see there). */
export async function probe(root, mountDir) {
  const fd = openSync(root, constants.O_RDONLY | constants.O_DIRECTORY);
  const out = { openat2: native.usesOpenat2() };
  const attempt = async (name, fn) => {
    try {
      const r = await fn();
      if (r && typeof r === 'object' && 'fd' in r) closeSync(r.fd);
      else if (typeof r === 'number' && name.startsWith('openAt')) closeSync(r);
      out[name] =
        r instanceof Int32Array
          ? [...r]
          : r && typeof r === 'object' && 'outcomes' in r
            ? [...r.outcomes].map((o, i) => (o === 0 ? 'ok' : (r.errors[i]?.code ?? String(o))))
            : 'ok';
    } catch (err) {
      out[name] = err.code ?? String(err);
    }
  };
  const W = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
  // Through a folder that is a symlink to the outside folder ("via").
  await attempt('readDirAt via', () => native.readDirAt(fd, 'via'));
  await attempt('readDirAt via/inner', () => native.readDirAt(fd, 'via/inner'));
  await attempt('lstatAt via/secret', () => native.lstatAt(fd, 'via/secret'));
  await attempt('lstatAt via (the link itself)', () => native.lstatAt(fd, 'via'));
  await attempt('openAt via/secret', () => native.openAt(fd, 'via/secret', constants.O_RDONLY, 0));
  await attempt('openAt via/new', () => native.openAt(fd, 'via/new', W, 0o600));
  await attempt('openAt link-to-secret', () => native.openAt(fd, 'link-to-secret', constants.O_RDONLY, 0));
  await attempt('mkdirAt via/made', () => native.mkdirAt(fd, 'via/made', 0o700));
  await attempt('mkdirAt via (exists as a symlink)', () => native.mkdirAt(fd, 'via', 0o700));
  await attempt('mkdirAt file (exists as a file)', () => native.mkdirAt(fd, 'file', 0o700));
  await attempt('unlinkAt via/secret', () => native.unlinkAt(fd, 'via/secret', Number.NaN));
  await attempt('renameAt file → via/file', () => native.renameAt(fd, 'file', fd, 'via/file', Number.NaN));
  await attempt('renameAt via/secret → stolen', () => native.renameAt(fd, 'via/secret', fd, 'stolen', Number.NaN));
  await attempt('linkAt via/secret → hard', () => native.linkAt(fd, 'via/secret', fd, 'hard', Number.NaN));
  await attempt('readlinkAt link-to-secret', () => native.readlinkAt(fd, 'link-to-secret'));
  await attempt('readlinkAt via/inner-link', () => native.readlinkAt(fd, 'via/inner-link'));
  await attempt('accessAt via', () =>
    native.accessAt(fd, 'via', constants.W_OK)
      ? 'ok'
      : Promise.reject(Object.assign(new Error('no'), { code: 'false' })),
  );
  await attempt('copyFileAt via/secret → stolen', () =>
    native.copyFileAt(fd, 'via/secret', fd, 'stolen', 6, 0, 0, false),
  );
  await attempt('copyFileAt file → via/tmp', () => {
    const st = native.lstatAt(fd, 'file');
    return native.copyFileAt(fd, 'file', fd, 'via/tmp', st[6], st[9], st[1], false);
  });
  await attempt('copySymlinkAt via/inner-link → l', () =>
    native.copySymlinkAt(fd, 'via/inner-link', fd, 'l', 1, 0, 0, false),
  );
  const stop = new Int32Array(new SharedArrayBuffer(4));
  await attempt('copyBatchAt [via/secret, file → via/t]', () => {
    const st = native.lstatAt(fd, 'file');
    return native.copyBatchAt(
      fd,
      fd,
      ['via/secret', 'stolen2', 'file', 'via/t'].join('\0'),
      new Float64Array([6, 0, 0, st[6], st[9], st[1]]),
      false,
      stop,
    );
  });
  await attempt('renameBatchAt', () =>
    native.renameBatchAt(
      fd,
      fd,
      ['via/secret', 'x', 'file', 'via/file'].join('\0'),
      new Float64Array([Number.NaN, Number.NaN]),
    ),
  );
  await attempt('removeUnchangedAt', () =>
    native.removeUnchangedAt(fd, 'via/secret', new Float64Array([6, 0, 0, Number.NaN])),
  );
  // Malformed relative paths.
  for (const bad of ['../outside/secret', 'sub/../../outside/secret', './file', '/etc/passwd', 'sub//file', ''])
    await attempt(`lstatAt ${JSON.stringify(bad)}`, () => native.lstatAt(fd, bad));
  // A mount below the root.
  if (mountDir) {
    await attempt('readDirAt mount', () => native.readDirAt(fd, mountDir));
    await attempt('lstatAt mount/f', () => native.lstatAt(fd, `${mountDir}/f`));
    await attempt('openAt mount/f', () => native.openAt(fd, `${mountDir}/f`, constants.O_RDONLY, 0));
    await attempt('mkdirAt mount/d', () => native.mkdirAt(fd, `${mountDir}/d`, 0o700));
  }
  closeSync(fd);
  return out;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const [root, mountDir] = process.argv.slice(2);
  process.stdout.write(`${JSON.stringify(await probe(root, mountDir || undefined))}\n`);
}
