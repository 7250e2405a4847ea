#!/usr/bin/env bash
# The README's main job on a fresh machine, no Docker needed: built-in sample data written into a
# SQLite file, twice. The second run is incremental: it reads and sends 0 new records.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules/sql.js ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi
echo "== build"
node scripts/build.mjs >/dev/null
ws=examples/demo-workspace
# Start from nothing so the demo is repeatable.
rm -rf "$ws/.airbyte" "$ws/out"
cli=(node dist/cli.js write --source "$ws/sample.airbyte.jsonc" --destination "$ws/warehouse.airbyte.jsonc" --state-file "$ws/.airbyte/state.sqlite")
echo
echo "== Run 1: builtin:sample → builtin:sqlite ($ws/out/warehouse.sqlite)"
"${cli[@]}"
echo
echo "== Run 2: the same again: incremental, nothing new to read or send"
"${cli[@]}"
echo
echo "== What landed in $ws/out/warehouse.sqlite"
node -e '
const initSqlJs = require("sql.js"); const fs = require("fs");
initSqlJs().then((SQL) => {
  const db = new SQL.Database(fs.readFileSync(process.argv[1]));
  for (const t of ["users", "products", "purchases"]) {
    const [[count, ids]] = db.exec(`SELECT COUNT(*), COUNT(DISTINCT id) FROM "${t}"`)[0].values;
    console.log(`  ${t.padEnd(10)} ${count} rows, ${ids} distinct ids`);
  }
});' "$ws/out/warehouse.sqlite"
