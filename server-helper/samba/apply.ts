/**
 * `samba apply`: validate → render → check the candidates (testparm; the avahi file against avahi's DTD) → show
 * the diff → write atomically → `smbcontrol smbd reload-config` → verify → on any failure restore the previous
 * files byte-identical. Every OS effect goes through SambaSystem, so tests can inject a failure at any step.
 */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { HelperConfig } from '../config/schema.js';
import { readFileOrNull, removeFileDurably, writeFileAtomic } from '../system/atomic-file.js';
import { acquireLock, LockBusyError } from '../system/lockfile.js';
import { pingSmbd, reloadSmbd } from '../system/smbcontrol.js';
import { availableVfsModules, missingVfsModules } from '../system/smbd-build.js';
import { parseTestparmDump, testparm, type TestparmResult } from '../system/testparm.js';
import { AVAHI_SERVICE_DTD, validateAgainstDtd, type DtdCheck } from '../system/xmllint.js';
import { renderAvahiService, smbPortOf } from './bonjour.js';
import { lineDiff } from './diff.js';
import { changedShares, renderedSharePath, renderInclude, withInclude } from './render.js';
import { validateSamba, type Realpath } from './validate.js';

/** The OS effects of an apply (the real one, or a test's with faults injected). */
export interface SambaSystem {
  readFile(path: string): Buffer | null;
  /** Replaces a file atomically. */
  writeFile(path: string, data: Buffer): void;
  removeFile(path: string): void;
  realpath: Realpath;
  testparm(file: string): Promise<TestparmResult>;
  reload(smbConf: string): Promise<void>;
  /** Throws unless smbd answers after the reload. */
  ping(smbConf: string): Promise<void>;
  /** A fresh private folder for the candidate check, and how to remove it. */
  scratchDir(): { dir: string; remove(): void };
  /** Takes the apply lock (one apply at a time across processes); returns its release. */
  lock(path: string): () => void;
  /** The VFS module names smbd can load. */
  vfsModules(): Promise<Set<string>>;
  /** Checks an avahi service file against avahi's DTD. */
  checkAvahi(file: string): Promise<DtdCheck>;
}

/** The real system: files on disk, testparm, smbcontrol. */
export function realSambaSystem(): SambaSystem {
  return {
    readFile: readFileOrNull,
    writeFile: (path, data) => writeFileAtomic(path, data),
    removeFile: removeFileDurably,
    realpath: (p) => {
      try {
        return realpathSync(p);
      } catch {
        return null;
      }
    },
    testparm: (file) => testparm(file),
    reload: reloadSmbd,
    ping: pingSmbd,
    scratchDir: () => {
      const dir = mkdtempSync(join(tmpdir(), 'fts-samba-check-'));
      return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
    },
    lock: acquireLock,
    vfsModules: availableVfsModules,
    checkAvahi: (file) => validateAgainstDtd(file, AVAHI_SERVICE_DTD),
  };
}

/** The files an apply would write, with their current contents. */
export interface SambaPlan {
  includeFile: string;
  smbConf: string;
  include: { before: Buffer | null; after: string };
  conf: { before: Buffer | null; after: string };
  /** The avahi service file (Bonjour), when the config names one and its folder exists. */
  avahi: { file: string; before: Buffer | null; after: string } | null;
  /** Shares added, removed or changed. */
  shares: string[];
  diff: string;
  /** Things the admin should know that do not stop the apply (no avahi installed). */
  notes: string[];
}

/** What an apply did. */
export interface ApplyResult {
  changed: boolean;
  dryRun: boolean;
  /** Files written (empty when nothing changed or on a dry run). */
  written: string[];
  shares: string[];
  diff: string;
  /** testparm's warnings on the candidate (not fatal; shown to the admin). */
  warnings: string[];
}

/** An apply that failed; `rolledBack` says the previous files were restored byte-identical. */
export class SambaApplyError extends Error {
  override readonly name = 'SambaApplyError';
  constructor(
    readonly stage: 'check' | 'write' | 'reload' | 'verify',
    message: string,
    readonly rolledBack: boolean,
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

/** Validates and renders; says what would change. Throws SambaValidationError on bad config. */
export function planSamba(config: HelperConfig, sys: SambaSystem): SambaPlan {
  validateSamba(config, sys.realpath);
  const { smbConf, includeFile } = config.samba;
  const includeBefore = sys.readFile(includeFile);
  const confBefore = sys.readFile(smbConf);
  if (confBefore === null)
    throw new SambaApplyError('check', `${smbConf} does not exist: install Samba first (apt-get install samba)`, false);
  const includeAfter = renderInclude(config);
  const confAfter = withInclude(confBefore.toString('utf8'), includeFile);
  let diff =
    lineDiff(smbConf, confBefore.toString('utf8'), confAfter) +
    lineDiff(includeFile, includeBefore?.toString('utf8') ?? null, includeAfter);
  const notes: string[] = [];
  let avahi: SambaPlan['avahi'] = null;
  const avahiFile = config.samba.avahiServiceFile;
  if (avahiFile && sys.realpath(dirname(avahiFile)) === null) {
    notes.push(
      `${dirname(avahiFile)} does not exist, so Macs will not find the shares or Time Machine over Bonjour: apt-get install avahi-daemon, then apply again`,
    );
  } else if (avahiFile) {
    avahi = {
      file: avahiFile,
      before: sys.readFile(avahiFile),
      after: renderAvahiService(config, smbPortOf(confAfter)),
    };
    diff += lineDiff(avahiFile, avahi.before?.toString('utf8') ?? null, avahi.after);
  }
  return {
    includeFile,
    smbConf,
    include: { before: includeBefore, after: includeAfter },
    conf: { before: confBefore, after: confAfter },
    avahi,
    shares: changedShares(includeBefore?.toString('utf8') ?? '', includeAfter),
    diff,
    notes,
  };
}

/**
 * Runs testparm on the candidate files (copies in a scratch folder), then checks that smbd can load every VFS
 * module they name: testparm accepts a missing one, and smbd would then refuse every connection to the share.
 * The live files are not touched.
 */
export async function checkCandidate(plan: SambaPlan, sys: SambaSystem): Promise<TestparmResult> {
  const scratch = sys.scratchDir();
  let result: TestparmResult;
  try {
    const include = join(scratch.dir, 'fts-shares.conf');
    const conf = join(scratch.dir, 'smb.conf');
    sys.writeFile(include, Buffer.from(plan.include.after));
    sys.writeFile(conf, Buffer.from(withInclude(plan.conf.after, include, [plan.includeFile])));
    result = await sys.testparm(conf);
    if (plan.avahi) {
      const avahi = join(scratch.dir, 'fts-helper.service');
      sys.writeFile(avahi, Buffer.from(plan.avahi.after));
      const dtd = await sys.checkAvahi(avahi);
      if (dtd.skipped)
        result = {
          ...result,
          warnings: [...result.warnings, `the avahi service file was not checked: ${dtd.skipped}`],
        };
      if (!dtd.ok)
        result = {
          ...result,
          ok: false,
          problems: [...result.problems, ...dtd.problems.map((p) => `${plan.avahi!.file}: ${p}`)],
        };
    }
  } finally {
    scratch.remove();
  }
  result = { ...result, warnings: [...result.warnings, ...plan.notes] };
  if (!result.ok) return result;
  const missing = missingVfsModules(parseTestparmDump(result.dump), await sys.vfsModules());
  if (missing.length === 0) return result;
  const problems = missing.map(
    ({ module, share }) =>
      `[${share}] uses the VFS module "${module}", which this Samba cannot load (on Debian and Ubuntu: apt-get install samba-vfs-modules)`,
  );
  return { ...result, ok: false, problems };
}

const same = (a: Buffer | null, b: string) => a !== null && a.equals(Buffer.from(b));

/** Applies the config to Samba; see the file comment. Throws SambaValidationError or SambaApplyError. */
export async function applySamba(
  config: HelperConfig,
  sys: SambaSystem,
  opts: { dryRun?: boolean } = {},
): Promise<ApplyResult> {
  validateSamba(config, sys.realpath); // before the lock: bad input touches nothing, not even a lock file
  let release: () => void;
  try {
    release = sys.lock(`${config.samba.includeFile}.lock`);
  } catch (err) {
    if (err instanceof LockBusyError)
      throw new SambaApplyError(
        'check',
        `another Samba apply is running (process ${err.pid}); try again when it ends`,
        false,
      );
    throw err;
  }
  try {
    return await applyLocked(config, sys, opts);
  } finally {
    release();
  }
}

async function applyLocked(config: HelperConfig, sys: SambaSystem, opts: { dryRun?: boolean }): Promise<ApplyResult> {
  const plan = planSamba(config, sys);
  const includeSame = same(plan.include.before, plan.include.after);
  const confSame = same(plan.conf.before, plan.conf.after);
  const avahiSame = !plan.avahi || same(plan.avahi.before, plan.avahi.after);
  if (includeSame && confSame && avahiSame)
    return { changed: false, dryRun: !!opts.dryRun, written: [], shares: [], diff: '', warnings: plan.notes };
  const check = await checkCandidate(plan, sys);
  if (!check.ok)
    throw new SambaApplyError(
      'check',
      `the rendered configuration was refused: ${check.problems.join('; ')}`,
      false,
      check.problems,
    );
  if (opts.dryRun)
    return { changed: true, dryRun: true, written: [], shares: plan.shares, diff: plan.diff, warnings: check.warnings };

  const written: string[] = [];
  const rollback = async (stage: SambaApplyError['stage'], cause: unknown): Promise<never> => {
    const reason = cause instanceof Error ? cause.message : String(cause);
    try {
      // Restore in reverse order; a file that did not exist before is removed.
      const files: [string, Buffer | null][] = [
        [plan.smbConf, plan.conf.before],
        [plan.includeFile, plan.include.before],
      ];
      if (plan.avahi) files.unshift([plan.avahi.file, plan.avahi.before]);
      for (const [path, before] of files) {
        if (!written.includes(path)) continue;
        if (before === null) sys.removeFile(path);
        else sys.writeFile(path, before);
      }
    } catch (restoreErr) {
      throw new SambaApplyError(
        stage,
        `${stage} failed (${reason}) and restoring the previous files failed too: ${(restoreErr as Error).message}`,
        false,
      );
    }
    try {
      if (stage !== 'write' || written.length) await sys.reload(plan.smbConf);
    } catch {
      // smbd not running or refusing: the files are restored, which is what matters for its next start.
    }
    throw new SambaApplyError(stage, `${stage} failed: ${reason}; the previous files were restored`, true);
  };

  try {
    // The include first: the smb.conf line that points at it is useless without it.
    // A write that throws leaves the old file in place (temp file + rename), so only completed writes are undone.
    if (!includeSame) {
      sys.writeFile(plan.includeFile, Buffer.from(plan.include.after));
      written.push(plan.includeFile);
    }
    if (!confSame) {
      sys.writeFile(plan.smbConf, Buffer.from(plan.conf.after));
      written.push(plan.smbConf);
    }
    // Last: avahi-daemon reloads it the moment it changes; a failure from here on restores it with the others.
    if (plan.avahi && !avahiSame) {
      sys.writeFile(plan.avahi.file, Buffer.from(plan.avahi.after));
      written.push(plan.avahi.file);
    }
  } catch (err) {
    return rollback('write', err);
  }
  try {
    await sys.reload(plan.smbConf);
  } catch (err) {
    return rollback('reload', err);
  }
  try {
    await verifyLive(config, sys);
  } catch (err) {
    return rollback('verify', err);
  }
  return { changed: true, dryRun: false, written, shares: plan.shares, diff: plan.diff, warnings: check.warnings };
}

/** After the reload: smbd answers, and the live configuration has every share with its path. */
async function verifyLive(config: HelperConfig, sys: SambaSystem): Promise<void> {
  await sys.ping(config.samba.smbConf);
  const live = await sys.testparm(config.samba.smbConf);
  if (!live.ok) throw new Error(`testparm on ${config.samba.smbConf}: ${live.problems.join('; ')}`);
  const sections = parseTestparmDump(live.dump);
  for (const s of config.shares) {
    const sec = sections.get(s.name);
    if (!sec) throw new Error(`share [${s.name}] is missing from the live configuration`);
    const path = renderedSharePath(s);
    if (sec.get('path') !== path)
      throw new Error(`share [${s.name}] has path ${sec.get('path') ?? '(none)'} instead of ${path}`);
  }
}
