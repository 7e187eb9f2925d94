"""How daos_server runs its engine: a child process with a rebuilt environment, its output
forwarded into the control log, its start line taken as "ready", its exit reported."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .config import Engine, ServerConfig
from .host import hugepage_size_bytes
from .releases import release

_STARTED = re.compile(r"DAOS I/O Engine \(v[^)]*\) process \d+ started on rank \d+")
#: the top-level package (pytest_daos.sim -> pytest_daos, daos_sim -> daos_sim) and its parent
_PACKAGE = __package__ or "daos_sim"
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[_PACKAGE.count(".") + 1])


def exit_text(returncode: int) -> str:
    """How Go's os/exec describes an exit: "exit status 1", "signal: killed"."""
    if returncode >= 0:
        return f"exit status {returncode}"
    names = {
        signal.SIGKILL: "killed",
        signal.SIGTERM: "terminated",
        signal.SIGINT: "interrupt",
        signal.SIGSEGV: "segmentation fault",
        signal.SIGABRT: "aborted",
    }
    return "signal: " + names.get(signal.Signals(-returncode), f"signal {-returncode}")


class EngineRunner:
    """One engine instance of daos_server."""

    def __init__(
        self,
        cfg: ServerConfig,
        index: int,
        log: Callable[[str, str], None],
        on_ready: Callable[[int], None],
        on_exit: Callable[[int, str], None],
    ) -> None:
        self.cfg = cfg
        self.engine: Engine = cfg.engines[index]
        self.index = index
        self.log = log
        self.on_ready = on_ready
        self.on_exit = on_exit
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready = threading.Event()
        self._stopped: set[int] = set()  # pids stopped on purpose
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def argv(self) -> list[str]:
        page_mb = hugepage_size_bytes() // (1024 * 1024) or 2
        pages = 0 if self.cfg.disable_hugepages else self.cfg.nr_hugepages
        e = self.engine
        return [
            sys.executable,
            "-m",
            _PACKAGE,
            "daos_engine",
            "-t",
            str(e.targets),
            "-x",
            str(e.nr_xs_helpers),
            "-f",
            str(e.first_core),
            "-g",
            self.cfg.name,
            "-d",
            self.cfg.socket_dir,
            "-s",
            e.scm.scm_mount,
            "-I",
            str(self.index),
            "-r",
            str(pages * page_mb),
            "-H",
            str(page_mb),
            "-p",
            "0",
        ]

    def environment(self, rank: int) -> dict[str, str]:
        """As daos_server builds it: the config's env_vars and env_pass_through only (plus
        the log settings and what the sim itself needs to run and to read its test knobs)."""
        env: dict[str, str] = {}
        for name in self.engine.env_pass_through:
            if name in os.environ:
                env[name] = os.environ[name]
        for item in self.engine.env_vars:
            key, _, value = item.partition("=")
            env[key] = value
        # the fabric port: D_PORT from 2.6, OFI_PORT before (engine.Config's cmdEnv)
        port_name = "D_PORT" if release().series >= (2, 6) else "OFI_PORT"
        env[port_name] = str(self.engine.fabric_iface_port)
        env["D_LOG_FILE"] = self.engine.log_file
        env["D_LOG_MASK"] = self.engine.log_mask
        env["DAOS_SIM_ENGINE_RANK"] = str(rank)
        for key, value in os.environ.items():
            if key.startswith("DAOS_SIM_"):
                env.setdefault(key, value)
        paths = [_PACKAGE_ROOT, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        env["PYTHONPATH"] = os.pathsep.join(paths)
        return env

    def start(self, rank: int) -> int:
        with self._lock:
            if self.running:
                assert self.proc is not None
                return self.proc.pid
            self.ready.clear()
            self.proc = subprocess.Popen(
                self.argv(),
                env=self.environment(rank),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                close_fds=True,
            )
            proc = self.proc
        threading.Thread(target=self._watch, args=(proc,), name="engine", daemon=True).start()
        return proc.pid

    def _watch(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            self.log("INFO", f"daos_engine:{self.index} {line}")
            if _STARTED.search(line) and not self.ready.is_set():
                self.ready.set()
                self.on_ready(proc.pid)
        returncode = proc.wait()
        with self._lock:
            intended = proc.pid in self._stopped
        if not intended:
            self.on_exit(proc.pid, exit_text(returncode))

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM the engine; SIGKILL it if it has not exited after `timeout` seconds."""
        with self._lock:
            proc = self.proc
            if proc is None or proc.poll() is not None:
                return
            self._stopped.add(proc.pid)
        proc.terminate()
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
