/** `smartctl -j -H`: a disk's SMART health, or `unknown` with the reason it could not be read. */
import { exec, ExecError } from '../../lib/exec.js';

/** SMART health as far as it can be read. */
export interface SmartHealth {
  health: 'passed' | 'failed' | 'unknown';
  reason: string | null;
}

/** Parses `smartctl -j -H` output (pure). smartctl sets a bitmask exit status, so the JSON is what counts. */
export function parseSmartctlJson(text: string): SmartHealth {
  let doc: { smart_status?: { passed?: boolean }; smartctl?: { messages?: { string?: string }[] } };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    return { health: 'unknown', reason: 'smartctl printed no JSON' };
  }
  const passed = doc.smart_status?.passed;
  if (passed === true) return { health: 'passed', reason: null };
  if (passed === false) return { health: 'failed', reason: 'SMART overall-health self-assessment failed' };
  const msg = doc.smartctl?.messages
    ?.map((m) => m.string)
    .filter(Boolean)
    .join('; ');
  return { health: 'unknown', reason: msg || 'smartctl reported no health status' };
}

/** Reads a device's SMART health; never throws for an unreadable disk. */
export async function smartHealth(device: string): Promise<SmartHealth> {
  try {
    const r = await exec('smartctl', ['-j', '-H', '--', device], {
      timeoutMs: 30_000,
      okExitCodes: Array.from({ length: 256 }, (_, i) => i),
    });
    return parseSmartctlJson(r.stdout);
  } catch (err) {
    if (err instanceof ExecError && err.failure === 'not-found')
      return { health: 'unknown', reason: 'smartctl is not installed (apt-get install smartmontools)' };
    if (err instanceof ExecError) return { health: 'unknown', reason: err.message };
    throw err;
  }
}
