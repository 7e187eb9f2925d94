"""Start and stop the nodes of a recipe on Docker, wait until DAOS is ready, read node logs.

Start is split into phases, each polled against one deadline: nodes, control plane, format,
join. A failure names its phase and carries `dmg system query` and the node logs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..client import envelope
from ..client.dmg import Dmg, Member, all_joined
from ..client.transport import DockerExec, put_files
from .host import Interface
from .labels import KEEP_LABEL, ROLE_LABEL, SESSION_LABEL, Owner
from .recipes import DIRS_ENV, HOSTNAMES, NodeSpec, Recipe

POLL_INTERVAL = 0.25
STOP_GRACE = 5
#: `--security-opt systempaths=unconfined` is a docker CLI option: the API form is empty
#: MaskedPaths and ReadonlyPaths (no /proc or /sys paths hidden or read-only).
UNCONFINED = ("seccomp=unconfined", "apparmor=unconfined")
UNCONFINED_PATHS: dict[str, list[str]] = {"MaskedPaths": [], "ReadonlyPaths": []}
LOG_TAIL = 40

Progress = Callable[[str], None]


class StartError(RuntimeError):
    """The cluster did not come up; names the phase, what was seen, and the node logs."""

    def __init__(self, phase: str, message: str, diagnostics: str = "") -> None:
        self.phase = phase
        super().__init__(
            f"DAOS cluster start failed in phase '{phase}': {message}"
            + (f"\n{diagnostics}" if diagnostics else "")
        )


class ClusterConflict(RuntimeError):
    """Another live session's cluster holds this host."""


class Deadline:
    """One time budget shared by the phases of a start."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def expired(self) -> bool:
        return self.remaining() <= 0

    def call_timeout(self, cap: float) -> float:
        """A time limit for one call: at most `cap`, never past the deadline (at least 1 s)."""
        return max(1.0, min(cap, self.remaining()))


@dataclass(frozen=True)
class ClusterPlan:
    """Everything needed to run the nodes: recipe, image tags, address, files, owner."""

    recipe: Recipe
    image_tags: Mapping[str, str]
    iface: Interface
    config_files: Mapping[str, str]
    owner: Owner
    privileged: str = "auto"  # "yes", "no" or "auto"
    missing_caps: tuple[str, ...] = ()
    log_files: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    extra_labels: Mapping[str, str] = field(default_factory=dict)
    absent_devices: frozenset[str] = frozenset()  # left out: this host has no such device
    #: role -> folders its daemon needs (socket_dir, runtime_dir): made before it starts
    node_dirs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def dmg_config(self) -> str:
        """The control configuration file in the admin node, passed to every `dmg`."""
        return self.recipe.config_path("daos_control.yml")


def container_name(owner: Owner, role: str) -> str:
    return f"pytest-daos-{owner.session}-{role}"


@dataclass(frozen=True)
class NodeRun:
    """How one node is created: `create_container` arguments, host config arguments, and
    raw HostConfig fields the SDK has no argument for."""

    create: dict[str, Any]
    host: dict[str, Any]
    raw_host: dict[str, Any]


def run_options(plan: ClusterPlan, node: NodeSpec, privileged: bool) -> NodeRun:
    """How to create one node (the DAOS docker quick start: host network, the three host
    names, /run on tmpfs, the host's hugetlbfs on the server)."""
    create: dict[str, Any] = {
        "image": plan.image_tags[node.image],
        "name": container_name(plan.owner, node.role),
        "hostname": node.hostname,
        "labels": {**plan.owner.labels(), **plan.extra_labels, ROLE_LABEL: node.role},
        "environment": {**node.environment, DIRS_ENV: " ".join(plan.node_dirs.get(node.role, ()))},
        "entrypoint": list(node.entrypoint),
        "command": list(node.command),
        # the images' own STOPSIGNAL (systemd's SIGRTMIN+3 in the upstream ones) stops no
        # DAOS daemon: they stop on SIGTERM
        "stop_signal": "SIGTERM",
        "detach": True,
    }
    host: dict[str, Any] = {
        "network_mode": "host",
        "extra_hosts": {hostname: plan.iface.ip for hostname in HOSTNAMES.values()},
        "tmpfs": {"/run": ""},
        "init": True,
        "binds": [
            f"{mount.source}:{mount.target}:{'ro' if mount.read_only else 'rw'}"
            for mount in node.mounts
        ],
        "devices": [
            f"{device}:{device}:rwm" for device in node.devices if device not in plan.absent_devices
        ],
    }
    raw_host: dict[str, Any] = {}
    if privileged:
        host["privileged"] = True
    else:
        host["cap_add"] = ["ALL"]
        if plan.missing_caps:
            host["cap_drop"] = list(plan.missing_caps)
        host["security_opt"] = list(UNCONFINED)
        raw_host.update(UNCONFINED_PATHS)
    return NodeRun(create, host, raw_host)


def is_caps_refusal(error: Exception) -> bool:
    """Docker refused a privileged container because capabilities are missing."""
    return "unable to apply caps" in str(error)


def reap_orphans(client: Any) -> list[str]:
    """Remove the containers of sessions whose owner is gone; return their names.

    Kept containers (`pytest-daos up`, --daos-keep) are left alone. Raises ClusterConflict
    when a live session's cluster holds the host (one DAOS cluster per Docker host: the
    nodes use the host network and its ports).
    """
    removed = []
    for container in client.containers.list(all=True, filters={"label": SESSION_LABEL}):
        if container.labels.get(KEEP_LABEL) == "true":
            raise ClusterConflict(
                f"a kept DAOS cluster ({container.name}) holds this host: reuse it with "
                "--daos-reuse or remove it with `pytest-daos down`"
            )
        owner = Owner.from_labels(container.labels)
        if owner.is_alive():
            raise ClusterConflict(
                f"a DAOS cluster of another pytest-daos session ({owner.session}, pid "
                f"{owner.pid}) is running on this host, and only one fits (host network). "
                "Wait for it to end, or remove it: docker rm -f $(docker ps -aq --filter "
                f"label={SESSION_LABEL}={owner.session})"
            )
        container.remove(force=True, v=True)
        removed.append(str(container.name))
    return removed


def reap_kept(client: Any) -> list[str]:
    """Remove kept containers that no state file records (`pytest-daos down`)."""
    removed = []
    for container in client.containers.list(all=True, filters={"label": f"{KEEP_LABEL}=true"}):
        container.remove(force=True, v=True)
        removed.append(str(container.name))
    return removed


class DockerCluster:
    """The nodes of one cluster as Docker containers."""

    def __init__(
        self,
        client: Any,
        daos_version: str,
        log_files: Mapping[str, tuple[str, ...]],
        dmg_config: str | None,
        plan: ClusterPlan | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.client = client
        self.daos_version = daos_version
        self.log_files = dict(log_files)
        self.dmg_config = dmg_config
        self._plan = plan
        self.progress = progress or (lambda message: None)
        self.containers: dict[str, Any] = {}
        self.privileged_mode: str | None = None  # how the nodes run, once started

    @classmethod
    def planned(
        cls, client: Any, plan: ClusterPlan, progress: Progress | None = None
    ) -> DockerCluster:
        """A cluster to start from a plan."""
        return cls(
            client, plan.recipe.daos_version, plan.log_files, plan.dmg_config, plan, progress
        )

    @property
    def plan(self) -> ClusterPlan:
        if self._plan is None:
            raise RuntimeError("this cluster was attached, not planned: it cannot start nodes")
        return self._plan

    @classmethod
    def attach(
        cls,
        client: Any,
        names: Mapping[str, str],
        daos_version: str,
        log_files: Mapping[str, tuple[str, ...]],
        dmg_config: str | None,
    ) -> DockerCluster:
        """The running nodes of a cluster another process started, by container name.

        Raises StartError when a node is gone or not running.
        """
        import docker.errors

        cluster = cls(client, daos_version, log_files, dmg_config)
        for role, name in names.items():
            try:
                container = client.containers.get(name)
            except docker.errors.NotFound:
                raise StartError("attach", f"the {role} node {name} is gone") from None
            if container.status != "running":
                raise StartError("attach", f"the {role} node {name} is {container.status}")
            cluster.containers[role] = container
        return cluster

    def transport(self, role: str) -> DockerExec:
        return DockerExec(self.containers[role])

    def dmg(self) -> Dmg:
        return Dmg(self.transport("admin"), self.daos_version, config=self.dmg_config)

    # -- start ---------------------------------------------------------------------------

    def start_nodes(self) -> None:
        """Create and start every node, falling back from --privileged where refused."""
        import docker.errors

        privileged = self.plan.privileged != "no"
        for node in self.plan.recipe.nodes:
            try:
                try:
                    self.containers[node.role] = self._start_node(node, privileged)
                except docker.errors.APIError as exc:
                    auto = privileged and self.plan.privileged == "auto"
                    if not (auto and is_caps_refusal(exc)):
                        raise
                    self.progress(
                        "Docker refused --privileged (unable to apply caps): running the nodes "
                        "with explicit capabilities and unconfined seccomp/apparmor/systempaths"
                    )
                    privileged = False
                    self.containers[node.role] = self._start_node(node, privileged)
            except docker.errors.DockerException as exc:
                explanation = getattr(exc, "explanation", None) or str(exc)
                raise StartError(
                    "nodes", f"Docker could not start the {node.role} node: {explanation}"
                ) from None
        self.privileged_mode = (
            "--privileged" if privileged else "with explicit capabilities, unconfined profiles"
        )

    def _start_node(self, node: NodeSpec, privileged: bool) -> Any:
        run = run_options(self.plan, node, privileged)
        host_config = self.client.api.create_host_config(**run.host)
        host_config.update(run.raw_host)
        created = self.client.api.create_container(**run.create, host_config=host_config)
        container = self.client.containers.get(created["Id"])
        try:
            files = {name: self.plan.config_files[name] for name in node.config_files}
            if files:
                put_files(container, self.plan.recipe.config_dir, files)
            container.start()
        except Exception:
            container.remove(force=True, v=True)
            raise
        return container

    def wait_ready(self, deadline: Deadline) -> list[Member]:
        """Control plane up, storage formatted (only when needed), every rank joined."""
        dmg = self.dmg()
        self._wait_control_plane(dmg, deadline)
        self._format_if_needed(dmg, deadline)
        return self._wait_joined(dmg, deadline)

    def _wait_control_plane(self, dmg: Dmg, deadline: Deadline) -> None:
        last: Exception | None = None
        while True:
            self._check_running("control plane")
            try:
                dmg.storage_scan(timeout=deadline.call_timeout(20))
                return
            except (envelope.DaosError, envelope.ProtocolError) as exc:
                self._stop_if_permanent("control plane", exc)
                last = exc
            if deadline.expired():
                raise StartError(
                    "control plane",
                    f"`dmg storage scan` did not succeed within {deadline.seconds:.0f}s; "
                    f"last answer: {last}",
                    self.diagnostics(),
                )
            time.sleep(POLL_INTERVAL)

    def _format_if_needed(self, dmg: Dmg, deadline: Deadline) -> None:
        """Format only an uninitialized system: format is not idempotent (CONTRACT.md §2.3)."""
        try:
            dmg.system_query(timeout=deadline.call_timeout(30))
            return  # members exist: formatted already
        except envelope.DaosError as exc:
            self._stop_if_permanent("format", exc)
            if envelope.UNINITIALIZED not in exc.message:
                return  # not ready yet; the join phase keeps polling
        except envelope.ProtocolError as exc:
            self._stop_if_permanent("format", exc)
            return
        self.progress("formatting storage (dmg storage format)")
        try:
            dmg.storage_format(timeout=deadline.call_timeout(120))
        except envelope.DaosError as exc:
            if envelope.RUNNING_SYSTEM not in exc.message:
                raise StartError("format", str(exc), self.diagnostics()) from None
        except envelope.ProtocolError as exc:
            raise StartError("format", str(exc), self.diagnostics()) from None

    def _wait_joined(self, dmg: Dmg, deadline: Deadline) -> list[Member]:
        last: object = "no answer yet"
        while True:
            self._check_running("join")
            try:
                members = dmg.system_query(timeout=deadline.call_timeout(30))
                if all_joined(members):
                    return members
                last = ", ".join(f"rank {m.rank} {m.state}" for m in members) or "no members"
            except (envelope.DaosError, envelope.ProtocolError) as exc:
                self._stop_if_permanent("join", exc)
                last = exc
            if deadline.expired():
                raise StartError(
                    "join",
                    f"the ranks did not all join within {deadline.seconds:.0f}s; last "
                    f"`dmg system query`: {last}",
                    self.diagnostics(),
                )
            time.sleep(POLL_INTERVAL)

    def _stop_if_permanent(self, phase: str, error: Exception) -> None:
        """End the start at once on an answer that waiting cannot change."""
        why = envelope.permanent(error)
        if why is not None:
            raise StartError(
                phase, f"{why}; waiting cannot change this answer:\n{error}", self.diagnostics()
            )

    def _check_running(self, phase: str) -> None:
        for role, container in self.containers.items():
            container.reload()
            if container.status in ("exited", "dead"):
                code = container.attrs.get("State", {}).get("ExitCode")
                raise StartError(
                    phase, f"the {role} node exited (status {code})", self.diagnostics()
                )

    # -- logs and diagnostics -------------------------------------------------------------

    def logs(self, role: str, lines: int = LOG_TAIL) -> dict[str, str]:
        """Tail of a node's output and of its DAOS log files, by source name."""
        container = self.containers[role]
        tails = {"output": container.logs(tail=lines).decode(errors="replace")}
        for path in self.log_files.get(role, ()):
            if container.status != "running":
                break
            result = DockerExec(container).run(["tail", "-n", str(lines), path], timeout=10)
            if result.exit_code == 0:
                tails[path] = result.stdout
        return tails

    def diagnostics(self) -> str:
        parts = []
        if "admin" in self.containers:
            try:
                argv = ["dmg", *(["-o", self.dmg_config] if self.dmg_config else [])]
                result = self.transport("admin").run([*argv, "system", "query", "-v"], timeout=5)
                parts.append(result.describe())
            except Exception as exc:  # diagnostics must not hide the original error
                parts.append(f"(dmg system query could not run: {exc})")
        for role in self.containers:
            try:
                for source, text in self.logs(role).items():
                    if text.strip():
                        parts.append(f"--- {role} {source} (last lines) ---\n{text.rstrip()}")
            except Exception as exc:
                parts.append(f"(logs of {role} unavailable: {exc})")
        return "\n".join(parts)

    # -- stop -----------------------------------------------------------------------------

    def remove(self) -> list[str]:
        """Stop and remove every node, each step on its own; returns the problems met."""
        problems = []
        for role, container in reversed(list(self.containers.items())):
            try:
                container.stop(timeout=STOP_GRACE)
            except Exception as exc:
                problems.append(f"stop {role}: {exc}")
            try:
                container.remove(force=True, v=True)
            except Exception as exc:
                if "No such container" not in str(exc):
                    problems.append(f"remove {role}: {exc}")
        self.containers.clear()
        return problems
