# Sourced by scripts/test and scripts/bench: installs PostgreSQL and PostGIS
# from Debian when missing and starts a throwaway cluster on 127.0.0.1:$PGPORT
# in $PGWORK, removed by pg_cleanup (the caller traps it on EXIT).
#   PGWORK=$(mktemp -d) PGPORT=55432 . scripts/lib/pg.sh; pg_start [postgresql.conf lines]
# After pg_start, PGURL names the cluster's postgres database.
PGVER=${PGVER:-15}
PGBIN=/usr/lib/postgresql/$PGVER/bin

pg_install() {
	if [ ! -x "$PGBIN/initdb" ] || [ ! -f /usr/share/postgresql/$PGVER/extension/postgis.control ]; then
		echo "installing postgresql-$PGVER and postgis (Debian packages)"
		local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql-$PGVER postgresql-$PGVER-postgis-3 >/dev/null
	fi
}

# PostgreSQL will not run as root: run it as the postgres user Debian made.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_start() {
	pg_install
	mkdir -p "$PGWORK/pg"
	chmod 755 "$PGWORK"
	[ "$(id -u)" = 0 ] && chown postgres "$PGWORK/pg"
	as_pg "$PGBIN/initdb" -D "$PGWORK/pg" -U postgres -A trust >/dev/null
	{
		echo "listen_addresses = '127.0.0.1'"
		echo "port = $PGPORT"
		echo "unix_socket_directories = '$PGWORK/pg'"
		for line in "$@"; do echo "$line"; done
	} >> "$PGWORK/pg/postgresql.conf"
	as_pg "$PGBIN/pg_ctl" -D "$PGWORK/pg" -l "$PGWORK/pg/server.log" -w start >/dev/null
	PGURL="postgres://postgres@127.0.0.1:$PGPORT/postgres"
}

pg_cleanup() {
	as_pg "$PGBIN/pg_ctl" -D "$PGWORK/pg" -m fast stop >/dev/null 2>&1 || true
}
