#!/usr/bin/env bash
# The README's test command: provisions a fresh Debian machine (as root), builds, and runs every
# test tier against real parts (a private Docker engine, code-server, Chromium). Ends with the line
# "N passed, N failed" over all tiers and exits non-zero when anything failed or a tier could not run.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
art="$root/.test-artifacts"
rm -rf "$art/counts"; mkdir -p "$art/counts"

# Every tier, in order. A tier that cannot run is a failure with its reason, never a silent skip.
TIERS=(unit docker extension ui fault)

record() { # tier passed failed reason
  node -e 'const [f,p,n,r]=process.argv.slice(1);require("fs").writeFileSync(f,JSON.stringify({passed:+p,failed:+n,skipped:0,failures:r?[r]:[]}))' \
    "$art/counts/$1.json" "$2" "$3" "${4:-}"
}
step() { # name command… : a setup step counted as one check
  local name=$1; shift
  echo "=== $name"
  if "$@"; then record "$name" 1 0; return 0; fi
  record "$name" 0 1 "$name failed: $*"; return 1
}

summary() {
  node - "$art/counts" <<'JS'
const fs = require('fs'); const path = require('path');
const dir = process.argv[2]; let p = 0, f = 0, s = 0; const lines = [];
for (const file of fs.readdirSync(dir).sort()) {
  const c = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  p += c.passed; f += c.failed; s += c.skipped || 0;
  lines.push(`  ${file.replace(/\.json$/, '').padEnd(14)} ${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ''}`);
  for (const why of c.failures || []) lines.push(`      ✗ ${why}`);
}
console.log('\n=== Summary'); console.log(lines.join('\n'));
console.log(`${p} passed, ${f} failed${s ? `, ${s} skipped` : ''}`);
process.exit(f > 0 ? 1 : 0);
JS
}

engine_started=0
cleanup() { [ $engine_started = 1 ] && scripts/docker-engine.sh stop >/dev/null 2>&1; }
trap cleanup EXIT

setup_ok=1
step provision bash scripts/provision.sh || setup_ok=0
# code-server for the extension and ui tiers; if it cannot be installed, only those tiers fail.
step provision-code-server bash scripts/provision-code-server.sh
step npm-install npm ci --no-audit --no-fund || setup_ok=0
if [ $setup_ok = 1 ]; then
  step build node scripts/build.mjs || setup_ok=0
  step typecheck npm run -s typecheck
  step lint npm run -s lint
fi

if [ $setup_ok = 1 ] && env_line=$(scripts/docker-engine.sh start); then
  eval "$env_line"; export DOCKER_HOST; engine_started=1
  record docker-engine 1 0
  step test-images node --import tsx scripts/buildTestImages.ts || true
else
  record docker-engine 0 1 "the private Docker engine did not start (see above); the docker tiers cannot run"
fi

for tier in "${TIERS[@]}"; do
  echo "=== tier $tier"
  if [ $setup_ok = 0 ]; then record "$tier" 0 1 "tier $tier not run: setup failed"; continue; fi
  case "$tier" in
    docker|extension|ui|fault) if [ $engine_started = 0 ]; then record "$tier" 0 1 "tier $tier needs the Docker engine, which did not start"; continue; fi ;;
  esac
  if [ -f "scripts/tier-$tier.sh" ]; then bash "scripts/tier-$tier.sh"; else node scripts/runTier.mjs "$tier"; fi
  [ -f "$art/counts/$tier.json" ] || record "$tier" 0 1 "tier $tier exited without reporting its counts"
done

summary
