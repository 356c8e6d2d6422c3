#!/usr/bin/env bash
# The whole suite: type check, unit, integration and browser tests on PGlite, then the integration and browser
# tests again on PostgreSQL when DATABASE_URL is set. node --test on Node 20 expands no glob: list files here.
set -euo pipefail
cd "$(dirname "$0")/.."

npx tsc --noEmit -p tsconfig.json

unit=$(find test/unit -name '*.test.ts' | sort)
integration=$(find test/integration -name '*.test.ts' | sort)
e2e=$(find test/e2e -name '*.test.ts' | sort)

# Cheap password hashes for the suite's thousands of accounts (accounts/use-cases/credentials.ts; `serve` refuses it).
export INCLUSIF_TEST_FAST_HASHES=1

run() {
  node --import tsx --test --test-concurrency=1 "$@"
}

# Debian tools the tests drive: Chromium (journeys), xmllint (SEPA files against the XSD), pdftoppm and zbarimg
# (QR codes of printed booklets, decoded independently).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v xmllint >/dev/null || missing+=(libxml2-utils)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v zbarimg >/dev/null || missing+=(zbar-tools)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installation des paquets Debian requis par les tests : ${missing[*]}…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Paquets Debian manquants pour les tests : ${missing[*]} (sudo apt-get install ${missing[*]})." >&2
    exit 1
  fi
fi

# Every unit and integration test runs on PGlite; with DATABASE_URL every integration test runs again on that
# PostgreSQL server, and the browser journeys (which test pages, forms and accessibility through the same use cases
# the integration tests cover on both databases) run there, once: twice would take the suite past 20 minutes on
# 2 cores. Without DATABASE_URL the journeys run on PGlite. The two phases run side by side: each test platform lives
# in its own schema (or in memory) and listens on a port of its own. The PostgreSQL phase's report is printed whole
# after the PGlite one; the suite fails if either phase fails.
pg_status=0
pglite_files="$unit $integration $e2e"
if [ -n "${DATABASE_URL:-}" ]; then
  pglite_files="$unit $integration"
  pg_log=$(mktemp /tmp/inclusif-test-postgresql.XXXXXX)
  ( TEST_DATABASE=postgresql run $integration $e2e >"$pg_log" 2>&1 ) &
  pg_pid=$!
fi

echo "== PGlite =="
pglite_status=0
TEST_DATABASE=pglite run $pglite_files || pglite_status=$?

if [ -n "${DATABASE_URL:-}" ]; then
  wait "$pg_pid" || pg_status=$?
  echo "== PostgreSQL ($DATABASE_URL) =="
  cat "$pg_log"
  rm -f "$pg_log"
fi

if [ "$pglite_status" -ne 0 ] || [ "$pg_status" -ne 0 ]; then
  echo "Échec : PGlite (code $pglite_status), PostgreSQL (code $pg_status)." >&2
  exit 1
fi
