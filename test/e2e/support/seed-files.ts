/** The files the e2e servers seed in the sandbox's flux (path → size in bytes); the tests check where they end up. */

/** Older than graduation.minAge: a graduation run moves these to space. */
export const OLD_FLUX_FILES: Readonly<Record<string, number>> = {
  'projects/2025/report.pdf': 256 * 1024,
  'projects/2025/notes.txt': 4 * 1024,
  'photos/summer.jpg': 768 * 1024,
};

/** Fresh: graduation leaves these in flux. */
export const NEW_FLUX_FILES: Readonly<Record<string, number>> = {
  'projects/2026/draft.md': 2 * 1024,
};

/** The Samba user the tray's client (count-zero) was paired with: a Unix account the e2e servers make when missing. */
export const TRAY_MEMBER = 'fts-e2e-member';
