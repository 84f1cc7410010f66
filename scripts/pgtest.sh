#!/bin/sh
# pgtest.sh COMMAND [ARGS...] runs COMMAND with KAGO_TEST_DATABASE_URL naming a
# throwaway PostgreSQL cluster: initdb into a temp dir, a server listening only
# on a unix socket in that dir, stopped and removed when COMMAND ends. As root
# it installs PostgreSQL from Debian when missing and runs the server as the
# postgres user (or nobody): initdb refuses root.
set -eu

# pgbin prints the directory of the server's programs (initdb, pg_ctl), or
# nothing when only a client (psql) is installed.
pgbin() {
	for d in $(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)") \
		$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
	done
}
bin=$(pgbin)
if [ -z "$bin" ]; then
	if [ "$(id -u)" != 0 ]; then echo "PostgreSQL is missing: run 'sudo apt-get install postgresql'" >&2; exit 1; fi
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
	bin=$(pgbin)
fi

tmp=$(mktemp -d)
as=""
if [ "$(id -u)" = 0 ]; then
	as=nobody
	if id postgres >/dev/null 2>&1; then as=postgres; fi
	chown "$as" "$tmp"
fi
pg() { if [ -n "$as" ]; then runuser -u "$as" -- "$@"; else "$@"; fi; }

stop() {
	pg "$bin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap stop EXIT INT TERM

pg "$bin/initdb" -D "$tmp/data" -U kago --auth=trust --no-locale -E UTF8 >"$tmp/initdb.log" 2>&1 ||
	{ cat "$tmp/initdb.log" >&2; exit 1; }
# A test server: durability off (the cluster is thrown away), room for the
# parallel tests' pools.
pg "$bin/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -o "-k $tmp -c listen_addresses= -c max_connections=300 \
	-c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null ||
	{ cat "$tmp/server.log" >&2; exit 1; }

KAGO_TEST_DATABASE_URL="postgres://kago@/postgres?host=$tmp"
export KAGO_TEST_DATABASE_URL
status=0
"$@" || status=$?
exit $status
