#!/usr/bin/env bash
# A throw-away PostgreSQL server on 127.0.0.1 for the storage tests: start | stop | url
set -euo pipefail
PORT=${PGPORT_CI:-54329}
DIR=/tmp/cpm-ci-postgres
case "${1:-}" in
  start)
    if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
      apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
    fi
    BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    rm -rf "$DIR" && mkdir -p "$DIR" && chown postgres "$DIR"
    runuser -u postgres -- "$BIN/initdb" -D "$DIR/data" -A trust -U postgres >/dev/null
    runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1" start >/dev/null
    echo "postgres running on 127.0.0.1:$PORT"
    ;;
  stop)
    BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
    ;;
  url)
    echo "postgresql://postgres@127.0.0.1:$PORT/postgres"
    ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
