#!/usr/bin/env bash
# The ui tier: packages the extension (npm run package → dist-vsix/airbyte-write.vsix), then runs
# test/ui/**/*.test.ts: the VSIX contents, and Playwright driving the real workbench of a
# code-server that has the VSIX installed (code-server --install-extension into a fresh extensions
# dir). Writes .test-artifacts/counts/ui.json; screenshots in .test-artifacts/screenshots/.
#   bash scripts/tier-ui.sh [file-substring…]
# Run alone it provisions code-server and starts the private Docker engine if DOCKER_HOST is unset.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/tierCommon.sh

tier_prepare ui || exit 1
rm -f .test-artifacts/screenshots/ui-*
rm -f dist-vsix/airbyte-write.vsix
started=$(date +%s%N)
if ! npm run -s package; then
  tier_fail ui "packaging the VSIX failed (npm run package; see above)"
  exit 1
fi
size=$(stat -c %s dist-vsix/airbyte-write.vsix)
echo "ui: packaged dist-vsix/airbyte-write.vsix ($(( size / 1024 )) KiB) in $(( ($(date +%s%N) - started) / 1000000 )) ms"
node scripts/runTier.mjs ui "$@"
