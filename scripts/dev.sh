#!/usr/bin/env bash
# The project's two commands, from a fresh clone on a fresh host:
#   bash scripts/dev.sh test [pytest args]     lint, type-check and run the project's tests
#   bash scripts/dev.sh example [pytest args]  run the example downstream suite (examples/)
# Both first prepare the host (scripts/host-setup.sh) and a virtual environment (.venv).
set -euo pipefail
cd "$(dirname "$0")/.."

command=${1:-}
[ $# -gt 0 ] && shift
case "$command" in
    test|example) ;;
    *) echo "usage: bash scripts/dev.sh test|example [pytest arguments]" >&2; exit 2 ;;
esac

bash scripts/host-setup.sh

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
    touch .venv/.installed
fi

export PYTEST_DAOS_SIM_BASE_IMAGE="${PYTEST_DAOS_SIM_BASE_IMAGE:-pytest-daos/sim-base:bookworm}"

if [ "$command" = test ]; then
    .venv/bin/ruff check .
    .venv/bin/ruff format --check .
    .venv/bin/mypy
    exec .venv/bin/python -m pytest "$@"
fi
exec .venv/bin/python -m pytest examples --daos-recipe=sim "$@"
