/** `smbcontrol`: tells the running smbd to re-read its configuration, and checks that it answers. */
import { exec } from '../../lib/exec.js';

/** `smbcontrol -s CONF smbd reload-config`; throws ExecError when smbd is not running or refuses. */
export async function reloadSmbd(smbConf: string): Promise<void> {
  await exec('smbcontrol', ['-s', smbConf, 'smbd', 'reload-config'], { timeoutMs: 15_000 });
}

/** `smbcontrol -s CONF smbd ping`: throws unless smbd answers. */
export async function pingSmbd(smbConf: string): Promise<void> {
  await exec('smbcontrol', ['-s', smbConf, 'smbd', 'ping'], { timeoutMs: 15_000 });
}
