/**
 * The JSON-lines reading restic (`backup --json`) and rclone (`--use-json-log`) share: each line that holds one
 * JSON object is that object; text between them (warnings, verbose output), blank lines and a line cut off
 * when the process was killed are not. Pure.
 */

/** One line as a JSON object, or null when the line is not one. */
export function parseJsonLine(line: string): Record<string, unknown> | null {
  const text = line.trim();
  if (!text.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
