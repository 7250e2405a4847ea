#!/usr/bin/env bash
# Installs code-server (a real VS Code 1.100.3: server, Node extension host, web workbench) from the
# npm registry into .vscode-test/code-server/, for the extension and ui test tiers. Nothing is
# downloaded from outside the npm registry: @vscode/ripgrep's postinstall is fed a tarball made from
# Debian's rg. Idempotent: does nothing when the right version is already installed (~45 s otherwise).
# Prints the path of the code-server binary on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

VERSION=4.100.3
RIPGREP_PKG_VERSION=1.15.11 # @vscode/ripgrep version code-server 4.100.3 depends on
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
dir="$root/.vscode-test/code-server"
bin="$dir/node_modules/.bin/code-server"

installed_version() {
  node -e 'try{process.stdout.write(require(process.argv[1]).version)}catch{}' "$dir/node_modules/code-server/package.json"
}

if [ -x "$bin" ] && [ "$(installed_version)" = "$VERSION" ] && [ -f "$dir/.complete" ]; then
  echo "provision-code-server: code-server $VERSION already installed"
  echo "$bin"
  exit 0
fi

command -v rg >/dev/null 2>&1 || { echo "provision-code-server: rg (ripgrep) missing: run scripts/provision.sh (apt-get install ripgrep)" >&2; exit 1; }
dpkg -s libkrb5-dev >/dev/null 2>&1 || { echo "provision-code-server: libkrb5-dev missing: run scripts/provision.sh (apt-get install libkrb5-dev)" >&2; exit 1; }
[ -f /usr/include/node/node.h ] || { echo "provision-code-server: Node headers missing in /usr/include/node (Debian package nodejs / libnode-dev): node-gyp needs them" >&2; exit 1; }

started=$(date +%s)
rm -rf "$dir"
mkdir -p "$dir"
# A private temp folder: @vscode/ripgrep's postinstall looks for its cache under os.tmpdir().
work_tmp=$(mktemp -d)
trap 'rm -rf "$work_tmp"' EXIT
cache="$work_tmp/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION"
mkdir -p "$cache" "$work_tmp/rg"
cp "$(command -v rg)" "$work_tmp/rg/rg"
tar -czf "$cache/$RIPGREP_ASSET" -C "$work_tmp/rg" rg

# Its own package.json so that npm does not treat the repository as the project.
printf '{"name":"code-server-install","private":true}\n' >"$dir/package.json"

echo "provision-code-server: npm install code-server@$VERSION into .vscode-test/code-server (about 45 s)"
(
  cd "$dir"
  # unsafe_perm: its postinstall refuses to run as root otherwise; yes: node-pty's postinstall calls
  # npx; nodedir: node-gyp builds native modules against the local headers instead of downloading them.
  TMPDIR="$work_tmp" \
    npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr \
    npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false \
    npm install --no-save --no-package-lock --loglevel=error "code-server@$VERSION"
)
[ -x "$bin" ] || { echo "provision-code-server: install finished but $bin is missing" >&2; exit 1; }
[ "$(installed_version)" = "$VERSION" ] || { echo "provision-code-server: installed version $(installed_version) is not $VERSION" >&2; exit 1; }
"$bin" --version >/dev/null
touch "$dir/.complete"
echo "provision-code-server: code-server $VERSION installed in $(( $(date +%s) - started )) s"
echo "$bin"
