"""Start and stop the nodes of a recipe on Docker, wait until DAOS is ready, read node logs.

Start is split into phases, each polled against one deadline: nodes, control plane, format,
join. A failure names its phase and carries `dmg system query` and the node logs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..client import envelope
from ..client.dmg import Dmg, Member, all_joined, joined_text
from ..client.transport import DockerExec, put_files
from ..errors import PytestDaosError
from ..waiting import Deadline, NotYet, WaitTimeout, poll
from .containers import labelled, stop_and_remove
from .labels import SESSION_LABEL
from .node_options import ClusterPlan, is_caps_refusal, run_options
from .recipes import NodeSpec

LOG_TAIL = 40
#: The longest pause between two `dmg` polls of a start (each poll takes 0.1 to 0.3 s).
POLL_INTERVAL = 0.2

Progress = Callable[[str], None]


class StartError(PytestDaosError, RuntimeError):
    """The cluster did not come up; names the phase, what was seen, and the node logs."""

    def __init__(self, phase: str, message: str, diagnostics: str = "") -> None:
        self.phase = phase
        super().__init__(
            f"DAOS cluster start failed in phase '{phase}': {message}"
            + (f"\n{diagnostics}" if diagnostics else "")
        )


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
        """The running nodes of a cluster another process started, by container name
        (StartError when a node is gone or not running)."""
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
        """Create and start every node at once when the mode is known beforehand (--privileged
        asked for or refused by the settings, or a runtime that lacks capabilities it would
        grant); else the first alone, falling back from --privileged where Docker refuses
        it, then the others at once in the mode that worked."""
        nodes = self.plan.recipe.nodes
        if self.plan.privileged == "auto" and not self.plan.missing_caps:
            first, *others = nodes
            privileged = self._start_first(first)
        else:
            others, privileged = list(nodes), self.plan.privileged == "yes"
        with ThreadPoolExecutor(max(1, len(others))) as pool:
            started = {node.role: pool.submit(self._start_or_explain, node, privileged)
                       for node in others}  # fmt: skip
        failure: StartError | None = None
        for role, future in started.items():  # every started node is kept, to be removed
            try:
                self.containers[role] = future.result()
            except StartError as exc:
                failure = failure or exc
        if failure is not None:
            raise failure
        self.privileged_mode = (
            "--privileged" if privileged else "with explicit capabilities, unconfined profiles"
        )

    def _start_first(self, node: NodeSpec) -> bool:
        """Start `node`; whether the nodes run privileged (False after a refusal)."""
        import docker.errors

        privileged = self.plan.privileged != "no"
        try:
            self.containers[node.role] = self._start_node(node, privileged)
            return privileged
        except docker.errors.APIError as exc:
            if not (privileged and self.plan.privileged == "auto" and is_caps_refusal(exc)):
                raise _explained(node, exc) from None
        except docker.errors.DockerException as exc:
            raise _explained(node, exc) from None
        self.progress(
            "Docker refused --privileged (unable to apply caps): running the nodes "
            "with explicit capabilities and unconfined seccomp/apparmor/systempaths"
        )
        self.containers[node.role] = self._start_or_explain(node, False)
        return False

    def _start_or_explain(self, node: NodeSpec, privileged: bool) -> Any:
        import docker.errors

        try:
            return self._start_node(node, privileged)
        except docker.errors.DockerException as exc:
            raise _explained(node, exc) from None

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

    def wait_ready(self, deadline: Deadline, ranks: int = 0) -> list[Member]:
        """Control plane up, storage formatted (only when needed), every rank (`ranks`) joined."""
        dmg = self.dmg()
        self._wait_control_plane(dmg, deadline)
        self._format_if_needed(dmg, deadline)
        return self._wait_joined(dmg, deadline, ranks)

    def wait_joined(self, deadline: Deadline, ranks: int = 0) -> list[Member]:
        """Every rank (`ranks` at least) joined, in a recorded cluster that had joined (one
        `dmg system query`)."""
        return self._wait_joined(self.dmg(), deadline, ranks)

    def _wait_control_plane(self, dmg: Dmg, deadline: Deadline) -> None:
        def probe() -> None:
            self._check_running("control plane")
            try:
                dmg.storage_scan(timeout=deadline.call_timeout(20))
            except (envelope.DaosError, envelope.ProtocolError) as exc:
                self._stop_if_permanent("control plane", exc)
                raise NotYet(exc) from None

        try:
            poll(probe, deadline, "the control plane to answer", POLL_INTERVAL, self.progress)
        except WaitTimeout as exc:
            raise StartError(
                "control plane",
                f"`dmg storage scan` did not succeed within {deadline.seconds:.0f}s; "
                f"last answer: {exc.last}",
                self.diagnostics(),
            ) from None

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

    def _wait_joined(self, dmg: Dmg, deadline: Deadline, ranks: int = 0) -> list[Member]:
        def probe() -> list[Member]:
            self._check_running("join")
            try:
                members = dmg.system_query(timeout=deadline.call_timeout(30))
            except (envelope.DaosError, envelope.ProtocolError) as exc:
                self._stop_if_permanent("join", exc)
                raise NotYet(exc) from None
            # the ranks register one by one: one that has not yet is in no answer
            if len(members) < ranks or not all_joined(members):
                raise NotYet(joined_text(members))
            return members

        what = f"{ranks} ranks to join" if ranks > 1 else "every rank to join"
        try:
            return poll(probe, deadline, what, POLL_INTERVAL, self.progress)
        except WaitTimeout as exc:
            raise StartError(
                "join",
                f"the ranks did not all join within {deadline.seconds:.0f}s; last "
                f"`dmg system query`: {exc.last}",
                self.diagnostics(),
            ) from None

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
        """Stop and remove every node, each on its own; returns the problems met. A planned
        cluster also removes the containers labelled with its session that it does not know
        yet (made by a start that was interrupted before it learnt of them)."""
        problems = []
        for role, container in reversed(list(self.containers.items())):
            problems += [f"{role} node: {problem}" for problem in stop_and_remove(container)]
        self.containers.clear()
        if self._plan is not None:
            label = f"{SESSION_LABEL}={self._plan.owner.session}"
            for container in labelled(self.client, label):
                problems += [f"{container.name}: {problem}"
                             for problem in stop_and_remove(container)]  # fmt: skip
        return problems


def _explained(node: NodeSpec, error: Exception) -> StartError:
    explanation = getattr(error, "explanation", None) or str(error)
    return StartError("nodes", f"Docker could not start the {node.role} node: {explanation}")
