#!/usr/bin/env bash
# Benchmarks need a PostgreSQL server and pgbench: use DATABASE_URL, or start a throw-away local cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v wrk >/dev/null || need+=(wrk)
ls /usr/lib/postgresql/*/bin/pgbench >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ -z "${DATABASE_URL:-}" ]; then
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  cluster=$(mktemp -d /tmp/inclusif-bench-pg.XXXXXX)
  chown postgres "$cluster"
  port=55442
  trap 'su postgres -c "$pgbin/pg_ctl -D $cluster/data -m immediate stop" >/dev/null 2>&1 || true; rm -rf "$cluster"' EXIT
  su postgres -c "$pgbin/initdb -D $cluster/data -A trust -U postgres" >/dev/null
  su postgres -c "$pgbin/pg_ctl -D $cluster/data -l $cluster/log -o '-p $port -k $cluster -c listen_addresses=127.0.0.1 -c max_connections=200' -w start" >/dev/null
  su postgres -c "$pgbin/psql -h 127.0.0.1 -p $port -U postgres -c 'create database inclusif_bench'" >/dev/null
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/inclusif_bench"
fi
node --import tsx bench/run.ts "$@"
