"""Benchmarks of pytest-daos: real pytest runs of generated downstream suites, the project's
command, and two references on the same images (the bare procedure by hand, `bare.sh`, and
the least Docker and DAOS work through the Docker SDK, `floor.py`).

`python -m benchmarks` from the repository root writes `benchmarks/results/<recipe>.json`
and rewrites `docs/performance.md` with its plots in `docs/performance/`.
"""
