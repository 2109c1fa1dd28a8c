/** Whether a process exists: the one check behind every lock that names its owner's pid (job locks, the mover lock, lock files). */

/** True when a process with this id exists; signal 0 checks without signalling, and EPERM means it exists as another user. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
