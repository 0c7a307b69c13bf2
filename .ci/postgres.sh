#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 on 127.0.0.1:${PGPORT:-55432} for tests and
# benchmarks, installing it from Debian first if missing. Idempotent: a server
# already answering on the port is reused. Prints the connection URL on stdout
# (everything else goes to stderr), so callers can do:
#   export TEST_DATABASE_URL="$(.ci/postgres.sh)"
# Stop it with: .ci/postgres.sh stop
set -euo pipefail

PORT="${PGPORT:-55432}"
BASE="${PG_CI_DIR:-/tmp/troupe-ci-postgres}"
DATA="$BASE/data"
SOCK="$BASE/sock"
LOG="$BASE/postgres.log"
URL="postgres://postgres@127.0.0.1:${PORT}/postgres"

as_postgres() {
  if [ "$(id -u)" = "0" ]; then
    su postgres -s /bin/bash -c "$1"
  else
    bash -c "$1"
  fi
}

bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

if [ "${1:-}" = "stop" ]; then
  if BIN="$(bindir)" && [ -d "$DATA" ]; then
    as_postgres "$BIN/pg_ctl -D '$DATA' -m fast -w stop" >&2 || true
  fi
  exit 0
fi

if ! BIN="$(bindir)"; then
  echo "postgres.sh: installing postgresql from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2 && apt-get install -y postgresql >&2
  BIN="$(bindir)"
fi

if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" 2>/dev/null; then
  echo "$URL"
  exit 0
fi

mkdir -p "$BASE" "$SOCK"
if [ "$(id -u)" = "0" ]; then chown -R postgres:postgres "$BASE"; fi

if [ ! -f "$DATA/PG_VERSION" ]; then
  as_postgres "$BIN/initdb -D '$DATA' -A trust -U postgres" >&2
fi

# Default durability settings, so benchmark figures mean what they say;
# PG_CI_FAST=1 trades durability for speed (the data is throwaway anyway).
OPTS="-p $PORT -k $SOCK -c listen_addresses=127.0.0.1 -c max_connections=200"
if [ "${PG_CI_FAST:-0}" = "1" ]; then
  OPTS="$OPTS -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
fi
as_postgres "$BIN/pg_ctl -D '$DATA' -o '$OPTS' -l '$LOG' -w start" >&2

echo "$URL"
