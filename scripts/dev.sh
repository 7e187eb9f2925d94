#!/usr/bin/env bash
# The project's two commands, from a fresh clone on a fresh host:
#   bash scripts/dev.sh test [pytest args]     lint, type-check and run the project's tests:
#                                              the tox envs of TEST_ENVS below (pytest
#                                              arguments go to every pytest env)
#   bash scripts/dev.sh example [pytest args]  run the example downstream project's tests (examples/)
# They first prepare the host (scripts/host-setup.sh) and a virtual environment (.venv).
set -euo pipefail
cd "$(dirname "$0")/.."

command=${1:-}
[ $# -gt 0 ] && shift
case "$command" in
    test|example) ;;
    *) echo "usage: bash scripts/dev.sh test|example [pytest arguments]" >&2; exit 2 ;;
esac

#: The tox envs of `test`, in two lanes. In order: the root tiers, the integration tier
#: on Docker, the real-DAOS tier. Beside the real tier (whose DAOS waits in seconds, where
#: a busy host changes nothing): lint and types, the unit and plugin tests on the oldest,
#: the main and the newest Python (a Python that is not found is skipped, saying so),
#: which touch nothing of the host. `tox` alone runs every env, with pytest 8 and 9 on
#: every Python.
ORDERED_ENVS=contract,py311-integration
BESIDE_REAL_ENVS=lint,type,py310-pytest8,py311-pytest9,py313-pytest9
REAL_ENV=real

# pythons_path: pyenv's Pythons 3.10 to 3.13 (where pyenv has them), for tox to find
pythons_path() {
    local root
    root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
    ls -d "$root"/versions/3.1[0-3].*/bin 2>/dev/null | tr '\n' ':'
}

# install_into VENV PYTHON: the project (editable) and its `dev` dependency group, again
# only when pyproject.toml changed; pip reads dependency groups from 25.1 on, so an older
# pip of the venv is upgraded first
install_into() {
    if [ ! -x "$1/bin/python" ]; then
        "$2" -m venv "$1"
    fi
    if [ ! -f "$1/.installed" ] || [ pyproject.toml -nt "$1/.installed" ]; then
        "$1/bin/python" -m pip install --quiet --disable-pip-version-check 'pip>=25.1'
        "$1/bin/python" -m pip install --quiet --disable-pip-version-check --group dev -e .
        touch "$1/.installed"
    fi
}

basetemp=$(mktemp -d "${TMPDIR:-/tmp}/daos-plugin-tests.XXXXXX")
trap 'rm -rf "$basetemp"' EXIT

bash scripts/host-setup.sh

install_into .venv "${PYTHON:-python3}"

# beside_real [pytest args]: the envs of BESIDE_REAL_ENVS one after another (they take less
# time than the real tier; at once, on a busy host, they stretched timed waits), with a
# temporary folder of their own (their pytest sessions, and a default state folder no other
# tier uses); their output in $basetemp/beside-real.log
beside_real() {
    local own
    own=$(mktemp -d "$basetemp/beside-real.XXXXXX")
    TMPDIR="$own" .venv/bin/tox run --skip-missing-interpreters true \
        -e "$BESIDE_REAL_ENVS" -- "$@" >"$basetemp/beside-real.log" 2>&1
}

if [ "$command" = test ]; then
    export PATH="$(pythons_path)$PATH"
    tox=(.venv/bin/tox run --skip-missing-interpreters true)
    status=0  # a failing env fails the command after every env has run, as in tox
    started=$SECONDS
    "${tox[@]}" -e "$ORDERED_ENVS" -- --basetemp="$basetemp/ordered" "$@" || status=$?
    echo "dev.sh: $ORDERED_ENVS took $((SECONDS - started)) s" >&2
    started=$SECONDS
    beside_real "$@" &
    beside=$!
    "${tox[@]}" -e "$REAL_ENV" -- --basetemp="$basetemp/real" "$@" || status=$?
    echo "dev.sh: $REAL_ENV took $((SECONDS - started)) s" >&2
    wait "$beside" || status=$((status ? status : $?))
    cat "$basetemp/beside-real.log"
    echo "dev.sh: $REAL_ENV and, beside it, $BESIDE_REAL_ENVS took $((SECONDS - started)) s" >&2
    exit "$status"
fi
.venv/bin/python -m pytest examples --daos-recipe=sim --basetemp="$basetemp" "$@"
