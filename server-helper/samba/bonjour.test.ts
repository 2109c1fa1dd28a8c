import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedConfig } from '../config/seed.js';
import { AVAHI_SERVICE_DTD, parseXmllintErrors, validateAgainstDtd } from '../system/xmllint.js';
import { adiskRecords, renderAvahiService, smbPortOf, xmlEscape } from './bonjour.js';
import { renderInclude } from './render.js';

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/samba/${name}`, import.meta.url), 'utf8');

/** xmllint and avahi's DTD are needed: say how to get them rather than skip. */
function requireXmllint(): void {
  for (const [file, pkg] of [
    ['/usr/bin/xmllint', 'libxml2-utils'],
    [AVAHI_SERVICE_DTD, 'avahi-daemon'],
  ] as const) {
    try {
      readFileSync(file);
    } catch {
      throw new Error(`missing ${file}: install with \`apt-get install -y ${pkg}\``);
    }
  }
}

async function dtdCheck(xml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'fts-avahi-'));
  try {
    writeFileSync(join(dir, 'x.service'), xml);
    return await validateAgainstDtd(join(dir, 'x.service'), AVAHI_SERVICE_DTD);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('avahi service file', () => {
  it('the seed: _smb._tcp on the SMB port, the model, and _adisk._tcp with dk0=adVN=time,adVF=0x82 and sys=waMa=0,adVF=0x100', () => {
    expect(renderAvahiService(seedConfig(), 445)).toBe(fixture('avahi-seed.service'));
    expect(adiskRecords(seedConfig())).toEqual(['dk0=adVN=time,adVF=0x82', 'sys=waMa=0,adVF=0x100']);
  });

  it('is valid against avahi-daemon DTD, for the seed and for hostile names', async () => {
    requireXmllint();
    expect(await dtdCheck(renderAvahiService(seedConfig(), 445))).toEqual({ ok: true, problems: [], skipped: null });
    const c = seedConfig();
    c.shares[1]!.name = `Tom & Jerry's <TM>`;
    c.samba.fruitModel = 'RackMac';
    const xml = renderAvahiService(c, 1445);
    expect(xml).toContain('<txt-record>dk0=adVN=Tom &amp; Jerry&apos;s &lt;TM&gt;,adVF=0x82</txt-record>');
    expect(xml).toContain('<port>1445</port>');
    expect((await dtdCheck(xml)).ok).toBe(true);
  });

  it('a file that breaks the DTD is refused with its lines named', async () => {
    requireXmllint();
    const r = await dtdCheck(
      '<?xml version="1.0"?>\n<!DOCTYPE service-group SYSTEM "avahi-service.dtd">\n<service-group>\n<service><type>_smb._tcp</type></service>\n</service-group>\n',
    );
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatch(/^line 3: element service-group: validity error/);
    expect(parseXmllintErrors(fixture('xmllint-invalid-stderr.txt'))).toEqual([
      'line 3: element service-group: validity error : Element service-group content does not follow the DTD, expecting (name , service+), got (service )',
      'line 4: element service: validity error : Element service content does not follow the DTD, expecting (type , subtype* , domain-name? , host-name? , port , txt-record*), got (type)',
    ]);
  });

  it('without a Time Machine share there is no _adisk._tcp; each Time Machine share is a dkN', () => {
    const c = seedConfig();
    c.shares[1]!.timeMachine = false;
    expect(renderAvahiService(c, 445)).not.toContain('_adisk');
    c.shares[0]!.timeMachine = { perUser: true };
    c.shares[1]!.timeMachine = { perUser: false };
    expect(adiskRecords(c)).toEqual(['dk0=adVN=flux,adVF=0x82', 'dk1=adVN=time,adVF=0x82', 'sys=waMa=0,adVF=0x100']);
  });

  it("the SMB port is smb.conf's first `smb ports` in [global], else 445", () => {
    expect(smbPortOf('[global]\n   smb ports = 1445 139\n')).toBe(1445);
    expect(smbPortOf('[global]\n   SMBPorts=4450\n')).toBe(4450);
    expect(smbPortOf('[global]\n   workgroup = W\n[x]\n   smb ports = 9\n')).toBe(445);
    expect(smbPortOf('')).toBe(445);
  });

  it("Samba's own registration is off when the file is managed, and on otherwise", () => {
    expect(renderInclude(seedConfig())).toMatch(/^\s*multicast dns register = no$/m);
    const c = seedConfig();
    c.samba.avahiServiceFile = null;
    expect(renderInclude(c)).not.toContain('multicast dns register');
  });

  it('escapes XML', () => {
    expect(xmlEscape(`a&b<c>"d'`)).toBe('a&amp;b&lt;c&gt;&quot;d&apos;');
  });
});
