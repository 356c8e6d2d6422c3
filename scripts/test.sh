#!/usr/bin/env bash
# The whole suite: type check, unit, integration and browser tests on PGlite, then the integration and browser
# tests again on PostgreSQL when DATABASE_URL is set. node --test on Node 20 expands no glob: list files here.
set -euo pipefail
cd "$(dirname "$0")/.."

npx tsc --noEmit -p tsconfig.json

unit=$(find test/unit -name '*.test.ts' | sort)
integration=$(find test/integration -name '*.test.ts' | sort)
e2e=$(find test/e2e -name '*.test.ts' | sort)

run() {
  node --import tsx --test --test-concurrency=1 "$@"
}

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installation du Chromium de Debian pour les tests de navigateur…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium absent : les tests de navigateur demandent le paquet Debian « chromium » (sudo apt-get install chromium)." >&2
    exit 1
  fi
fi

echo "== PGlite =="
TEST_DATABASE=pglite run $unit $integration $e2e

if [ -n "${DATABASE_URL:-}" ]; then
  echo "== PostgreSQL ($DATABASE_URL) =="
  TEST_DATABASE=postgresql run $integration $e2e
fi
