"""daos_engine: the I/O engine process daos_server starts for each configured engine.

The sim's engine does what the plugin can observe of a real one: it refuses to start when the
host has too few cores for its targets (unless DAOS_TARGET_OVERSUBSCRIBE=1 is in its
environment), takes its hugepages (files `spdk_pid<PID>map_<N>` that outlive it), writes its
log to D_LOG_FILE, prints its start line (daos_server forwards its output into the control log
and takes the start line as the signal to let the rank join), then idles until terminated.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Sequence
from typing import TextIO

from .host import cpu_count, daos_log_prefix, hostname, hugepage_dir
from .hugepages import Reservation
from .releases import banner, release

#: cores DAOS keeps for its system service xstreams (dss_tgt_nr_check)
RESERVED_CORES = 2


class EngineLog:
    def __init__(self, path: str | None) -> None:
        self.stream: TextIO | None = None
        if path:
            try:
                self.stream = open(path, "a", buffering=1)  # noqa: SIM115
            except OSError as exc:
                print(f"daos_engine: cannot open log file {path}: {exc.strerror}", file=sys.stderr)

    def write(self, level: str, where: str, message: str, echo: bool = False) -> None:
        if self.stream is not None:
            self.stream.write(f"{daos_log_prefix('server', level, where)} {message}\n")
        if echo:
            print(message, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="daos_engine", add_help=True)
    parser.add_argument("-t", "--targets", type=int, default=1)
    parser.add_argument("-x", "--xshelpernr", type=int, default=0)
    parser.add_argument("-f", "--firstcore", type=int, default=0)
    parser.add_argument("-g", "--group", default="daos_server")
    parser.add_argument("-d", "--socket_dir", default="/var/run/daos_server")
    parser.add_argument("-s", "--storage", default="/mnt/daos")
    parser.add_argument("-I", "--instance_idx", type=int, default=0)
    parser.add_argument("-r", "--mem_size", type=int, default=0, help="MiB of hugepage memory")
    parser.add_argument("-H", "--hugepage_size", type=int, default=2, help="MiB per hugepage")
    parser.add_argument("-p", "--pinned_numa_node", type=int, default=0)
    parser.add_argument("--version", action="store_true", help="print the version")
    return parser


def main(argv: Sequence[str]) -> int:
    opts = _parser().parse_args(list(argv))
    rel = release()
    if opts.version:
        print(banner("daos_engine", rel))
        return 0
    log = EngineLog(os.environ.get("D_LOG_FILE"))
    pid = os.getpid()
    parent = os.getppid()
    stop = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    targets, helpers, cores = opts.targets, opts.xshelpernr, cpu_count()
    log.write(
        "INFO",
        "src/engine/init.c:1147 server_init()",
        f"DAOS I/O Engine (v{rel.version}) process {pid} initializing (pytest-daos sim)",
    )
    if targets + helpers > cores - RESERVED_CORES:
        if os.environ.get("DAOS_TARGET_OVERSUBSCRIBE") == "1":
            log.write(
                "WARN",
                "src/engine/init.c:290 dss_tgt_nr_check()",
                f"Force to start engine with {targets} targets {helpers} xs_helpers on "
                f"{cores} cores({RESERVED_CORES} cores reserved for system service).",
                echo=True,
            )
        else:
            log.write(
                "ERR",
                "src/engine/init.c:283 dss_tgt_nr_check()",
                f"cannot start engine with {targets} targets {helpers} xs_helpers on "
                f"{cores} cores, may try with DAOS_TARGET_OVERSUBSCRIBE=1 or reduce "
                f"#targets/#nr_xs_helpers({RESERVED_CORES} cores reserved for system "
                "service).",
                echo=True,
            )
            return 1

    pages_wanted = opts.mem_size // opts.hugepage_size if opts.hugepage_size else 0
    reservation = Reservation(hugepage_dir(), pid, opts.hugepage_size * 1024 * 1024)
    if pages_wanted:
        if not os.path.isdir(reservation.directory):
            log.write(
                "ERR",
                "src/engine/init.c:1011 server_init()",
                f"hugetlbfs directory {reservation.directory} not found: cannot allocate "
                f"{pages_wanted} hugepages",
                echo=True,
            )
            return 1
        got = reservation.take(pages_wanted)
        if got < pages_wanted:
            detail = f" ({reservation.error})" if reservation.error else ""
            log.write(
                "NOTE",
                "src/engine/init.c:1020 server_init()",
                f"only {got} of {pages_wanted} hugepages of {opts.hugepage_size} MiB were "
                f"free in {reservation.directory}{detail}; engine memory reduced to "
                f"{got * opts.hugepage_size} MiB",
                echo=True,
            )

    rank = os.environ.get("DAOS_SIM_ENGINE_RANK", "0")
    log.write(
        "INFO",
        "src/engine/init.c:1199 server_init()",
        f"DAOS I/O Engine (v{rel.version}) process {pid} started on rank {rank} with "
        f"{targets} target, {helpers} helper XS, firstcore {opts.firstcore}, host "
        f"{hostname()}.",
        echo=True,
    )

    while not stop:
        time.sleep(0.1)
        if os.getppid() != parent:  # daos_server is gone: do not linger as an orphan
            break
    log.write("INFO", "src/engine/init.c:1273 server_fini()", "Service is shut down")
    return 0
