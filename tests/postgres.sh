#!/usr/bin/env bash
# Starts a local PostgreSQL (Debian's packages, installed if missing) for the
# consent store's PostgreSQL test and prints the database URL. Used by
# .ci/run; run it yourself and export VEIVISER_TEST_POSTGRES_URL to include
# that test locally.
set -euo pipefail

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "installing postgresql (Debian)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | awk '{print $1, $2}' | grep -qx "$version main"; then
  pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -qx online; then
  pg_ctlcluster "$version" main start >&2
fi
as_postgres() { su postgres -c "$1"; }
as_postgres "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname = 'veiviser'\"" | grep -qx 1 \
  || as_postgres "psql -qc \"CREATE USER veiviser WITH PASSWORD 'veiviser'\"" >&2
as_postgres "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname = 'veiviser_test'\"" | grep -qx 1 \
  || as_postgres "createdb -O veiviser veiviser_test" >&2
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
echo "postgres://veiviser:veiviser@127.0.0.1:${port}/veiviser_test"
