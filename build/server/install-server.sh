#!/bin/sh
# Installs fts-helper on a Debian/Ubuntu server: the Debian packages, the household's group, the share folders,
# the seed config (LAN + TLS), the app and the systemd unit.
# Run from a checkout as root:   sudo sh build/server/install-server.sh [options]
#   --prefix DIR         where the app goes (default /opt/fts)
#   --user NAME          the admins' group that may read the store and config (default fts; a system user of the
#                        same name is created to own it). The daemon itself runs as a fenced root (see the unit).
#   --share-group NAME   the household's group: every Samba user is in it, the shares belong to it (default fts-users)
#   --config FILE        configuration file (default /etc/fts/helper.yaml; an existing one is kept)
#   --listen HOST:PORT   where the seed config's API listens (default 0.0.0.0:8642, with TLS)
#   --server-name NAME   what clients call this server in the seed config (default: this host's short name)
#   --no-packages        check the Debian packages but install none (say what is missing)
#   --root DIR           a self-contained install inside DIR (tests): the config's paths point inside DIR; no apt-get,
#                        no systemctl, no service user; run as root, the share group is still created and the folders
#                        get their owner, so a private smbd can serve them
#   --no-start           enable the unit but do not start it
#   --skip-app           leave the app in --prefix as it is (folders, config and unit only)
# Idempotent: a rerun changes nothing that is already right; it updates the app and the unit, and keeps the
# config, the secrets, the store and everything inside the shares.
set -eu

PREFIX=/opt/fts
SVC_USER=fts
SHARE_GROUP=fts-users
CONFIG=/etc/fts/helper.yaml
LISTEN=0.0.0.0:8642
SERVER_NAME=
ROOT=
START=yes
APP=yes
PACKAGES=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX=$2; shift 2 ;;
    --user) SVC_USER=$2; shift 2 ;;
    --share-group) SHARE_GROUP=$2; shift 2 ;;
    --config) CONFIG=$2; shift 2 ;;
    --listen) LISTEN=$2; shift 2 ;;
    --server-name) SERVER_NAME=$2; shift 2 ;;
    --root) ROOT=$2; shift 2 ;;
    --no-packages) PACKAGES=no; shift ;;
    --no-start) START=no; shift ;;
    --skip-app) APP=no; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "install-server: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

SRC=$(cd "$(dirname "$0")/../.." && pwd)
say() { echo "install-server: $*"; }
die() { echo "install-server: $2" >&2; exit "$1"; }

case "$SVC_USER" in *[!a-z0-9_-]*|'') die 2 "--user must be a Unix user name (a-z, 0-9, _ -)" ;; esac
case "$SHARE_GROUP" in *[!a-z0-9_-]*|'') die 2 "--share-group must be a Unix group name (a-z, 0-9, _ -)" ;; esac
case "$LISTEN" in *[!A-Za-z0-9.:\[\]-]*|'') die 2 "--listen must be HOST:PORT" ;; esac
case "$ROOT" in ''|/*) ;; *) die 2 "--root must be an absolute path" ;; esac
case "$SERVER_NAME" in *[!A-Za-z0-9.-]*) die 2 "--server-name must be a host name (letters, digits, dashes and dots)" ;; esac
IS_ROOT=no; [ "$(id -u)" -eq 0 ] && IS_ROOT=yes
[ -z "$ROOT" ] && [ "$IS_ROOT" = no ] && die 1 "run as root (sudo)"
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$NODE_MAJOR" -ge 20 ] || die 1 "Node.js 20 or newer is needed (apt-get install nodejs)"
HELPER="node $SRC/bin/fts-helper.mjs"

# 1. Debian packages: Samba with the VFS modules the shares load (fruit, streams_xattr), avahi for Bonjour (Time
#    Machine finds SMB destinations through _adisk._tcp), restic and rclone for backups, smartmontools for drive
#    health, xmllint to check the avahi file before it is written.
PKGS="samba samba-vfs-modules avahi-daemon restic rclone smartmontools libxml2-utils"
missing=
if command -v dpkg-query >/dev/null 2>&1; then
  for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
else
  say "warning: not a Debian system; make sure these are installed: $PKGS"
fi
if [ -n "$missing" ]; then
  if [ -z "$ROOT" ] && [ "$PACKAGES" = yes ]; then
    say "installing Debian packages:$missing"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing \
      || { DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing; } \
      || die 1 "apt-get could not install:$missing"
  else
    say "warning: missing Debian packages:$missing (install them with: apt-get install -y$missing)"
  fi
fi

# 2. The admins' service user (a system account without a shell or a home) and the household's group.
if [ -z "$ROOT" ] && ! id "$SVC_USER" >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/fts --no-create-home --shell /usr/sbin/nologin "$SVC_USER"
  say "created system user $SVC_USER"
fi
if [ "$IS_ROOT" = yes ] && ! getent group "$SHARE_GROUP" >/dev/null 2>&1; then
  groupadd --system "$SHARE_GROUP"
  say "created group $SHARE_GROUP (fts-helper samba users add puts every household member in it)"
fi

# Sets owner and mode of one path, only where they differ (so a rerun changes nothing); owners only as root
# and only when the user and group exist.
place() { # place OWNER:GROUP MODE PATH
  if [ "$IS_ROOT" = yes ] && id "${1%%:*}" >/dev/null 2>&1 && getent group "${1#*:}" >/dev/null 2>&1; then
    [ "$(stat -c %U:%G "$3")" = "$1" ] || chown "$1" "$3"
  fi
  [ "$(stat -c %a "$3")" = "$(printf %o "0$2")" ] || chmod "$2" "$3"
}

# 3. The share folders (their owner and mode come in step 7, from the config, as `samba apply` sets them).
for d in /flux /space /time; do
  if [ ! -d "$ROOT$d" ]; then mkdir -p "$ROOT$d"; say "created $d"; fi
done
CONF_DIR=$(dirname "$CONFIG")
for d in /var/lib/fts "$CONF_DIR" /etc/samba /etc/avahi/services /etc/fts; do mkdir -p "$ROOT$d"; done
place "$SVC_USER:$SVC_USER" 750 "$ROOT/var/lib/fts"
place "root:$SVC_USER" 750 "$ROOT$CONF_DIR"
place "root:$SVC_USER" 750 "$ROOT/etc/fts"
[ -e "$ROOT/etc/samba/fts-shares.conf" ] || : > "$ROOT/etc/samba/fts-shares.conf"

# 4. The repository password: made once, readable by root only. Without it the backup cannot be restored.
if [ ! -e "$ROOT/etc/fts/restic-password" ]; then
  (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$ROOT/etc/fts/restic-password")
  say "made the backup repository password /etc/fts/restic-password: keep a copy somewhere safe"
fi

# 5. The app: only what fts-helper runs (its entry, the TypeScript sources without their tests, the built dashboard,
#    package.json and the production packages: `npm prune --omit=dev`), staged beside the prefix and swapped in
#    when it differs from what is there; a rerun with the same checkout changes nothing. Then /usr/local/bin/fts-helper.
if [ "$APP" = yes ]; then
  command -v npm >/dev/null 2>&1 || die 1 "npm is needed to install the app (apt-get install npm)"
  [ -d "$SRC/node_modules" ] || die 1 "run npm ci in $SRC first"
  if [ ! -f "$SRC/dist/renderer/index.html" ]; then
    say "building the dashboard"
    (cd "$SRC" && npx vite build --config renderer/vite.config.ts)
  fi
  APP_DIR="$ROOT$PREFIX"
  STAGE="$APP_DIR.new"
  rm -rf "$STAGE"
  mkdir -p "$STAGE" "$(dirname "$APP_DIR")"
  (cd "$SRC" && tar -cf - --exclude='*.test.ts' --exclude='*.test.tsx' --exclude='*.c' --exclude='*.h' \
    --exclude='server-helper/native/build/Release/obj.target' --exclude='server-helper/native/build/Release/.deps' \
    bin/fts-helper.mjs package.json package-lock.json tsconfig.json contract lib server-helper dist/renderer node_modules) \
    | tar -xf - -C "$STAGE"
  (cd "$STAGE" && npm prune --omit=dev --offline --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null) \
    || die 1 "npm prune --omit=dev failed in $STAGE"
  if [ -d "$APP_DIR" ] && diff -r --no-dereference -q "$STAGE" "$APP_DIR" >/dev/null 2>&1; then
    rm -rf "$STAGE"
  else
    rm -rf "$APP_DIR.old"
    if [ -d "$APP_DIR" ]; then mv "$APP_DIR" "$APP_DIR.old"; fi
    mv "$STAGE" "$APP_DIR"
    rm -rf "$APP_DIR.old"
    say "installed the app in $PREFIX ($(du -sh "$APP_DIR" | cut -f1))"
  fi
  # fts-helper on PATH: a wrapper that runs the installed app with this node (inside DIR under --root).
  NODE_BIN=$(command -v node)
  WRAPPER_NEW=$(mktemp)
  printf '#!/bin/sh\n# Installed by install-server.sh: runs fts-helper from %s.\nexec %s %s/bin/fts-helper.mjs "$@"\n' \
    "$PREFIX" "$NODE_BIN" "$APP_DIR" > "$WRAPPER_NEW"
  mkdir -p "$ROOT/usr/local/bin"
  if ! cmp -s "$WRAPPER_NEW" "$ROOT/usr/local/bin/fts-helper"; then
    cp "$WRAPPER_NEW" "$ROOT/usr/local/bin/.fts-helper.new"; chmod 755 "$ROOT/usr/local/bin/.fts-helper.new"
    mv "$ROOT/usr/local/bin/.fts-helper.new" "$ROOT/usr/local/bin/fts-helper"
    say "installed /usr/local/bin/fts-helper"
  fi
  rm -f "$WRAPPER_NEW"
fi

# 6. The config: the seed (this host's short name unless --server-name; flux, time, space; the API on the LAN with
#    TLS; a backup to B2 waiting for its bucket and keys), unless one exists.
if [ ! -f "$ROOT$CONFIG" ]; then
  set -- --listen "$LISTEN" --share-group "$SHARE_GROUP"
  if [ -n "$ROOT" ]; then set -- "$@" --root "$ROOT"; fi
  if [ -n "$SERVER_NAME" ]; then set -- "$@" --server-name "$SERVER_NAME"; fi
  $HELPER config seed "$@" > "$ROOT$CONFIG.tmp"
  chmod 640 "$ROOT$CONFIG.tmp"
  mv "$ROOT$CONFIG.tmp" "$ROOT$CONFIG"
  say "wrote the seed configuration to $CONFIG"
fi
place "root:$SVC_USER" 640 "$ROOT$CONFIG"

# 7. The share folders' owner and mode, from the config: root:GROUP, setgid, 2770 (2750 for per-user Time
#    Machine), exactly as `samba apply` puts them right after a disk is mounted over one. Only the top folders are
#    touched, never what is inside; the command prints what it changed.
if [ "$IS_ROOT" = yes ]; then
  if ! ROOTS=$($HELPER samba roots --fix --config "$ROOT$CONFIG" 2>&1); then
    say "warning: the share folders' owner and mode were not set: $ROOTS"
  elif [ -n "$ROOTS" ]; then
    printf '%s\n' "$ROOTS" | sed 's/^/install-server: /'
  fi
fi

# 8. The API's certificate (api.tls: auto): made once (again only when it lacks one of the server's names, which
#    fts-helper tls says on stderr); clients pin its fingerprint (pairing hands it to them).
if FP=$($HELPER tls --config "$ROOT$CONFIG"); then
  say "API certificate fingerprint (SHA-256): $FP"
else
  say "warning: no API certificate (api.tls is off, or openssl failed: fts-helper tls --config $CONFIG)"
fi
# The check's own exit status (a pipe would report sed's): 2 names the problems (a disk not mounted yet is one).
CHECK_RC=0
CHECK_OUT=$($HELPER config check --config "$ROOT$CONFIG" 2>&1) || CHECK_RC=$?
printf '%s\n' "$CHECK_OUT" | sed 's/^/install-server:   /'
if [ "$CHECK_RC" -ne 0 ]; then
  say "warning: $CONFIG does not validate yet (the problems above): fix them, then fts-helper config check"
fi

# 9. The unit, with the paths this config uses; rewritten only when it differs.
RW="/flux /time /space /var/lib/fts /etc/samba"
UNIT_DIR="$ROOT/etc/systemd/system"
mkdir -p "$UNIT_DIR"
UNIT_NEW=$(mktemp)
sed -e "s#@PREFIX@#$PREFIX#g" -e "s#@USER@#$SVC_USER#g" -e "s#@CONFIG@#$CONFIG#g" -e "s#@RW_PATHS@#$RW#g" "$SRC/build/server/fts-helper.service" > "$UNIT_NEW"
if ! cmp -s "$UNIT_NEW" "$UNIT_DIR/fts-helper.service"; then
  cp "$UNIT_NEW" "$UNIT_DIR/.fts-helper.service.new"; chmod 644 "$UNIT_DIR/.fts-helper.service.new"
  mv "$UNIT_DIR/.fts-helper.service.new" "$UNIT_DIR/fts-helper.service"
  say "installed /etc/systemd/system/fts-helper.service"
fi
rm -f "$UNIT_NEW"

if [ -z "$ROOT" ]; then
  systemctl daemon-reload
  if [ "$START" = yes ]; then systemctl enable --now fts-helper.service; else systemctl enable fts-helper.service; fi
  say "fts-helper is enabled. Next:"
  say "  sudo fts-helper samba apply                       # the shares, their folders' owner and mode, Bonjour"
  say "  sudo fts-helper samba users add NAME --password-stdin   # each household member"
  say "  sudo fts-helper clients pair count-zero --user NAME     # each Mac or PC"
  say "  sudo fts-helper token create admin --role admin         # the dashboard"
fi
say "done"
