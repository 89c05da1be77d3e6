#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs a command next to a private PostgreSQL 15 (as root: the server runs
# as the user postgres): a new cluster in a temporary folder, listening on
# 127.0.0.1:PORT and on a unix socket in that folder, trust authentication
# (local test use only), one database "e2msim". Stopped and removed when
# the command ends.
#
#   tools/pg-env.sh [--port N] -- COMMAND [ARGS...]
#
# The command finds in its environment E2M_PG_CONNINFO (a libpq connection
# string for the database), E2M_PG_HOST (the socket folder), E2M_PG_PORT and
# E2M_PG_LOG (the server's log). Default port 55432.
set -euo pipefail

pg_bin=/usr/lib/postgresql/15/bin
port=55432
while [ $# -gt 0 ]; do
	case "$1" in
	--port)
		[[ "${2:-}" =~ ^[0-9]+$ ]] && [ "$2" -ge 1024 ] && [ "$2" -le 65535 ] ||
			{ echo "pg-env.sh: --port takes 1024 to 65535" >&2; exit 2; }
		port=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "pg-env.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: pg-env.sh [--port N] -- COMMAND [ARGS...]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "pg-env.sh: needs root (runs the server as postgres)" >&2; exit 2; }
[ -x "$pg_bin/initdb" ] || { echo "pg-env.sh: $pg_bin/initdb missing (package postgresql-15)" >&2; exit 2; }
id postgres >/dev/null 2>&1 || { echo "pg-env.sh: no user postgres" >&2; exit 2; }

work=$(mktemp -d /tmp/e2msim-pg.XXXXXX)
chown postgres: "$work"
as_pg() { (cd "$work" && runuser -u postgres -- "$@"); }
stop_pg() {
	if [ -e "$work/data/postmaster.pid" ]; then
		as_pg "$pg_bin/pg_ctl" -D "$work/data" -m fast -w -t 20 stop >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap stop_pg EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

if ! as_pg "$pg_bin/initdb" -D "$work/data" -U postgres -A trust -E UTF8 --no-sync \
	>"$work/initdb.log" 2>&1; then
	echo "pg-env.sh: initdb failed:" >&2
	cat "$work/initdb.log" >&2
	exit 1
fi
export E2M_PG_LOG="$work/postgres.log"
if ! as_pg "$pg_bin/pg_ctl" -D "$work/data" -l "$E2M_PG_LOG" -w -t 30 \
	-o "-c listen_addresses=127.0.0.1 -p $port -k $work" start >/dev/null; then
	echo "pg-env.sh: the server did not start; its log:" >&2
	cat "$E2M_PG_LOG" >&2
	exit 1
fi
as_pg "$pg_bin/createdb" -h "$work" -p "$port" -U postgres e2msim

export E2M_PG_HOST=$work E2M_PG_PORT=$port
export E2M_PG_CONNINFO="host=$work port=$port user=postgres dbname=e2msim"
set +e
"$@"
rc=$?
exit $rc
