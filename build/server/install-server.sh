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

# 3. The share folders: the household's group owns them, setgid so new files and folders keep the group, and
#    group-writable (Samba's masks keep new files so too). /time is only passed through: each member's Time
#    Machine folder (/time/NAME, 0700) is made by `samba users add`. Only the top folders are touched, never
#    what is inside.
for d in /flux /space /time; do
  if [ ! -d "$ROOT$d" ]; then mkdir -p "$ROOT$d"; say "created $d"; fi
  if [ "$d" = /time ]; then place "root:$SHARE_GROUP" 2750 "$ROOT$d"; else place "root:$SHARE_GROUP" 2770 "$ROOT$d"; fi
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

# 5. The app: the checkout with its production dependencies and the built dashboard.
if [ "$APP" = yes ]; then
  if [ ! -f "$SRC/dist/renderer/index.html" ]; then
    say "building the dashboard"
    (cd "$SRC" && npx vite build --config renderer/vite.config.ts)
  fi
  mkdir -p "$ROOT$PREFIX"
  rsync -a --delete --exclude .git --exclude .sandbox --exclude release --exclude test-results --exclude 'node_modules/electron' --exclude 'node_modules/electron-builder' "$SRC/" "$ROOT$PREFIX/"
  say "installed the app in $PREFIX"
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

# 7. The API's certificate (api.tls: auto): made once (again only when it lacks one of the server's names, which
#    fts-helper tls says on stderr); clients pin its fingerprint (pairing hands it to them).
if FP=$($HELPER tls --config "$ROOT$CONFIG"); then
  say "API certificate fingerprint (SHA-256): $FP"
else
  say "warning: no API certificate (api.tls is off, or openssl failed: fts-helper tls --config $CONFIG)"
fi
if ! $HELPER config check "$ROOT$CONFIG" | sed 's/^/install-server:   /'; then
  say "warning: $CONFIG does not validate: fix it, then fts-helper config check $CONFIG"
fi

# 8. The unit, with the paths this config uses; rewritten only when it differs.
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
  say "  sudo node $PREFIX/bin/fts-helper.mjs samba apply                       # the shares and Bonjour"
  say "  sudo node $PREFIX/bin/fts-helper.mjs samba users add NAME --password-stdin   # each household member"
  say "  sudo node $PREFIX/bin/fts-helper.mjs clients pair count-zero --user NAME     # each Mac or PC"
  say "  sudo node $PREFIX/bin/fts-helper.mjs token create admin --role admin         # the dashboard"
fi
say "done"
