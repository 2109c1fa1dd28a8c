/** A share's mount state as a labelled badge (text, not colour alone, carries the meaning). */
import type { MountState } from '../../../contract/client.js';

const WORDS: Record<MountState, string> = {
  mounted: 'Mounted',
  unmounted: 'Not mounted',
  mounting: 'Mounting…',
  error: 'Error',
};

/** The badge. */
export function ShareStateBadge({ state }: { state: MountState }) {
  return <span className={`badge badge-${state}`}>{WORDS[state]}</span>;
}
