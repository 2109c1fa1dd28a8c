/**
 * Samba's parameter synonyms. smbd looks a name up ignoring case and white space and stores a synonym in the
 * same place as its parameter, so `directory = /etc` in a share is `path = /etc`, and `writable = yes` is
 * `read only = no`. A deny-list must therefore judge the parameter a name stands for, never the name as written.
 *
 * The table is Samba 4.17's, as `testparm --show-all-parameters` lists it (captured in
 * test/fixtures/samba/testparm-show-all-parameters.txt). A test holds it equal to that capture and to the output
 * of the testparm installed, so a Samba that adds a synonym fails the tests until the table has it.
 */

/** What a synonym stands for; `inverse` when its boolean is the opposite of the parameter's. */
export interface SambaSynonym {
  of: string;
  inverse?: true;
}

/** Every synonym smbd accepts, by the name as Samba spells it. */
export const SAMBA_SYNONYMS: Readonly<Record<string, SambaSynonym>> = {
  // share ([local]) parameters
  browsable: { of: 'browseable' },
  casesignames: { of: 'case sensitive' },
  'create mode': { of: 'create mask' },
  'directory mode': { of: 'directory mask' },
  group: { of: 'force group' },
  public: { of: 'guest ok' },
  'only guest': { of: 'guest only' },
  'allow hosts': { of: 'hosts allow' },
  'deny hosts': { of: 'hosts deny' },
  directory: { of: 'path' },
  exec: { of: 'preexec' },
  'print ok': { of: 'printable' },
  printer: { of: 'printer name' },
  writeable: { of: 'read only', inverse: true },
  writable: { of: 'read only', inverse: true },
  'write ok': { of: 'read only', inverse: true },
  'smb encrypt': { of: 'server smb encrypt' },
  'vfs object': { of: 'vfs objects' },
  // [global] parameters
  preload: { of: 'auto services' },
  'bind dns directory': { of: 'binddns dir' },
  default: { of: 'default service' },
  'enable spoolss': { of: 'disable spoolss', inverse: true },
  'winbind gid': { of: 'idmap gid' },
  'winbind uid': { of: 'idmap uid' },
  'ldap password sync': { of: 'ldap passwd sync' },
  'lock dir': { of: 'lock directory' },
  debuglevel: { of: 'log level' },
  'socket address': { of: 'nbt client socket address' },
  'prefered master': { of: 'preferred master' },
  printcap: { of: 'printcap name' },
  'private directory': { of: 'private dir' },
  root: { of: 'root directory' },
  'root dir': { of: 'root directory' },
  'max protocol': { of: 'server max protocol' },
  protocol: { of: 'server max protocol' },
  'min protocol': { of: 'server min protocol' },
  'unix extensions': { of: 'smb1 unix extensions' },
  'debug timestamp': { of: 'timestamp logs' },
};

/** A parameter name as smbd compares names: lower case, without white space (underscores dropped too, to be strict). */
export function canonicalParameter(name: string): string {
  return name.toLowerCase().replace(/[\s_]+/g, '');
}

const BY_KEY = new Map(
  Object.entries(SAMBA_SYNONYMS).map(([alias, s]) => [canonicalParameter(alias), { alias, ...s }]),
);

/** The parameter a name stands for in smbd (its canonical key), and the synonym when the name is one. */
export function resolveParameter(name: string): { key: string; synonym: (SambaSynonym & { alias: string }) | null } {
  const key = canonicalParameter(name);
  const synonym = BY_KEY.get(key) ?? null;
  return { key: synonym ? canonicalParameter(synonym.of) : key, synonym };
}
