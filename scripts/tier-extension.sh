#!/usr/bin/env bash
# The extension tier: the mocha suite in test/extension/suite/ run inside the extension host of a
# real code-server (VS Code 1.100.3) opened by headless Chromium on a temp copy of
# test/fixtures-workspace/. Writes .test-artifacts/counts/extension.json; exits non-zero on failure.
#   bash scripts/tier-extension.sh [--grep TEXT]
# Run alone it provisions code-server and starts the private Docker engine if DOCKER_HOST is unset;
# under scripts/test-all.sh both are already done.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/tierCommon.sh

tier_prepare extension || exit 1
node --import tsx test/harness/runExtensionTests.ts "$@"
