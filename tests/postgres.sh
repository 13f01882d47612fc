#!/usr/bin/env bash
# Starts a throwaway PostgreSQL for hosted mode's tests: installs Debian's postgresql when it is
# missing, makes a fresh cluster in a temporary folder owned by the postgres user, starts it on
# 127.0.0.1:${PGPORT:-55432} and creates the database `caspio`. Prints its URL on the last line.
# Stop it with: tests/postgres.sh stop
set -euo pipefail
port="${PGPORT:-55432}"
data=/tmp/caspio-mcp-pgdata
bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
as_postgres() { su postgres -s /bin/sh -c "$*"; }

if [[ "${1:-}" == "stop" ]]; then
  [[ -d "$data" ]] && as_postgres "$(bin_dir)/pg_ctl -D $data -m fast stop" >/dev/null 2>&1 || true
  exit 0
fi
if [[ -z "$(bin_dir)" ]]; then
  echo "installing postgresql from Debian's packages" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
bin="$(bin_dir)"
as_postgres "$bin/pg_ctl -D $data -m fast stop" >/dev/null 2>&1 || true
rm -rf "$data"
mkdir -p "$data"
chown postgres "$data"
as_postgres "$bin/initdb -D $data -U postgres --auth=trust" >/dev/null
as_postgres "$bin/pg_ctl -D $data -l $data/log -o '-p $port -k /tmp -c listen_addresses=127.0.0.1' -w start" >/dev/null
as_postgres "$bin/createdb -h 127.0.0.1 -p $port -U postgres caspio"
echo "postgres://postgres@127.0.0.1:$port/caspio"
