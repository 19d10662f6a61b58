# A private PostgreSQL 15 cluster for the tests and benches that need one: source it (after
# lib.sh, or alone), then `pg_start` and use $PG_URL; `pg_stop` stops it, and so does the
# exit of the script (the EXIT trap keeps lib.sh's clean-up). Nothing depends on a
# system-wide server: initdb in a fresh directory, the server listening only on a Unix
# socket inside it (no TCP; the port only names the socket file, so it never collides),
# fsync on. initdb and postgres refuse to run as root, so as root they run as `postgres`
# (runuser), in a directory that user owns.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=""
PG_URL=""

# pg_as_server CMD...: CMD as the server's user.
pg_as_server() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# pg_start: initdb and start; sets PG_DIR and PG_URL (the `postgres` database).
pg_start() {
  if [ ! -x "$PG_BIN/postgres" ]; then
    echo "PostgreSQL 15 is not installed ($PG_BIN/postgres): run scripts/setup test" >&2
    return 3
  fi
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vigil-pg.XXXXXX")
  chmod 755 "$PG_DIR"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$PG_DIR"; fi
  trap 'pg_stop; rm -rf "${WORK:-/nonexistent}"' EXIT
  # --no-sync: initdb's own files are not under test; the server itself runs with fsync.
  pg_as_server "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --locale=C \
    --no-sync > "$PG_DIR/initdb.log"
  pg_as_server "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories=$PG_DIR -p 5432 -c fsync=on" \
    start > /dev/null
  PG_URL="postgresql:///postgres?host=$PG_DIR&port=5432&user=postgres"
}

# pg_createdb NAME: a new database; prints its URL.
pg_createdb() {
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$PG_URL" -c "CREATE DATABASE $1" >&2
  echo "postgresql:///$1?host=$PG_DIR&port=5432&user=postgres"
}

# pg_crash: stops the server as a crash would (no shutdown checkpoint), then starts it.
pg_crash() {
  pg_as_server "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop > /dev/null
  pg_as_server "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories=$PG_DIR -p 5432 -c fsync=on" \
    start > /dev/null
}

# pg_stop: stops the server and deletes its directory (idempotent).
pg_stop() {
  if [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ]; then
    pg_as_server "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop > /dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
  PG_DIR=""
}
