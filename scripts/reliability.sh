#!/usr/bin/env bash
# Run the reliability tier (tests/reliability: faults at every phase, hostile input) and
# rewrite docs/reliability.md from what it measured. As root, with a Docker engine and the
# sim base image (scripts/host-setup.sh prepares both).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/host-setup.sh
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
    .venv/bin/python -m pip install -q 'pip>=25.1'  # dependency groups: pip 25.1 or later
    .venv/bin/python -m pip install -q --group dev -e .
fi
PYTEST_DAOS_RELIABILITY_DOC=write .venv/bin/python -m pytest tests/reliability "$@"
echo "reliability: docs/reliability.md rewritten"
