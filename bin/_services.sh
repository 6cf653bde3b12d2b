# shellcheck shell=bash
# Shared service helpers for bin/test and bin/bench. Source it after _setup.sh; do not run it.
#
# PostgreSQL clusters are run from the newest /usr/lib/postgresql/*/bin. Each one has a data dir
# DATA and a run dir RUN that holds its Unix socket and logs. As root, the PostgreSQL programs run
# as the `postgres` user (PostgreSQL refuses root), which must own DATA and be able to write RUN.
#   pg_init DATA RUN   creates a cluster in DATA (DATA must not exist yet)
#   pg_start DATA RUN [OPTIONS]  starts it on a free loopback port and sets PG_PORT
#   pg_stop DATA       stops it if it runs
#   pg_clear_stale DATA RUN  makes a cluster startable after a killed run (only for a cluster
#                      that no one else can be using)
# They set PG_BIN (the programs' directory) as they go.

PG_BIN=""
PG_PORT=""

# A free TCP port on the loopback interface (free now: the caller retries when it is taken).
free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Run a PostgreSQL program as the `postgres` user when we are root (PostgreSQL refuses root), from
# `/` so that it never complains about a working directory it cannot enter.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# Is the process alive (a zombie waiting to be reaped counts as gone)?
running() {
    local state
    state="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" || return 1
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

pg_find_bin() {
    [ -z "$PG_BIN" ] || return 0
    local bins=(/usr/lib/postgresql/*/bin)
    [ -d "${bins[0]}" ] || die "no PostgreSQL found in /usr/lib/postgresql"
    PG_BIN="$(printf '%s\n' "${bins[@]}" | sort -V | tail -n 1)"
}

# Quote a word for /bin/sh (pg_ctl hands its -o options to the shell).
sh_quote() {
    local q="'\\''"
    printf "'%s'" "${1//\'/$q}"
}

# pg_init DATA RUN: a new cluster in DATA (the initdb log goes to RUN/initdb.log).
pg_init() {
    local data="$1" run="$2"
    pg_find_bin
    as_pg "$PG_BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$run/initdb.log" 2>&1 \
        || { cat "$run/initdb.log" >&2; die "initdb failed"; }
    # Speed over durability: these clusters are throw-away (bin/test) or hold only data that can be
    # generated again (bin/bench's .bench/pg). A killed server loses nothing; an OS crash may
    # corrupt the data, and then the cluster is simply removed.
    cat >>"$data/postgresql.conf" <<'CONF'
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
}

# pg_start DATA RUN [OPTIONS]: start the cluster in DATA on a free loopback port, with its Unix
# socket in RUN, its log in RUN/pg.log and OPTIONS (more server options, e.g. "-c name=value");
# sets PG_PORT. The socket directory is given at each start (not
# written into postgresql.conf) so that a persistent cluster survives the checkout being moved.
pg_start() {
    local data="$1" run="$2" sock="$2" more="${3:-}" port
    pg_find_bin
    # A Unix socket path has at most 107 bytes ("$run/.s.PGSQL.NNNNN"): with a longer RUN, the
    # server listens on TCP only (which is all that we use).
    [ "$(( ${#sock} + 17 ))" -le 107 ] || sock=""
    for _ in 1 2 3; do
        port="$(free_port)"
        if as_pg "$PG_BIN/pg_ctl" -D "$data" -o "-p $port -k $(sh_quote "$sock") $more" -l "$run/pg.log" -w -t 60 start >/dev/null; then
            # shellcheck disable=SC2034  # for the callers
            PG_PORT="$port"
            return 0
        fi
    done
    tail -n 20 "$run/pg.log" >&2 || true
    die "PostgreSQL did not start"
}

# pg_replica DATA RUN: a streaming replica of the running cluster on PG_PORT, made in DATA by
# pg_basebackup and started on another free port (its log in RUN/pg.log); sets REPLICA_PORT and
# leaves PG_PORT as it was.
pg_replica() {
    local data="$1" run="$2" primary="$PG_PORT"
    pg_find_bin
    as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$primary" -U postgres -D "$data" -R -X stream --checkpoint=fast --no-sync \
        >"$run/basebackup.log" 2>&1 || { cat "$run/basebackup.log" >&2; die "pg_basebackup failed"; }
    pg_start "$data" "$run"
    # shellcheck disable=SC2034  # for the callers
    REPLICA_PORT="$PG_PORT"
    PG_PORT="$primary"
}

# pg_stop DATA: stop the cluster in DATA if it runs (fast shutdown; immediate when that hangs).
pg_stop() {
    local data="$1"
    [ -f "$data/postmaster.pid" ] || return 0
    pg_find_bin
    as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null 2>&1 \
        || as_pg "$PG_BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
}

# Does a live process have its working directory in DIR (a postmaster and its backends do)?
pg_dir_in_use() {
    local proc
    for proc in /proc/[0-9]*; do
        [ "$(readlink "$proc/cwd" 2>/dev/null)" != "$1" ] || return 0
    done
    return 1
}

# pg_clear_stale DATA RUN: after a killed run, stop the server still running on DATA (a process
# whose working directory is DATA; not merely the pid in postmaster.pid, which may have been reused
# by another process since), wait for orphaned backends to go and remove a stale postmaster.pid
# and the stale socket files in RUN. Only for a cluster no one else can be using (bin/bench holds
# a lock on it).
pg_clear_stale() {
    local data="$1" run="$2" pidfile="$1/postmaster.pid" real pid
    [ -f "$pidfile" ] || return 0
    real="$(cd "$data" && pwd -P)"
    pid="$(head -n 1 "$pidfile")"
    if [[ "$pid" =~ ^[0-9]+$ ]] && running "$pid" && [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$real" ]; then
        say "stopping the PostgreSQL server left running by an earlier run"
        pg_stop "$data"
    fi
    for _ in $(seq 100); do
        pg_dir_in_use "$real" || break
        sleep 0.1
    done
    ! pg_dir_in_use "$real" || die "processes of an earlier PostgreSQL server still use $data"
    if [ -f "$pidfile" ]; then
        say "removing the stale $pidfile of a killed run"
        rm -f "$pidfile" "$run"/.s.PGSQL.*
    fi
}
