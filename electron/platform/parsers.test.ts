import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sameHost } from './mounter-darwin.js';
import {
  classifyGioError,
  classifyOsascriptError,
  classifyPowershellError,
  gvfsMountPoint,
  parseDarwinMount,
  parseGioMountList,
  parseSmbMappingJson,
} from './parsers.js';

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/client/${name}`, import.meta.url), 'utf8');

describe('mount state parsers', () => {
  it('reads smbfs lines of macOS mount, decoding names and skipping other filesystems', () => {
    expect(parseDarwinMount(fixture('darwin-mount.txt'))).toEqual([
      { host: 'motoko', share: 'flux', mountPoint: '/Volumes/flux' },
      { host: 'motoko._smb._tcp.local', share: 'space', mountPoint: '/Volumes/space' },
      { host: 'motoko', share: 'Time Machine', mountPoint: '/Volumes/Time Machine' },
    ]);
    expect(sameHost('motoko._smb._tcp.local', 'motoko')).toBe(true);
    expect(sameHost('motoko2', 'motoko')).toBe(false);
  });

  it('reads Get-SmbMapping JSON as an array, a lone object or nothing; drops disconnected mappings', () => {
    expect(parseSmbMappingJson(fixture('smbmapping-many.json'))).toEqual([
      { host: 'motoko', share: 'flux', mountPoint: 'F:' },
      { host: 'motoko', share: 'time', mountPoint: '\\\\motoko\\time' },
    ]);
    expect(parseSmbMappingJson(fixture('smbmapping-one.json'))).toEqual([
      { host: 'motoko', share: 'flux', mountPoint: 'F:' },
    ]);
    expect(parseSmbMappingJson('')).toEqual([]);
  });

  it('reads gio mount -l (captured from gvfs) and derives the gvfs path', () => {
    expect(parseGioMountList(fixture('gio-mount-l.txt'), '/run/user/0')).toEqual([
      {
        host: '127.0.0.1',
        share: 'flux',
        mountPoint: '/run/user/0/gvfs/smb-share:port=14455,server=127.0.0.1,share=flux',
      },
      {
        host: 'motoko',
        share: 'space archive',
        mountPoint: '/run/user/0/gvfs/smb-share:server=motoko,share=space archive',
      },
    ]);
    expect(gvfsMountPoint('/r', 'motoko', 445, 'Flux')).toBe('/r/gvfs/smb-share:server=motoko,share=flux');
  });
});

describe('error classification', () => {
  it('gio: a second password prompt is a refusal; ENOENT a missing share; refused connection unreachable', () => {
    const prompt =
      'Authentication Required\nEnter user and password for share “flux” on “127.0.0.1”:\nUser [guest]: Domain [WORKGROUP]: Password: \n';
    expect(classifyGioError(prompt + prompt, '')).toBe('credentials-rejected');
    expect(
      classifyGioError(
        prompt,
        'gio: smb://127.0.0.1:1445/nosuch/: Failed to mount Windows share: No such file or directory',
      ),
    ).toBe('share-missing');
    expect(
      classifyGioError('', 'gio: smb://127.0.0.1:1445/flux/: Failed to mount Windows share: Connection refused'),
    ).toBe('server-unreachable');
    expect(classifyGioError('', 'gio: something else')).toBe('unknown');
  });
  it('osascript and PowerShell messages map to the same codes', () => {
    expect(classifyOsascriptError('0:120: execution error: The user name or password is incorrect. (-5000)')).toBe(
      'credentials-rejected',
    );
    expect(classifyOsascriptError('execution error: There was a problem connecting to the server. (-6602)')).toBe(
      'server-unreachable',
    );
    expect(classifyOsascriptError('execution error: The share “x” does not exist on the server. (-43)')).toBe(
      'share-missing',
    );
    expect(classifyPowershellError('New-SmbMapping : The user name or password is incorrect.')).toBe(
      'credentials-rejected',
    );
    expect(classifyPowershellError('New-SmbMapping : The network name cannot be found.')).toBe('share-missing');
    expect(classifyPowershellError('New-SmbMapping : The network path was not found.')).toBe('server-unreachable');
  });
});

describe('gio network errors', () => {
  it('an aborted or reset connection is server-unreachable', () => {
    expect(
      classifyGioError(
        '',
        'gio: smb://10.255.255.1/flux/: Failed to mount Windows share: Software caused connection abort',
      ),
    ).toBe('server-unreachable');
  });
});
