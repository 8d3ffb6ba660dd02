#!/usr/bin/env bash
# deploy/run.sh N PORT: N app processes behind nginx on one machine, in the foreground; Ctrl-C or SIGTERM stops all.
#
#   bash deploy/run.sh 3 8080        # then open http://127.0.0.1:8080
#
# The app processes listen on 127.0.0.1:PORT+1 … PORT+N; nginx listens on 127.0.0.1:PORT, serves Streamlit's
# static frontend itself and sends each browser to one process (its session lives there).
# Database: DATABASE_URL when set (PostgreSQL, for real use); otherwise the default SQLite file
# (var/catalog.sqlite, or CPM_DB_PATH), shared by the processes: enough on one machine.
# It installs nothing: it says what is missing and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-}
PORT=${2:-8080}
if ! [[ "$N" =~ ^[1-9][0-9]?$ ]] || ! [[ "$PORT" =~ ^[0-9]+$ ]] || (( PORT < 1024 || PORT + N > 65535 )); then
  echo "usage: deploy/run.sh N PORT   (N app processes, 1-99; PORT from 1024, the ports PORT+1..PORT+N free)" >&2
  exit 2
fi

PY=${PYTHON:-python3}
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=("nginx (Debian: apt-get install nginx)")
"$PY" -c "import streamlit" >/dev/null 2>&1 || missing+=("the app's Python packages ($PY -m pip install -r requirements.txt)")
if [ ${#missing[@]} -gt 0 ]; then
  printf 'deploy/run.sh: missing: %s\n' "${missing[@]}" >&2
  exit 1
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
MIME_TYPES=/etc/nginx/mime.types
[ -f "$MIME_TYPES" ] || { echo "deploy/run.sh: missing $MIME_TYPES (Debian's nginx-common)" >&2; exit 1; }
STATIC=$("$PY" -c "import os, streamlit; print(os.path.join(os.path.dirname(streamlit.__file__), 'static'))")

RUNDIR=$(mktemp -d "${TMPDIR:-/tmp}/cpm-deploy.XXXXXX")
chmod 755 "$RUNDIR"
# nginx's workers run as an unprivileged user when started as root: they get their own readable copy of the
# frontend (26 MB) rather than read access to the Python installation.
cp -r "$STATIC" "$RUNDIR/static" && chmod -R a+rX "$RUNDIR/static"
STATIC="$RUNDIR/static"
# One cookie secret for all processes (Streamlit's XSRF cookie); kept only for this run.
export STREAMLIT_SERVER_COOKIE_SECRET=${STREAMLIT_SERVER_COOKIE_SECRET:-$("$PY" -c "import secrets; print(secrets.token_hex(32))")}
export STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$RUNDIR"
}
trap stop INT TERM EXIT

if [ -z "${DATABASE_URL:-}" ]; then
  # Create and seed the shared SQLite file once, before the processes race to do it.
  "$PY" -c "from matcher.store import Store; Store().load()"
  echo "database: ${CPM_DB_PATH:-var/catalog.sqlite} (SQLite, shared by the $N processes)"
else
  "$PY" -c "from matcher.store import Store; Store().load()"
  echo "database: DATABASE_URL"
fi

upstreams=""
for i in $(seq 1 "$N"); do
  p=$((PORT + i))
  "$PY" -m streamlit run app.py --server.headless true --server.address 127.0.0.1 --server.port "$p" \
    > "$RUNDIR/app$i.log" 2>&1 &
  pids+=($!)
  upstreams+="        server 127.0.0.1:$p max_fails=3 fail_timeout=10s;"$'\n'
done

for i in $(seq 1 "$N"); do
  p=$((PORT + i))
  for _ in $(seq 1 120); do
    if "$PY" -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:$p/_stcore/health', timeout=1).read() == b'ok' else 1)" 2>/dev/null; then
      break
    fi
    sleep 0.5
  done
done

"$PY" - "$RUNDIR" "$PORT" "$STATIC" "$MIME_TYPES" "$upstreams" <<'PYEOF'
import sys
from pathlib import Path
rundir, port, static, mime, upstreams = sys.argv[1:6]
conf = Path("deploy/nginx.conf").read_text()
for key, value in {"@RUNDIR@": rundir, "@PORT@": port, "@STATIC@": static, "@MIME_TYPES@": mime, "@UPSTREAMS@": upstreams.rstrip()}.items():
    conf = conf.replace(key, value)
Path(rundir, "nginx.conf").write_text(conf)
PYEOF

echo "City Practice Matcher: http://127.0.0.1:$PORT ($N app processes on ports $((PORT + 1))-$((PORT + N)); logs in $RUNDIR)"
"$NGINX" -c "$RUNDIR/nginx.conf" -p "$RUNDIR" -g "daemon off;" &
pids+=($!)
wait -n "${pids[@]}" || true
echo "deploy/run.sh: a process stopped; stopping the others" >&2
