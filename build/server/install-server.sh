#!/bin/sh
# Installs fts-helper on a Debian/Ubuntu server: admins' group, folders, config, the app, the systemd unit.
# Run from a checkout as root:   sudo sh build/server/install-server.sh [options]
#   --prefix DIR     where the app goes (default /opt/fts)
#   --user NAME      the group whose members may read the store and config (default fts; a system user of
#                    the same name is created to own it). The daemon itself runs as a fenced root (see the unit).
#   --config FILE    configuration file (default /etc/fts/helper.yaml; an existing one is kept)
#   --root DIR       install into DIR as if it were / (for packaging and tests: no useradd, no systemctl)
#   --no-start       enable the unit but do not start it
#   --skip-app       leave the app in --prefix as it is (folders, config and unit only)
# Idempotent: running it again updates the app and the unit, and keeps the config, the store and the shares.
set -eu

PREFIX=/opt/fts
SVC_USER=fts
CONFIG=/etc/fts/helper.yaml
ROOT=
START=yes
APP=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX=$2; shift 2 ;;
    --user) SVC_USER=$2; shift 2 ;;
    --config) CONFIG=$2; shift 2 ;;
    --root) ROOT=$2; shift 2 ;;
    --no-start) START=no; shift ;;
    --skip-app) APP=no; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "install-server: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

SRC=$(cd "$(dirname "$0")/../.." && pwd)
say() { echo "install-server: $*"; }

case "$SVC_USER" in
  *[!a-z0-9_-]*|'') echo "install-server: --user must be a Unix user name (a-z, 0-9, _ -)" >&2; exit 2 ;;
esac
if [ -z "$ROOT" ] && [ "$(id -u)" -ne 0 ]; then echo "install-server: run as root (sudo)" >&2; exit 1; fi
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$NODE_MAJOR" -lt 20 ]; then echo "install-server: Node.js 20 or newer is needed (apt-get install nodejs)" >&2; exit 1; fi
for tool in smbd testparm smbcontrol smbpasswd; do
  command -v "$tool" >/dev/null 2>&1 || say "warning: $tool not found (apt-get install samba)"
done

# 1. The service user: a system account without a shell or a home of its own.
if [ -z "$ROOT" ]; then
  if ! id "$SVC_USER" >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/fts --no-create-home --shell /usr/sbin/nologin "$SVC_USER"
    say "created system user $SVC_USER"
  fi
fi
own() { [ -z "$ROOT" ] && chown "$@" || true; }

# 2. Folders: the shares (existing data is never touched), the store, the config folder.
for d in /flux /time /space; do
  if [ ! -d "$ROOT$d" ]; then mkdir -p "$ROOT$d"; own "$SVC_USER:$SVC_USER" "$ROOT$d"; chmod 0770 "$ROOT$d"; say "created $d"; fi
done
mkdir -p "$ROOT/var/lib/fts" "$ROOT$(dirname "$CONFIG")" "$ROOT/etc/samba"
own "$SVC_USER:$SVC_USER" "$ROOT/var/lib/fts"; chmod 0750 "$ROOT/var/lib/fts"
own "root:$SVC_USER" "$ROOT$(dirname "$CONFIG")"; chmod 0750 "$ROOT$(dirname "$CONFIG")"
[ -e "$ROOT/etc/samba/fts-shares.conf" ] || : > "$ROOT/etc/samba/fts-shares.conf"

# 3. The app: the checkout with its production dependencies and the built dashboard.
if [ "$APP" = yes ]; then
  if [ ! -f "$SRC/dist/renderer/index.html" ]; then
    say "building the dashboard"
    (cd "$SRC" && npx vite build --config renderer/vite.config.ts)
  fi
  mkdir -p "$ROOT$PREFIX"
  rsync -a --delete --exclude .git --exclude .sandbox --exclude release --exclude test-results --exclude 'node_modules/electron' --exclude 'node_modules/electron-builder' "$SRC/" "$ROOT$PREFIX/"
  say "installed the app in $PREFIX"
fi

# 4. The config: the seed (motoko: flux, time, space) with the dashboard, unless one exists.
if [ ! -f "$ROOT$CONFIG" ]; then
  node "$SRC/bin/fts-helper.mjs" config seed > "$ROOT$CONFIG.tmp"
  # Insert api.dashboardDir under the existing `api:` key of the seed.
  sed "s#^api:\$#api:\n  dashboardDir: $PREFIX/dist/renderer#" "$ROOT$CONFIG.tmp" > "$ROOT$CONFIG"
  rm -f "$ROOT$CONFIG.tmp"
  own "root:$SVC_USER" "$ROOT$CONFIG"; chmod 0640 "$ROOT$CONFIG"
  say "wrote the seed configuration to $CONFIG (edit it, then: fts-helper config check $CONFIG)"
fi
node "$SRC/bin/fts-helper.mjs" config check "$ROOT$CONFIG" >/dev/null 2>&1 || [ -n "$ROOT" ] || { echo "install-server: $CONFIG does not validate: run fts-helper config check $CONFIG" >&2; exit 1; }

# 5. The unit, with the paths this config uses.
RW="/flux /time /space /var/lib/fts /etc/samba"
UNIT_DIR="$ROOT/etc/systemd/system"
mkdir -p "$UNIT_DIR"
sed -e "s#@PREFIX@#$PREFIX#g" -e "s#@USER@#$SVC_USER#g" -e "s#@CONFIG@#$CONFIG#g" -e "s#@RW_PATHS@#$RW#g" "$SRC/build/server/fts-helper.service" > "$UNIT_DIR/fts-helper.service"
say "installed $UNIT_DIR/fts-helper.service"

if [ -z "$ROOT" ]; then
  systemctl daemon-reload
  if [ "$START" = yes ]; then systemctl enable --now fts-helper.service; else systemctl enable fts-helper.service; fi
  say "fts-helper is enabled. An admin token for the dashboard:"
  say "  sudo node $PREFIX/bin/fts-helper.mjs token create admin --role admin --config $CONFIG"
fi
