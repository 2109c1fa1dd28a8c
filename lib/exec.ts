/**
 * The one way this project runs an OS command: argv arrays (never a shell string), a timeout,
 * cancellation, input on stdin, and typed errors whose messages never carry a secret.
 * Only server-helper/system and electron/platform import this file.
 */
import { execa, type Options, type ResultPromise } from 'execa';

/** How a command failed. */
export type ExecFailure = 'not-found' | 'timeout' | 'aborted' | 'exit' | 'signal' | 'spawn';

/** Options for one command. */
export interface ExecOptions {
  /** Kill the command after this many milliseconds (default 60 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Written to stdin, then stdin is closed. Secrets go here, never in argv. */
  input?: string | Buffer;
  /** The child's whole environment; by default a minimal one (PATH, HOME, LANG) so secrets are not inherited. */
  env?: Record<string, string | undefined>;
  /** Extra variables on top of the default environment. */
  extraEnv?: Record<string, string | undefined>;
  cwd?: string;
  /** Strings to cut out of any error message, of stdout or stderr that reaches an error, and of every streamed line. */
  secrets?: readonly string[];
  /** Accept these exit codes as success (default [0]). */
  okExitCodes?: readonly number[];
  /** Signal used to stop the command on timeout or abort (default SIGTERM; restic wants SIGINT). */
  killSignal?: NodeJS.Signals;
  /** Called with each stdout line while the command runs, secrets already redacted. */
  onStdoutLine?: (line: string) => void;
  /** Called with each stderr line while the command runs, secrets already redacted. */
  onStderrLine?: (line: string) => void;
  /**
   * false: stdout is only streamed to onStdoutLine, never kept (the result's stdout is ''), so a command that
   * prints a whole tree (restic ls) costs no memory and meets no output limit. Default true.
   */
  bufferStdout?: boolean;
  /**
   * Open file descriptors the child gets as its fds 3, 4, …: a folder held open here, named to the child as
   * /proc/self/fd/3, is the folder itself however its path changes meanwhile.
   */
  passFds?: readonly number[];
}

/** What a finished command produced. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** A command that did not succeed; the message names the program and the reason, never a secret. */
export class ExecError extends Error {
  override readonly name = 'ExecError';
  constructor(
    readonly failure: ExecFailure,
    readonly file: string,
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
    message: string,
  ) {
    super(message);
  }
}

const REDACTED = '[redacted]';

/** Replaces every occurrence of each secret in text. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join(REDACTED);
  return out;
}

/** The environment a child gets unless told otherwise: enough to run, nothing secret. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of [
    'PATH',
    'HOME',
    'LANG',
    'LC_ALL',
    'TMPDIR',
    'XDG_RUNTIME_DIR',
    'DBUS_SESSION_BUS_ADDRESS',
    'USER',
    'SystemRoot',
    'ComSpec',
    'PATHEXT',
    'WINDIR',
  ]) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return env;
}

function firstLine(text: string): string {
  const line =
    text
      .trim()
      .split('\n')
      .find((l) => l.trim() !== '') ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** Starts a command and returns the running child (for callers that must signal it), resolving to its result. */
export function spawnCommand(
  file: string,
  args: readonly string[],
  opts: ExecOptions = {},
): { child: ResultPromise; result: Promise<ExecResult> } {
  const started = Date.now();
  const secrets = opts.secrets ?? [];
  const env = { ...(opts.env ?? baseEnv()), ...(opts.extraEnv ?? {}) };
  const stdin = opts.input === undefined ? 'ignore' : 'pipe';
  const child = execa(file, [...args], {
    env,
    extendEnv: false,
    cwd: opts.cwd,
    input: opts.input,
    // execa's types list fds 3-9 only; the kernel takes any open descriptor.
    ...(opts.passFds?.length
      ? { stdio: [stdin, 'pipe', 'pipe', ...opts.passFds] as unknown as Options['stdio'] }
      : { stdin }),
    buffer: { stdout: opts.bufferStdout ?? true, stderr: true },
    timeout: opts.timeoutMs ?? 60_000,
    cancelSignal: opts.signal,
    killSignal: opts.killSignal ?? 'SIGTERM',
    forceKillAfterDelay: 5_000,
    reject: false,
    stripFinalNewline: false,
    maxBuffer: 64 * 1024 * 1024,
    windowsHide: true,
  });
  // Streamed lines reach run logs and events, so they are redacted like an ExecError's output.
  if (opts.onStdoutLine) lineReader(child.stdout, opts.onStdoutLine, secrets);
  if (opts.onStderrLine) lineReader(child.stderr, opts.onStderrLine, secrets);
  const result = child.then((r) => {
    const stdout = opts.bufferStdout === false ? '' : String(r.stdout ?? '');
    const stderr = String(r.stderr ?? '');
    const durationMs = Date.now() - started;
    const ok = opts.okExitCodes ?? [0];
    if (!r.failed || (r.exitCode !== undefined && ok.includes(r.exitCode) && !r.timedOut && !r.isCanceled)) {
      return { exitCode: r.exitCode ?? 0, stdout, stderr, durationMs };
    }
    const safeErr = redact(stderr, secrets);
    const safeOut = redact(stdout, secrets);
    const code = (r.cause as NodeJS.ErrnoException | undefined)?.code;
    let failure: ExecFailure;
    let message: string;
    if (code === 'ENOENT') {
      failure = 'not-found';
      message = `${file} is not installed or not on PATH`;
    } else if (r.timedOut) {
      failure = 'timeout';
      message = `${file} did not finish within ${opts.timeoutMs ?? 60_000} ms`;
    } else if (r.isCanceled) {
      failure = 'aborted';
      message = `${file} was cancelled`;
    } else if (r.exitCode === undefined && r.signal) {
      failure = 'signal';
      message = `${file} was killed by ${r.signal}`;
    } else if (r.exitCode === undefined) {
      failure = 'spawn';
      message = `${file} could not start: ${code ?? 'unknown error'}`;
    } else {
      failure = 'exit';
      const why = firstLine(safeErr) || firstLine(safeOut);
      message = `${file} exited with ${r.exitCode}${why ? `: ${why}` : ''}`;
    }
    throw new ExecError(
      failure,
      file,
      args.map((a) => redact(a, secrets)),
      r.exitCode ?? null,
      safeOut,
      safeErr,
      redact(message, secrets),
    );
  });
  return { child, result };
}

/** Runs a command to completion; throws ExecError unless it exits with an accepted code. */
export function exec(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return spawnCommand(file, args, opts).result;
}

function lineReader(
  stream: NodeJS.ReadableStream | null,
  deliver: (line: string) => void,
  secrets: readonly string[],
): void {
  if (!stream) return;
  // Whole lines are redacted, so a secret split across two chunks of output is still found.
  const onLine = secrets.length ? (line: string) => deliver(redact(line, secrets)) : deliver;
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i).replace(/\r$/, ''));
      buf = buf.slice(i + 1);
    }
  });
  stream.on('end', () => {
    if (buf) onLine(buf);
    buf = '';
  });
}
