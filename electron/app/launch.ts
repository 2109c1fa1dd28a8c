/**
 * What a launch does: mount the login shares, and whether to open the window. Plain data so the shell's
 * behaviour on each OS is tested without Electron.
 *
 * macOS: "mount at start". Every launch mounts the shares whose autoMount is on, because a login start cannot be
 * told apart on current macOS: "Start at login" registers the app with SMAppService (macOS 13+), which launches it
 * without arguments and without the login Apple event, so `app.getLoginItemSettings().wasOpenedAtLogin` stays
 * false there, and `openAsHidden` no longer works (Electron's docs; Apple feedback FB10207829). The window opens at
 * start only while the app is not paired: it is a menu-bar app (LSUIElement), opened from its icon.
 * Windows (and Linux): the login item starts the app with `--autostart`; that start mounts the login shares without
 * a window. A start by hand opens the window and mounts nothing by itself.
 */

/** The argument the Windows login item starts the app with. */
export const AUTOSTART_ARG = '--autostart';

/** True when this launch came from the login item (Windows, Linux). */
export function isAutostart(argv: readonly string[]): boolean {
  return argv.includes(AUTOSTART_ARG);
}

/** What to do at launch. */
export interface LaunchPlan {
  /** Mount the shares whose autoMount is on. */
  mountLoginShares: boolean;
  /** Open the tray window. */
  openWindow: boolean;
}

/** Decides a launch from the OS, the arguments, what the OS says about a login start, and whether the app is paired. */
export function launchPlan(input: {
  platform: string;
  argv: readonly string[];
  openedAtLogin: boolean;
  paired: boolean;
}): LaunchPlan {
  // Not paired: the window asks for the pairing string; there is nothing to mount yet.
  if (!input.paired) return { mountLoginShares: false, openWindow: true };
  if (input.platform === 'darwin') return { mountLoginShares: true, openWindow: false };
  const login = isAutostart(input.argv) || input.openedAtLogin;
  return { mountLoginShares: login, openWindow: !login };
}

/** Login-item settings for app.setLoginItemSettings: Windows passes --autostart; macOS registers the app itself. */
export function loginItemSettings(enabled: boolean, platform: string, exePath: string) {
  return platform === 'win32'
    ? { openAtLogin: enabled, path: exePath, args: [AUTOSTART_ARG] }
    : { openAtLogin: enabled };
}
