/**
 * Where a Samba password comes from on the command line: typed at a terminal (hidden, twice), piped on stdin
 * (`--password-stdin`, read to its end, for scripts), or generated (`--generate`, or stdin that is not a terminal
 * and no flag). It never comes from argv, so it is never in `ps` or the shell's history.
 */
import { UsageError } from './common.js';

/** The person stopped the prompt (Ctrl-C or Ctrl-D): nothing changes. */
export class PromptCancelled extends UsageError {}

/** Reads all of stdin; the password is its first line. */
async function readStdinLine(input: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks one question at the terminal with the answer hidden (nothing echoed as it is typed). */
export function promptHidden(
  question: string,
  input: NodeJS.ReadStream,
  output: NodeJS.WritableStream,
): Promise<string> {
  return new Promise((resolve, reject) => {
    // Echo goes off before the question is shown: nothing typed after it appears is echoed.
    input.setRawMode(true);
    output.write(question);
    let value = '';
    const end = (err?: Error) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return end();
        if (ch === '\u0003' || (ch === '\u0004' && value === ''))
          return end(new PromptCancelled('cancelled at the password prompt; nothing changed'));
        if (ch === '\u007f' || ch === '\b') value = Array.from(value).slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    input.setEncoding('utf8');
    input.on('data', onData);
    input.resume();
  });
}

/** How the command was asked to get the password. */
export interface PasswordFlags {
  passwordStdin?: boolean;
  generate?: boolean;
}

/**
 * The password for `user`, or undefined to have one generated: at a terminal it is asked for twice, hidden, and
 * must match; `--password-stdin` from a pipe reads it; `--generate`, or no terminal and no flag, generates one.
 */
export async function passwordFor(
  user: string,
  flags: PasswordFlags,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<string | undefined> {
  if (flags.generate && flags.passwordStdin) throw new UsageError('choose --password-stdin or --generate, not both');
  if (flags.generate) return undefined;
  if (!input.isTTY) return flags.passwordStdin ? readStdinLine(input) : undefined;
  const first = await promptHidden(`New Samba password for ${user}: `, input, output);
  if (first === '') throw new UsageError('the password is empty; nothing changed (use --generate for a random one)');
  const again = await promptHidden(`The same password again: `, input, output);
  if (again !== first) throw new UsageError('the two passwords differ; nothing changed');
  return first;
}
