#!/usr/bin/env bash
# Runs every benchmark (bench/*.bench.ts) against the private Docker engine: starts it (unless one
# already answers), builds the test images, runs each benchmark with node --import tsx, and stops
# the engine again if this script started it. Exits non-zero when any benchmark failed.
set -uo pipefail
cd "$(dirname "$0")/.."
dir="${AIRBYTE_WRITE_ENGINE_DIR:-/tmp/airbyte-write-engine}"
started=0
if ! { [ -S "$dir/docker.sock" ] && curl -fsS --unix-socket "$dir/docker.sock" http://localhost/_ping >/dev/null 2>&1; }; then started=1; fi
if ! env_line=$(scripts/docker-engine.sh start); then
  echo "bench: the Docker engine did not start" >&2
  exit 1
fi
eval "$env_line"; export DOCKER_HOST
cleanup() { [ $started = 1 ] && scripts/docker-engine.sh stop >/dev/null 2>&1; }
trap cleanup EXIT

node --import tsx scripts/buildTestImages.ts || exit 1

failed=0
shopt -s nullglob
for bench in bench/*.bench.ts; do
  echo "=== $bench"
  if ! node --import tsx "$bench"; then
    echo "bench: $bench failed" >&2
    failed=1
  fi
done
exit $failed
