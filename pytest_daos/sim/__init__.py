"""The pytest-daos sim: a stand-in for the DAOS programs, for tests where DAOS cannot be installed.

Programs named like the DAOS ones (`daos_server`, `daos_engine`, `daos_agent`, `dmg`, `daos`,
`dfuse`) accept the same command lines and configuration files and print the same `-j` JSON
as the DAOS release named by the environment variable `DAOS_SIM_VERSION` (2.0.3, 2.4.2 or
2.6.5, the default; releases.py lists what differs). Run one as
`python3 -m <this package> PROGRAM [args...]`. It imitates the control plane and dfuse (a real
FUSE mount whose files live in the server's storage): no libdaos, no objects, no engine I/O
path. Only relative imports are used inside the package, so it works
both as `pytest_daos.sim` and, copied into an image, as `daos_sim`.
"""
