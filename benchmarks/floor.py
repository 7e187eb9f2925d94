"""The floor: the least Docker and DAOS work that gives the plugin's result, through the
Docker SDK's low-level API, on the same images and configuration files.

Hugepages reserved as the plugin reserves them, three containers created and started
(configuration files bound in, no copy), then the fewest `exec` round trips: `dmg storage
scan` until it answers, `dmg storage format`, `dmg system query` until every rank is joined
(polled every POLL seconds, a DAOS answer read from the JSON `status`, two API calls each);
a pool and a container. Then samples of the per-test floor: `exec true` (with its exit
status: three API calls, as any caller needs) and `daos container create` + `destroy`.
Everything is removed at the end.

    python -m benchmarks.floor SPEC.json [ROUND_TRIPS]   # prints the timings as JSON
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from .capture import CONFIG_FILES, ENTRYPOINT, ClusterSpec, NodeRun
from .host import BENCH_PREFIX, docker_client, reserve_hugepages

T = TypeVar("T")

POLL = 0.05
TIMEOUT = 300
PREFIX = BENCH_PREFIX + "floor"


class FloorError(RuntimeError):
    """A step of the floor failed."""


def _host_config(api: Any, spec: ClusterSpec, node: NodeRun) -> dict[str, Any]:
    files = Path(spec.files)
    name = CONFIG_FILES[node.role]
    binds = [f"{files / name}:{spec.config_dir}/{name}:ro"]
    devices = []
    if node.role == "server":
        binds.append("/dev/hugepages:/dev/hugepages:rw")
    if node.role == "client" and Path("/dev/fuse").exists():
        devices.append("/dev/fuse:/dev/fuse:rwm")
    options: dict[str, Any] = {
        "network_mode": "host",
        "extra_hosts": {
            hostname: spec.ip for hostname in ("daos-server", "daos-admin", "daos-client")
        },
        "tmpfs": {"/run": ""},
        "init": True,
        "binds": binds,
        "devices": devices,
    }
    if spec.privileged:
        options["privileged"] = True
    else:
        options.update(
            cap_add=["ALL"],
            cap_drop=list(spec.cap_drop),
            security_opt=["seccomp=unconfined", "apparmor=unconfined"],
        )
    config: dict[str, Any] = api.create_host_config(**options)
    if not spec.privileged:
        config.update(MaskedPaths=[], ReadonlyPaths=[])  # systempaths=unconfined
    return config


class Floor:
    """One floor run on a Docker client."""

    def __init__(self, spec: ClusterSpec) -> None:
        self.spec = spec
        self.api = docker_client().api
        self.ids: dict[str, str] = {}
        self.steps: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        yield
        self.steps[name] = time.monotonic() - started

    def start(self, node: NodeRun) -> None:
        created = self.api.create_container(
            node.image,
            command=list(node.command),
            entrypoint=list(ENTRYPOINT),
            hostname=node.hostname,
            environment=node.environment,
            name=f"{PREFIX}-{node.role}",
            host_config=_host_config(self.api, self.spec, node),
            detach=True,
        )
        self.ids[node.role] = created["Id"]
        self.api.start(created["Id"])

    def daos_json(self, role: str, argv: list[str]) -> dict[str, Any] | None:
        """The JSON a `-j` DAOS command printed (None when it printed none)."""
        exec_id = self.api.exec_create(self.ids[role], argv)["Id"]
        stdout, _ = self.api.exec_start(exec_id, demux=True)
        try:
            answer = json.loads(stdout or b"")
        except ValueError:
            return None
        return answer if isinstance(answer, dict) else None

    def ok(self, role: str, argv: list[str]) -> dict[str, Any]:
        answer = self.daos_json(role, argv)
        if answer is None or answer.get("status") != 0:
            raise FloorError(f"{' '.join(argv)}: {answer}")
        response: dict[str, Any] = answer.get("response") or {}
        return response

    def until(self, what: str, probe: Callable[[], bool]) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not probe():
            if time.monotonic() > deadline:
                raise FloorError(f"{what}: not within {TIMEOUT}s")
            time.sleep(POLL)

    def scanned(self) -> bool:
        answer = self.daos_json("admin", self.spec.dmg("storage", "scan"))
        return answer is not None and answer.get("status") == 0

    def joined(self) -> bool:
        answer = self.daos_json("admin", self.spec.dmg("system", "query"))
        members = ((answer or {}).get("response") or {}).get("members") or []
        return bool(members) and all(member.get("state") == "joined" for member in members)

    def exec_true(self) -> None:
        exec_id = self.api.exec_create(self.ids["client"], ["true"])["Id"]
        self.api.exec_start(exec_id)
        if self.api.exec_inspect(exec_id)["ExitCode"] != 0:
            raise FloorError("`true` failed in the client node")

    def round_trip(self, pool: str) -> tuple[float, float]:
        """The seconds of one `daos container create` and of its `destroy`."""
        daos = ["daos", "-j", "container"]
        made, create = _timed(lambda: self.ok("client", [*daos, "create", pool, "--type=POSIX"]))
        uuid = made["container_uuid"]
        _, destroy = _timed(lambda: self.ok("client", [*daos, "destroy", pool, uuid, "--force"]))
        return create, destroy

    def remove(self) -> None:
        """Remove every node (each tried; the first failure raised after)."""
        failure: Exception | None = None
        for container_id in reversed(list(self.ids.values())):
            try:
                self.api.remove_container(container_id, force=True, v=True)
            except Exception as exc:
                failure = failure or exc
        self.ids.clear()
        if failure is not None:
            raise failure


def run(spec: ClusterSpec, round_trips: int) -> dict[str, Any]:
    """The floor's timings: steps, totals and the per-test round-trip samples."""
    floor = Floor(spec)
    result: dict[str, Any] = {"steps": floor.steps}
    create = ["daos", "-j", "container", "create"]
    started = time.monotonic()
    with floor.step("hugepages"):
        hugepages = reserve_hugepages(spec.hugepages)
    try:
        for node in spec.nodes:
            with floor.step(f"start {node.role}"):
                floor.start(node)
        with floor.step("storage scan"):
            floor.until("storage scan", floor.scanned)
        with floor.step("storage format"):
            floor.ok("admin", spec.dmg("storage", "format"))
        with floor.step("wait joined"):
            floor.until("joined", floor.joined)
        result["to_joined_s"] = time.monotonic() - started
        with floor.step("pool create"):
            size = f"--size={spec.pool_size}"
            pool = floor.ok("admin", spec.dmg("pool", "create", size, "bench_floor_pool"))["uuid"]
        with floor.step("container create"):
            floor.ok("client", [*create, pool, "--type=POSIX"])
        result["to_container_s"] = time.monotonic() - started
        result["exec_true_s"] = [_timed(floor.exec_true)[1] for _ in range(round_trips)]
        samples = [floor.round_trip(pool) for _ in range(round_trips)]
        result["container_create_s"] = [sample[0] for sample in samples]
        result["container_destroy_s"] = [sample[1] for sample in samples]
    finally:
        try:
            result["remove_s"] = _timed(floor.remove)[1]
        finally:
            hugepages.give_back()
    return result


def _timed(action: Callable[[], T]) -> tuple[T, float]:
    started = time.monotonic()
    value = action()
    return value, time.monotonic() - started


def main(argv: list[str]) -> int:
    spec = ClusterSpec.load(Path(argv[0]))
    print(json.dumps(run(spec, int(argv[1]) if len(argv) > 1 else 10), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
