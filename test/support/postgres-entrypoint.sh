#!/bin/sh
# What the postgres image's docker-entrypoint.sh does when its command is `postgres`, reduced to
# the behaviour the single-writer script guards (docker-library/postgres, docker-entrypoint.sh):
# initialise only when $PGDATA has no PG_VERSION yet (initdb, a temporary server without TCP,
# the init scripts, a stop), then run the server. The init script is yelb-db's: the database
# yelbdatabase and the table restaurants with four rows. With INIT_HANG set, the init stops
# half-way (the database exists, the table does not), as a task stopped during its first start.
# With START_HANG set, the server's start hangs before it answers (as a long recovery), on any start.
# Needs PG_BIN (Debian's /usr/lib/postgresql/<version>/bin), PGDATA, PGPORT and SOCKETS.
set -e
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust >/dev/null
  "$PG_BIN/pg_ctl" -D "$PGDATA" -o "-c listen_addresses='' -k $SOCKETS -p $PGPORT" -w start >/dev/null
  psql() { "$PG_BIN/psql" -h "$SOCKETS" -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -q "$@"; }
  echo "init: running the init scripts"
  psql -c 'CREATE DATABASE yelbdatabase'
  if [ -n "$INIT_HANG" ]; then
    echo "init: hanging"
    while :; do sleep 1; done
  fi
  psql -d yelbdatabase -c "CREATE TABLE restaurants (name char(30), count integer, PRIMARY KEY (name));
    INSERT INTO restaurants (name, count) VALUES ('outback', 0), ('bucadibeppo', 0), ('chipotle', 0), ('ihop', 0);"
  "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  echo "init: complete"
fi
if [ -n "$START_HANG" ]; then
  echo "start: hanging"
  while :; do sleep 1; done
fi
exec "$PG_BIN/postgres" -D "$PGDATA" -c listen_addresses=127.0.0.1 -p "$PGPORT" -k "$SOCKETS"
