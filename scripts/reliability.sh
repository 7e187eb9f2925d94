#!/usr/bin/env bash
# Run the reliability tier (tests/reliability: faults at every phase, hostile input) and
# rewrite docs/reliability.md from what it measured. As root, with a Docker engine and the
# sim base image (scripts/host-setup.sh prepares both).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/host-setup.sh
[ -x .venv/bin/python ] || { python3 -m venv .venv && .venv/bin/python -m pip install -q -e '.[test]'; }
PYTEST_DAOS_RELIABILITY_DOC=write .venv/bin/python -m pytest tests/reliability "$@"
echo "reliability: docs/reliability.md rewritten"
