"""Helpers for the sim's tests: run the sim programs as subprocesses on this host.

Each `SimSystem` lives in its own temporary directory: configuration files made from the real
DAOS 2.6.5 ones (tests/data/2.6/, or another release's folder given as `data`), a free loopback
port, a tmpfs SCM mount (mounted by the sim's `dmg storage format`), a bdev file, a plain
directory standing in for /dev/hugepages, and the server's socket_dir and the agent's
runtime_dir, made beforehand as a deployment makes them. Cleanup unmounts dfuse mounts,
kills every process group it started and unmounts the tmpfs, also on failure.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[1] / "data" / "2.6"
#: The sim runs as a top-level package, as in the images (`daos_sim`): importing it as
#: pytest_daos.sim would import the plugin first (pytest and all), 0.1 s more per command.
PACKAGE = "sim"
PACKAGE_PARENT = REPO_ROOT / "pytest_daos"
HOSTNAME = socket.gethostname()


def real(name: str) -> Any:
    """A real DAOS 2.6.5 output (JSON parsed, or text) copied into tests/data/2.6/."""
    text = (DATA / name).read_text()
    return json.loads(text) if name.endswith(".json") else text


def assert_shape(
    actual: Any, expected: Any, path: str = "$", free_keys: tuple[str, ...] = ()
) -> None:
    """`actual` has the keys (same order) and value types of the real output `expected`.

    Maps keyed by opaque numbers (HostStorage) and maps named in `free_keys` are compared
    by their values only. A list is compared item by item with the real list's first item.
    """
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not an object"
        name = path.rsplit(".", 1)[-1]
        if expected and (all(k.isdigit() for k in expected) or name in free_keys):
            assert actual, f"{path}: empty where the real output has entries"
            sample = next(iter(expected.values()))
            for key, value in actual.items():
                assert_shape(value, sample, f"{path}.{key}", free_keys)
            return
        assert list(actual) == list(expected), f"{path}: keys {list(actual)} != {list(expected)}"
        for key, value in expected.items():
            assert_shape(actual[key], value, f"{path}.{key}", free_keys)
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{path}: {actual!r} is not a list"
        if expected:
            assert actual, f"{path}: empty list where the real output has items"
            for i, item in enumerate(actual):
                assert_shape(item, expected[0], f"{path}[{i}]", free_keys)
        else:
            assert actual == [], f"{path}: {actual!r} where the real output has []"
    elif expected is None:
        assert actual is None, f"{path}: {actual!r} where the real output has null"
    else:
        assert type(actual) is type(expected), (
            f"{path}: {type(actual).__name__} {actual!r} where the real output has "
            f"{type(expected).__name__} {expected!r}"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class CountingProxy:
    """A loopback port that counts the connections dmg opens to it (one per attempt of a
    request) and relays each one request and its reply to `target`, or closes it unanswered
    when nothing listens there. `control(tmp)` writes a dmg control file naming it."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> CountingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._listener.close()
        self._thread.join(timeout=5)

    def control(self, tmp: Path) -> Path:
        path = tmp / f"daos_control_{self.port}.yml"
        config = {"name": "daos_server", "hostlist": ["127.0.0.1"], "port": self.port,
                  "transport_config": {"allow_insecure": True}}  # fmt: skip
        path.write_text(yaml.safe_dump(config))
        return path

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed: the proxy is done
                return
            self.connections += 1
            with (
                client,
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.target), timeout=30) as server,
            ):
                server.sendall(client.makefile("rb").readline())
                client.sendall(server.makefile("rb").readline())


@dataclass
class Result:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.splitlines()


def base_env(tmp: Path, version: str = "2.6.5") -> dict[str, str]:
    thp = tmp / "thp_never"
    thp.write_text("always madvise [never]\n")
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(PACKAGE_PARENT), str(REPO_ROOT), env.get("PYTHONPATH")])
            ),
            "DAOS_SIM_VERSION": version,
            "DAOS_SIM_JOIN_DELAY": "0.2",
            "DAOS_SIM_THP_FILE": str(thp),
            "DAOS_SIM_HUGEPAGE_DIR": str(tmp / "hugepages"),
            "DAOS_AGENT_DRPC_DIR": str(tmp / "agent"),
        }
    )
    for key in ("DAOS_SIM_CPU_COUNT", "DAOS_SIM_REQUEST_TIMEOUT"):
        env.pop(key, None)
    return env


def run(program: str, *args: str, env: dict[str, str], timeout: float = 60) -> Result:
    argv = [sys.executable, "-m", PACKAGE, program, *args]
    start = time.monotonic()
    proc = subprocess.run(
        argv, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout
    )
    return Result(argv, proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)


class SimSystem:
    """One sim DAOS system (server, optionally agent) in a temporary directory."""

    def __init__(
        self,
        tmp: Path,
        *,
        scm_size: int = 1,
        bdev_size: int = 2,
        nr_hugepages: int = 4,
        engine_env: list[str] | None = None,
        server_overrides: dict[str, Any] | None = None,
        version: str = "2.6.5",
        data: Path = DATA,
        engines: int = 1,
    ) -> None:
        self.tmp = tmp
        self.version = version
        self.port = free_port()
        self.scm = tmp / "scm"
        self.bdev = tmp / "daos-bdev"
        self.hugepages = tmp / "hugepages"
        self.hugepages.mkdir()
        self.logs = tmp / "logs"
        self.logs.mkdir()
        self.server_log = self.logs / "daos_server.log"
        self.engine_log = self.logs / "daos_engine.0.log"
        self.agent_dir = tmp / "agent"
        # socket_dir and runtime_dir: made by the deployment, as DAOS does not make them
        self.socket_dir = tmp / "sockets"
        self.socket_dir.mkdir()
        self.agent_dir.mkdir()
        self.env = base_env(tmp, version)
        self.procs: list[subprocess.Popen[bytes]] = []
        self.server: subprocess.Popen[bytes] | None = None
        self.agent: subprocess.Popen[bytes] | None = None

        server = yaml.safe_load((data / "daos_server.yml").read_text())
        server.update(
            port=self.port,
            socket_dir=str(self.socket_dir),
            control_log_file=str(self.server_log),
            nr_hugepages=nr_hugepages,
            helper_log_file=str(self.logs / "daos_server_helper.log"),
        )
        engine = server["engines"][0]
        engine["log_file"] = str(self.engine_log)
        engine["env_vars"] = ["DAOS_TARGET_OVERSUBSCRIBE=1"] if engine_env is None else engine_env
        if not engine["env_vars"]:
            del engine["env_vars"]
        if "storage" in engine:
            engine["storage"][0].update(scm_mount=str(self.scm), scm_size=scm_size)
            engine["storage"][1].update(bdev_list=[str(self.bdev)], bdev_size=bdev_size)
        else:  # the flat storage keys of 2.0
            engine.update(scm_mount=str(self.scm), scm_size=scm_size)
            engine.update(bdev_list=[str(self.bdev)], bdev_size=bdev_size)
        for index in range(1, engines):  # each its own port, log, SCM and bdev file
            more = copy.deepcopy(engine)
            more.update(fabric_iface_port=engine["fabric_iface_port"] + 100 * index,
                        log_file=str(self.logs / f"daos_engine.{index}.log"))  # fmt: skip
            if "storage" in more:
                more["storage"][0]["scm_mount"] = f"{self.scm}{index}"
                more["storage"][1]["bdev_list"] = [f"{self.bdev}{index}"]
            else:
                more.update(scm_mount=f"{self.scm}{index}", bdev_list=[f"{self.bdev}{index}"])
            server["engines"].append(more)
        self.scm_mounts = [
            Path(e["storage"][0]["scm_mount"] if "storage" in e else e["scm_mount"])
            for e in server["engines"]
        ]
        server.update(server_overrides or {})
        self.server_config = tmp / "daos_server.yml"
        self.server_config.write_text(yaml.safe_dump(server, sort_keys=False))

        control = yaml.safe_load((data / "daos_control.yml").read_text())
        control["port"] = self.port
        self.control_config = tmp / "daos_control.yml"
        self.control_config.write_text(yaml.safe_dump(control, sort_keys=False))

        agent = yaml.safe_load((data / "daos_agent.yml").read_text())
        agent.update(
            port=self.port,
            runtime_dir=str(self.agent_dir),
            log_file=str(self.logs / "daos_agent.log"),
        )
        self.agent_config = tmp / "daos_agent.yml"
        self.agent_config.write_text(yaml.safe_dump(agent, sort_keys=False))

    # --- processes ------------------------------------------------------------------------

    def spawn(
        self, program: str, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        with open(self.logs / f"{program}.out", "ab") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", PACKAGE, program, *args],
                env=env or self.env,
                cwd=REPO_ROOT,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        self.procs.append(proc)
        return proc

    def start_server(self, wait_for_line: str | None = "listening on") -> subprocess.Popen[bytes]:
        """Start daos_server; wait until its control log (from this start on) has the line."""
        offset = len(self.log_text())
        self.server = self.spawn("daos_server", "start", "-o", str(self.server_config))
        if wait_for_line:
            self.wait_log(wait_for_line, offset=offset)
        return self.server

    def stop_server(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        assert self.server is not None
        self.server.send_signal(sig)
        code = self.server.wait(timeout)
        self.server = None
        return code

    def start_agent(self) -> subprocess.Popen[bytes]:
        self.agent = self.spawn("daos_agent", "-o", str(self.agent_config))
        wait_for(lambda: (self.agent_dir / "daos_agent.sock").exists(), what="agent socket")
        return self.agent

    def log_text(self) -> str:
        return self.server_log.read_text() if self.server_log.exists() else ""

    def wait_log(self, needle: str, timeout: float = 15, offset: int = 0) -> str:
        """The control log once `needle` appears in it after `offset` characters."""

        def found() -> str | None:
            if self.server is not None and self.server.poll() is not None:
                out = (self.logs / "daos_server.out").read_text()
                raise AssertionError(f"daos_server exited {self.server.returncode}: {out}")
            text = self.log_text()
            return text if needle in text[offset:] else None

        return str(wait_for(found, timeout, f"{needle!r} in the control log"))

    def engine_pid(self) -> int:
        version = re.escape(self.version)
        pattern = rf"DAOS I/O Engine \(v{version}\) process (\d+) started on rank 0"
        matches = re.findall(pattern, self.wait_log("started on rank 0"))
        return int(matches[-1])

    # --- commands -------------------------------------------------------------------------

    def dmg(self, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Result:
        return run(
            "dmg", "-o", str(self.control_config), *args, env=env or self.env, timeout=timeout
        )

    def daos(self, *args: str, env: dict[str, str] | None = None) -> Result:
        return run("daos", *args, env=env or self.env)

    def format(self) -> Result:
        result = self.dmg("-j", "storage", "format")
        assert result.returncode == 0, result.stderr
        return result

    def wait_joined(self, timeout: float = 20) -> dict[str, Any]:
        def joined() -> dict[str, Any] | None:
            result = self.dmg("-j", "system", "query")
            members = result.json["response"]["members"] if result.returncode == 0 else None
            if members and {member["state"] for member in members} == {"joined"}:
                return dict(result.json)
            return None

        return dict(wait_for(joined, timeout, "rank 0 joined"))

    def up(self) -> SimSystem:
        """Started, formatted, rank 0 joined."""
        self.start_server("SCM format required on instance 0")
        self.format()
        self.wait_joined()
        return self

    def dfuse(self, *args: str, env: dict[str, str] | None = None) -> Result:
        return run("dfuse", *args, env=env or self.env)

    def fuse_mounts(self) -> list[str]:
        """Mount points of dfuse (type fuse.daos) under this system's directory."""
        found = []
        for line in Path("/proc/self/mounts").read_text().splitlines():
            fields = line.split()
            if len(fields) > 2 and fields[2] == "fuse.daos":
                point = fields[1].replace("\\040", " ")
                if point.startswith(str(self.tmp) + "/"):
                    found.append(point)
        return found

    def unmount_all(self) -> None:
        for point in self.fuse_mounts():  # dfuse exits once its mount is gone
            if subprocess.run(["fusermount3", "-u", point], capture_output=True).returncode:
                subprocess.run(["fusermount3", "-uz", point], capture_output=True)

    def running(self) -> Iterator[SimSystem]:
        """Up (formatted, joined) with its agent for the caller's block; cleaned up after.
        A generator for session fixtures: `yield from system.running()` (tests marked root)."""
        try:
            self.up()
            self.start_agent()
            yield self
        finally:
            self.cleanup()

    def cleanup(self) -> None:
        self.unmount_all()
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
        # an engine whose daos_server was SIGKILLed leaves within 0.1 s; wait for it
        for scm in self.scm_mounts:
            deadline = time.monotonic() + 5
            while os.path.ismount(scm) and time.monotonic() < deadline:
                if subprocess.run(["umount", str(scm)], capture_output=True).returncode == 0:
                    break
                time.sleep(0.1)
            if os.path.ismount(scm):
                subprocess.run(["umount", "-l", str(scm)], capture_output=True)
        # the bdev files are real allocations of bdev_size GiB: give the disk back at once
        for bdev in self.tmp.glob(f"{self.bdev.name}*"):
            bdev.unlink(missing_ok=True)
