#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL server on 127.0.0.1; TEST_DATABASE_URL
# points at it. Installs Debian's postgresql when missing. The server and its
# data folder are removed on exit, whatever the command's outcome.
set -euo pipefail

if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
bindir=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
port=${PGPORT_TEST:-55432}
datadir=$(mktemp -d /tmp/devisubox-pg.XXXXXX)
chown postgres:postgres "$datadir"
as_postgres() { runuser -u postgres -- "$@"; }

cleanup() {
  as_postgres "$bindir/pg_ctl" -D "$datadir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$datadir"
}
trap cleanup EXIT

as_postgres "$bindir/initdb" -D "$datadir/data" -U postgres --auth=trust -E UTF8 >/dev/null
as_postgres "$bindir/pg_ctl" -D "$datadir/data" -w -t 60 -l "$datadir/server.log" \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$datadir -c fsync=off" start >/dev/null
as_postgres "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -qc \
  "CREATE ROLE devisubox LOGIN CREATEDB PASSWORD 'devisubox';"

export TEST_DATABASE_URL="postgres://devisubox:devisubox@127.0.0.1:$port/devisubox"
"$@"
