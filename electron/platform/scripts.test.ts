/**
 * The macOS and Windows mount programs are constants: every value (server, share, user, password, drive letter)
 * travels on stdin and is decoded into strings there, never compiled. So the program text, and with it the whole
 * argv, is byte-identical for any input, and a value cannot end a string or run code, whatever it contains:
 * - PowerShell takes ' ‘ ’ ‚ ‛ as single quotes and " “ ” „ as double quotes, `$()` and backticks inside double
 *   quotes, and runs a `-Command -` script line by line (a newline ends a statement). None of that matters when the
 *   script only ever sees the values as the result of ConvertFrom-Json on a base64 line.
 * - AppleScript string literals end at " and take \ escapes, and « » open raw codes; the JXA program reads its
 *   values with NSFileHandle + JSON.parse, so it compiles no value either.
 */
import { describe, expect, it } from 'vitest';
import { DARWIN_MOUNT_PROGRAM, darwinMountArgs, darwinMountInput } from './mounter-darwin.js';
import {
  powershellCall,
  scriptFailure,
  WIN32_LIST_SCRIPT,
  WIN32_MOUNT_SCRIPT,
  WIN32_UNMOUNT_SCRIPT,
} from './mounter-win32.js';
import type { MountTarget } from './types.js';

/** Every quote kind PowerShell or AppleScript knows, subexpressions, backticks, newlines and non-ASCII. */
export const HOSTILE = [
  "it's",
  'a‘b’c‚d‛e',
  'q"r“s”t„u',
  '$(Remove-Item C:\\ -Recurse)',
  '`$env:USERPROFILE`',
  "x'; Start-Process calc; '",
  'line1\nline2\r\nline3',
  '" & do shell script "rm -rf ~" & "',
  '«class ldfl»',
  '\\\\evil\\share',
  'pässwörd-日本語-🗝',
  '\u0000nul',
];

const target: MountTarget = { share: 'flux', host: 'motoko', port: 445, workgroup: 'WORKGROUP', driveLetter: 'F:' };

describe('Windows: the PowerShell scripts never contain a value', () => {
  const base = powershellCall(WIN32_MOUNT_SCRIPT, {
    server: 'motoko',
    share: 'flux',
    port: 445,
    letter: 'F:',
    user: 'ana',
    password: 'pw',
  });

  it.each(HOSTILE)('argv is byte-identical with %j as password, user, share or server', (v) => {
    for (const request of [
      { server: 'motoko', share: 'flux', port: 445, letter: 'F:', user: 'ana', password: v },
      { server: 'motoko', share: 'flux', port: 445, letter: 'F:', user: v, password: 'pw' },
      { server: 'motoko', share: v, port: 445, letter: 'F:', user: 'ana', password: 'pw' },
      { server: v, share: 'flux', port: 1445, letter: null, user: 'ana', password: 'pw' },
    ]) {
      const call = powershellCall(WIN32_MOUNT_SCRIPT, request);
      expect(call.args).toEqual(base.args);
      // The value reaches the script as data: one base64 line that decodes back to exactly the request.
      expect(call.input).toMatch(/^[A-Za-z0-9+/]+=*\n$/);
      expect(JSON.parse(Buffer.from(call.input.trim(), 'base64').toString('utf8'))).toEqual(request);
      expect(call.args.join('\u0000')).not.toContain(v);
    }
  });

  it('the scripts are constants that read every value from stdin', () => {
    for (const text of [WIN32_MOUNT_SCRIPT, WIN32_UNMOUNT_SCRIPT]) {
      expect(text).toContain('[Console]::In.ReadLine()');
      expect(text).toContain('ConvertFrom-Json');
      // Values are only ever read as properties of the decoded request.
      expect(text).not.toMatch(/Invoke-Expression|iex |\[ScriptBlock\]::Create|Add-Type/i);
    }
    expect(WIN32_MOUNT_SCRIPT).toContain('New-SmbMapping @map');
    expect(WIN32_MOUNT_SCRIPT).toContain('Persistent = $false');
    // powershell.exe decodes -EncodedCommand as UTF-16LE.
    expect(Buffer.from(base.args.at(-1)!, 'base64').toString('utf16le')).toBe(WIN32_MOUNT_SCRIPT);
    expect(powershellCall(WIN32_LIST_SCRIPT, null).input).toBe('');
  });

  it("reads the script's own error line", () => {
    expect(scriptFailure('WARNING: x\nfts-error drive-letter-taken: S: is in use by a local disk (Data)\n')).toEqual({
      code: 'drive-letter-taken',
      message: 'S: is in use by a local disk (Data)',
    });
    expect(scriptFailure('New-SmbMapping : The network path was not found.')).toBeNull();
  });
});

describe('macOS: the osascript program never contains a value', () => {
  const base = darwinMountArgs();

  it.each(HOSTILE)(
    'argv is byte-identical with %j as password, user or share; the value arrives as JSON on stdin',
    (v) => {
      for (const [t, cred] of [
        [target, { username: 'ana', password: v }],
        [target, { username: v, password: 'pw' }],
        [
          { ...target, share: v },
          { username: 'ana', password: 'pw' },
        ],
      ] as const) {
        expect(darwinMountArgs()).toEqual(base);
        const input = darwinMountInput(t, cred);
        const decoded = JSON.parse(input) as { url: string; user: string; password: string };
        expect(decoded.user).toBe(cred.username);
        expect(decoded.password).toBe(cred.password);
        expect(decodeURIComponent(new URL(decoded.url).pathname.slice(1))).toBe(t.share);
      }
      expect(base.join('\u0000')).not.toContain(v);
    },
  );

  it('the program is JXA that reads stdin and passes the values only as strings to mount volume', () => {
    expect(base.slice(0, 2)).toEqual(['-l', 'JavaScript']);
    const program = DARWIN_MOUNT_PROGRAM.join('\n');
    expect(program).toContain('fileHandleWithStandardInput.readDataToEndOfFile');
    expect(program).toContain('JSON.parse(');
    expect(program).toContain(
      'app.mountVolume(String(request.url), { asUserName: String(request.user), withPassword: String(request.password) })',
    );
    expect(program).not.toMatch(/\beval\b|Function\(|doShellScript|do shell script|run script/);
  });
});
