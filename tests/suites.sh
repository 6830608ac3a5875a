#!/usr/bin/env bash
# `make test`: the whole suite on SQLite and, at the same time, on a
# throwaway PostgreSQL server (tests/pg.py), when PostgreSQL's server
# binaries are installed.
#
# The two runs go side by side because the suite mostly waits (for servers
# it starts, browsers, child processes): on 2 cores both together take about
# as long as the PostgreSQL run alone, 7 minutes against 12 one after the
# other. The SQLite run prints as it goes; the PostgreSQL run's output is
# kept in .test-logs/postgresql.log and printed after it.
#
# Usage: tests/suites.sh PYTHON [pytest arguments...]
# MTQA_REQUIRE_PG=1 (set by .ci/run) fails when PostgreSQL is missing
# instead of running on SQLite alone.
set -uo pipefail

python=$1
shift
cd "$(dirname "$0")/.."

pg_pid=
pg_log=.test-logs/postgresql.log
stop_pg() {
    if [[ -n "$pg_pid" ]] && kill -0 "$pg_pid" 2>/dev/null; then
        # pytest ends its session on SIGTERM and stops its server (tests/pg.py).
        kill -TERM "$pg_pid" 2>/dev/null
        wait "$pg_pid" 2>/dev/null
    fi
}
trap stop_pg EXIT
trap 'exit 130' INT TERM

if missing=$("$python" -c 'from tests.pg import find_bin_dir; find_bin_dir()' 2>&1); then
    mkdir -p .test-logs
    # No cache: the two runs would write the same .pytest_cache at once.
    "$python" -m pytest --pg -p no:cacheprovider "$@" >"$pg_log" 2>&1 &
    pg_pid=$!
    echo "PostgreSQL run started alongside (output: $pg_log)"
elif [[ "${MTQA_REQUIRE_PG:-}" == 1 ]]; then
    echo "MTQA_REQUIRE_PG=1 but PostgreSQL cannot run: ${missing##*PostgresError: }" >&2
    exit 1
else
    echo "PostgreSQL server binaries not found: running on SQLite only (install postgresql for both)"
fi

echo "== SQLite"
"$python" -m pytest "$@"
sqlite_status=$?

if [[ -z "$pg_pid" ]]; then
    exit "$sqlite_status"
fi
if kill -0 "$pg_pid" 2>/dev/null; then
    echo "(waiting for the PostgreSQL run to finish)"
fi
wait "$pg_pid"
pg_status=$?
pg_pid=
echo "SQLite run exited $sqlite_status, PostgreSQL run exited $pg_status; the PostgreSQL run's output:"
echo "== PostgreSQL"
cat "$pg_log"
if ((sqlite_status != 0)); then
    exit "$sqlite_status"
fi
exit "$pg_status"
