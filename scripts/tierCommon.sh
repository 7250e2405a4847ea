# Shared by scripts/tier-extension.sh and scripts/tier-ui.sh (sourced): provisions code-server,
# builds the extension, and makes sure a Docker engine is reachable for the extension host.
tier_fail() { # tier reason: a tier that cannot run is a failure with its reason
  node -e 'const [f,r]=process.argv.slice(1);const fs=require("fs");fs.mkdirSync(require("path").dirname(f),{recursive:true});fs.writeFileSync(f,JSON.stringify({passed:0,failed:1,skipped:0,failures:[r]}))' \
    ".test-artifacts/counts/$1.json" "$2"
  echo "tier $1: $2" >&2
}

tier_engine_started=0
tier_stop_engine() { [ $tier_engine_started = 1 ] && scripts/docker-engine.sh stop >/dev/null 2>&1; return 0; }

tier_prepare() { # tier
  local tier=$1
  if ! bash scripts/provision-code-server.sh >/dev/null; then
    tier_fail "$tier" "code-server could not be installed (bash scripts/provision-code-server.sh failed; see above)"; return 1
  fi
  if ! node scripts/build.mjs; then tier_fail "$tier" "the build failed (node scripts/build.mjs)"; return 1; fi
  if [ -z "${DOCKER_HOST:-}" ]; then
    local env_line sock="${AIRBYTE_WRITE_ENGINE_DIR:-/tmp/airbyte-write-engine}/docker.sock"
    # An engine someone else started stays running; one started here is stopped on exit.
    if ! curl -fsS --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1; then tier_engine_started=1; fi
    if ! env_line=$(scripts/docker-engine.sh start); then
      tier_fail "$tier" "the private Docker engine did not start (scripts/docker-engine.sh start); tier $tier needs it"; return 1
    fi
    eval "$env_line"; export DOCKER_HOST
    trap tier_stop_engine EXIT
    if [ -f scripts/buildTestImages.ts ] && ! node --import tsx scripts/buildTestImages.ts; then
      tier_fail "$tier" "the test connector images could not be built (scripts/buildTestImages.ts)"; return 1
    fi
  fi
  return 0
}
