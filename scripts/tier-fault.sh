#!/usr/bin/env bash
# The fault tier: every fault case of test/fault (kill -9 at random points, misbehaving connectors,
# damaged stores, hostile configs and paths), each with its trial count. Prints the figures table.
# Needs the Docker engine (DOCKER_HOST) for the Docker trials; test-all.sh starts it.
set -uo pipefail
cd "$(dirname "$0")/.."
rm -f .test-artifacts/fault/figures.jsonl
node scripts/runTier.mjs fault "$@"
status=$?
node scripts/faultTable.mjs
exit $status
