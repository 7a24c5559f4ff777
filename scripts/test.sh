#!/usr/bin/env bash
# The whole test suite, as CI runs it on a fresh clone: tools, type check,
# jest, then a drift check of the committed dist/ against a fresh synth.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh
export PATH="$PWD/.tools/bin:$PATH"

npx tsc --noEmit
report=$(mktemp)
trap 'rm -f "$report"' EXIT
status=0
npx jest --ci --json --outputFile="$report" || status=$?

npm run --silent synth
if [ -n "$(git status --porcelain -- dist)" ]; then
  echo 'dist/ differs from a fresh synth; run npm run synth and commit the result:' >&2
  git status --porcelain -- dist >&2
  status=1
fi

# shellcheck disable=SC2016 # the JavaScript's template literal, not the shell's
node -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
' "$report"
exit "$status"
