#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100 workbench + Node extension host) and Debian's Chromium
# for the end-to-end tests, offline apart from the npm registry and Debian's apt mirror.
# Idempotent: a finished install is detected by a stamp file and reused.
# Recipe and the reason for every step: /work/shared/notes/vscode-e2e-offline.md (copied in docs/webviews.md).
set -euo pipefail

VERSION=4.100.3
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="${LAKESYNC_CODE_SERVER_DIR:-$ROOT/.vscode-test/code-server}"
STAMP="$DEST/.installed-$VERSION"
ENTRY="$DEST/node_modules/code-server/out/node/entry.js"

log() { printf '[install-code-server] %s\n' "$*"; }

# Debian packages: native build deps of code-server's modules, ripgrep (its postinstall would
# download rg from GitHub), and the browser Playwright drives. Only installed when missing.
need=()
for pkg in libkrb5-dev ripgrep libx11-dev libxkbfile-dev libsecret-1-dev pkg-config chromium; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  log "apt-get install ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

if [ -f "$STAMP" ] && [ -f "$ENTRY" ]; then
  log "code-server $VERSION already installed in $DEST"
  echo "$ENTRY"
  exit 0
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" != "20" ]; then
  log "warning: code-server $VERSION expects Node 20, this is Node $(node -v)"
fi

mkdir -p "$DEST"
cd "$DEST"
[ -f package.json ] || npm init -y >/dev/null
export npm_config_yes=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

log "npm install code-server@$VERSION (scripts off: its postinstall downloads ripgrep and needs unsafe-perm)"
npm install --ignore-scripts "code-server@$VERSION"
# Only argon2: a plain `npm rebuild` here would rerun code-server's own postinstall.
log "rebuild top-level native modules (argon2)"
npm rebuild argon2

cd node_modules/code-server/lib/vscode
log "install VS Code's runtime modules"
npm install --omit=dev --ignore-scripts
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
log "rebuild VS Code's native modules (node-pty, spdlog, watcher, kerberos, ...)"
npm rebuild
ln -sfn node_modules node_modules.asar

cd extensions
log "install the built-in extensions' modules"
npm install --omit=dev

touch "$STAMP"
log "done: $ENTRY"
echo "$ENTRY"
