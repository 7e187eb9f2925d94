#!/usr/bin/env bash
# The project's two commands, from a fresh clone on a fresh host:
#   bash scripts/dev.sh test [pytest args]     lint, type-check and run the project's tests
#   bash scripts/dev.sh example [pytest args]  run the example downstream project's tests (examples/)
#   bash scripts/dev.sh pythons [pytest args]  the plugin's unit and pytester tests on every
#                                              other Python from 3.10 to 3.13 under pyenv
#                                              (the sim runs inside the images, on theirs)
# They first prepare the host (scripts/host-setup.sh) and a virtual environment (.venv).
set -euo pipefail
cd "$(dirname "$0")/.."

command=${1:-}
[ $# -gt 0 ] && shift
case "$command" in
    test|example|pythons) ;;
    *) echo "usage: bash scripts/dev.sh test|example|pythons [pytest arguments]" >&2; exit 2 ;;
esac

# install_into VENV PYTHON: the project and its test extra, again only when pyproject changed
install_into() {
    if [ ! -x "$1/bin/python" ]; then
        "$2" -m venv "$1"
    fi
    if [ ! -f "$1/.installed" ] || [ pyproject.toml -nt "$1/.installed" ]; then
        "$1/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[test]'
        touch "$1/.installed"
    fi
}

basetemp=$(mktemp -d "${TMPDIR:-/tmp}/daos-plugin-tests.XXXXXX")
trap 'rm -rf "$basetemp"' EXIT

if [ "$command" = pythons ]; then
    root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
    ran=0
    for minor in 3.10 3.12 3.13; do
        python=$(ls -d "$root"/versions/"$minor".*/bin/python"$minor" 2>/dev/null | tail -n 1)
        if [ -z "$python" ]; then
            echo "dev.sh: no Python $minor under $root/versions: skipped" >&2
            continue
        fi
        install_into ".venv-$minor" "$python"
        echo "dev.sh: Python $minor"
        status=0
        ".venv-$minor/bin/python" -m pytest -m "not docker" -q -p no:cacheprovider \
            --basetemp="$basetemp" tests/unit tests/plugin "$@" || status=$?
        rm -rf "$basetemp"  # the sim's bdev files are real allocations: give the disk back
        [ "$status" = 0 ] || exit "$status"
        ran=$((ran + 1))
    done
    [ "$ran" -gt 0 ] || { echo "dev.sh: no other Python found" >&2; exit 1; }
    exit 0
fi

bash scripts/host-setup.sh

install_into .venv "${PYTHON:-python3}"

if [ "$command" = test ]; then
    .venv/bin/ruff check .
    .venv/bin/ruff format --check .
    .venv/bin/mypy
    .venv/bin/python -m pytest --basetemp="$basetemp" "$@"
    exit
fi
.venv/bin/python -m pytest examples --daos-recipe=sim --basetemp="$basetemp" "$@"
