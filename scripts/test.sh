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

echo "== PGlite =="
TEST_DATABASE=pglite run $unit $integration $e2e

if [ -n "${DATABASE_URL:-}" ]; then
  echo "== PostgreSQL ($DATABASE_URL) =="
  TEST_DATABASE=postgresql run $integration $e2e
fi
