/** Byte counts for people, shared by the tray menu and the renderer so both write sizes the same way. */

/** Formats a byte count in binary units, as the rest of FTS writes them (`1.5 GiB`). */
export function formatBinaryBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
