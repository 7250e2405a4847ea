#!/usr/bin/env bash
# Runs the write benchmarks (bench/write.bench.ts: the one table of write paths, measured in one run;
# bench/remote.bench.ts: a streamed write through TLS on loopback against the unix socket of one engine;
# bench/preview.bench.ts: pages of a 1,000,000-record cached stream, the CLI preview's peak RSS)
# against the private Docker engine: starts it (unless one already answers), builds the test images,
# runs it with node --import tsx, and stops the engine again if this script started it. With --all,
# every benchmark (bench/*.bench.ts) runs. Exits non-zero when any benchmark failed.
#   npm run bench [-- --all]     (sizes: BENCH_RECORDS, BENCH_ROUNDS, BENCH_BIG_RECORDS, BENCH_WIDE_STREAMS)
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
benches=(bench/write.bench.ts bench/remote.bench.ts bench/preview.bench.ts)
[ "${1:-}" = --all ] && benches=(bench/*.bench.ts)
for bench in "${benches[@]}"; do
  echo "=== $bench"
  if ! node --import tsx "$bench"; then
    echo "bench: $bench failed" >&2
    failed=1
  fi
done
exit $failed
