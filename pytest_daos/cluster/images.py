"""Build a recipe's images in dependency order, cached by content key, one build per host.

An image's content key hashes its Dockerfile, what stands for its context, its build
arguments and its parent's image id. A small local context stands for itself (its bytes
are hashed); a remote git context by the commit its ref points to; a `TreeContext` (a DAOS
install tree of hundreds of MB) by a fingerprint of its files' metadata, so that deciding
that nothing changed takes well under a second. The key is stored as the image label
`org.pytest-daos.key`; an image whose tag already carries the key is not built again.
"""

from __future__ import annotations

import contextlib
import queue
import re
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import PytestDaosError
from ..waiting import Heartbeat, hold_lock
from .contexts import (
    DOCKERFILE,
    check_reachable,
    content_key,
    context_identity,
    require_local_base,
    unresolved,
    write_context,
)
from .engine_git import require_git
from .labels import KEY_LABEL, LABEL_PREFIX
from .recipes import ImageSpec, Recipe
from .statedir import open_log, secure_state_dir

_STEP_RE = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")
_FAILED_RUN_RE = re.compile(r"^The command '.*' returned a non-zero code: (\d+)$", re.DOTALL)
STEP_TEXT = 60
TAIL_LINES = 30
#: Seconds a build step (or a base image pull) runs before the build says it is alive, and
#: then between two such lines.
BUILD_HEARTBEAT = 10.0

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ImageResult:
    """One image of the recipe after `ensure`: its id, content key, and whether it was built."""

    name: str
    tag: str
    image_id: str
    key: str
    built: bool
    seconds: float


class BuildError(PytestDaosError, RuntimeError):
    """An image failed to build; the message names the image, the step and the log."""

    def __init__(self, spec: ImageSpec, step: str, tail: list[str], log: Path, why: str) -> None:
        lines = "\n".join(f"    {line}" for line in tail)
        super().__init__(
            f"building image {spec.name} ({spec.tag}) failed at {step or 'the start'}: {why}\n"
            f"  last {len(tail)} lines of the build:\n{lines}\n"
            f"  full log: {log}"
        )
        self.spec = spec
        self.step = step
        self.log = log


#: Seconds a build waits for another session's build of this host before it says who
#: builds (a cold build of the upstream images takes tens of minutes).
BUILD_LOCK_WAIT = 3600.0


class ImageBuilder:
    """Ensures that every image of a recipe exists with its current content key."""

    def __init__(
        self,
        client: Any,
        state_dir: Path,
        progress: Progress | None = None,
        heartbeat: float = BUILD_HEARTBEAT,
    ) -> None:
        self.client = client
        self.state_dir = state_dir
        self.progress = progress or (lambda message: None)
        self.heartbeat = heartbeat  # seconds of a silent step before it is said alive

    def ensure(self, recipe: Recipe, rebuild: bool = False) -> list[ImageResult]:
        """Build what is missing or stale (everything with `rebuild`), under a host-wide lock.

        Other sessions that need the same images wait on the lock and then find them built.
        """

        def on_wait(holder: str) -> None:
            self.progress(f"waiting for another pytest-daos build on this host ({holder})")

        with hold_lock(secure_state_dir(self.state_dir) / "build.lock", on_wait, BUILD_LOCK_WAIT):
            return self._ensure_locked(recipe, rebuild)

    def _ensure_locked(self, recipe: Recipe, rebuild: bool) -> list[ImageResult]:
        results: dict[str, ImageResult] = {}
        total = len(recipe.images)
        for index, spec in enumerate(recipe.images, start=1):
            started = time.monotonic()
            parent_id = results[spec.parent].image_id if spec.parent else None
            key = content_key(spec, context_identity(spec), parent_id)
            image_id = None if rebuild else self._cached(spec.tag, key)
            if image_id is None and not rebuild and unresolved(spec):
                image_id = self._cached(spec.tag, None)
                if image_id is not None:
                    self.progress(
                        f"warning: cannot learn the commit of {spec.remote}: using the cached "
                        f"image {spec.tag} as it is (it may be older than that ref)"
                    )
            built = image_id is None
            if image_id is None:
                self.progress(f"building image {index}/{total} {spec.tag}")
                image_id = self._build(spec, key, f"{index}/{total}")
            results[spec.name] = ImageResult(
                name=spec.name, tag=spec.tag, image_id=image_id, key=key, built=built,
                seconds=time.monotonic() - started,
            )  # fmt: skip
        return [results[spec.name] for spec in recipe.images]

    def current(self, recipe: Recipe) -> list[tuple[ImageSpec, str, str | None]]:
        """Each image of the recipe, the content key it should have, and the id of the image
        on this host that has it (None when missing or stale). Builds nothing."""
        found: dict[str, str | None] = {}
        rows = []
        for spec in recipe.images:
            parent_id = found.get(spec.parent) if spec.parent else None
            key = content_key(spec, context_identity(spec), parent_id)
            found[spec.name] = (
                None if spec.parent and parent_id is None else self._cached(spec.tag, key)
            )
            rows.append((spec, key, found[spec.name]))
        return rows

    def prune(self, recipes: list[Recipe], dry_run: bool = False) -> list[str]:
        """Remove the images pytest-daos built whose keys match none of `recipes`.

        Only images labelled with a content key are considered; every other image is left
        alone. Returns a line per image removed (or, with `dry_run`, to be removed).
        """
        import docker.errors

        parents = {
            image.id: image.attrs.get("ParentId") or None
            for image in self.client.images.list(all=True)
        }
        keep = set()
        for recipe in recipes:
            for _, _, image_id in self.current(recipe):
                while image_id:  # a kept image and the layers it is built on
                    keep.add(image_id)
                    image_id = parents.get(image_id)
        stale = [
            image
            for image in self.client.images.list(all=True, filters={"label": KEY_LABEL})
            if image.id not in keep
        ]
        lines = []
        # Newest first: children go before the images they were built on.
        for image in sorted(stale, key=lambda image: image.attrs.get("Created", 0), reverse=True):
            name = ", ".join(image.tags) or image.id.removeprefix("sha256:")[:12]
            if dry_run:
                lines.append(f"would remove {name}")
                continue
            try:
                self.client.images.remove(image.id)
                lines.append(f"removed {name}")
            except docker.errors.ImageNotFound:
                lines.append(f"removed {name} (with the image built on it)")
            except docker.errors.APIError as exc:
                lines.append(f"kept {name}: {exc.explanation or exc}")
        return lines

    def _cached(self, tag: str, key: str | None) -> str | None:
        """The image id when `tag` exists with content key `key` (with any key: None)."""
        import docker.errors

        try:
            image = self.client.images.get(tag)
        except docker.errors.ImageNotFound:
            return None
        labels = image.attrs.get("Config", {}).get("Labels") or {}
        return str(image.id) if key is None or labels.get(KEY_LABEL) == key else None

    def _build(self, spec: ImageSpec, key: str, counter: str) -> str:
        require_local_base(self.client, spec)  # Docker would try to pull a missing one
        log_path = secure_state_dir(self.state_dir / "logs") / f"build-{spec.name}.log"
        with contextlib.ExitStack() as stack:
            if spec.remote is not None:
                require_git()  # the Docker engine clones the context with its host's git
                check_reachable(spec)
                source: dict[str, Any] = {"path": spec.remote}
            else:
                self.progress(f"  image {counter} {spec.name}: sending the build context")
                # an unnamed file (O_TMPFILE), else a new random name opened with O_CREAT |
                # O_EXCL | O_NOFOLLOW and unlinked at once: never a file left there
                context = stack.enter_context(tempfile.TemporaryFile(dir=self.state_dir))
                write_context(spec, context)
                context.seek(0)
                source = {"fileobj": context, "custom_context": True, "dockerfile": DOCKERFILE}
            log = stack.enter_context(open_log(log_path))
            log.write(f"# pytest-daos build of {spec.tag}\n# key {key}\n")
            stream = self.client.api.build(
                **source,
                tag=spec.tag,
                buildargs=dict(spec.build_args),
                labels={KEY_LABEL: key, f"{LABEL_PREFIX}image": spec.name},
                rm=True,
                forcerm=True,
                pull=False,
                decode=True,
            )
            self._follow(spec, stream, log, log_path, counter)
        image = self.client.images.get(spec.tag)
        return str(image.id)

    def _follow(
        self, spec: ImageSpec, stream: Any, log: IO[str], log_path: Path, counter: str
    ) -> None:
        """Write the build's output to its log, show each step (and a base image pull), say
        that a step running longer than `heartbeat` seconds is alive, raise BuildError on
        error."""
        tail: deque[str] = deque(maxlen=TAIL_LINES)
        step = ""  # the step running, as shown ("step 3/7 (RUN make)")
        number = pulling = ""  # "step 3/7"; the image being pulled, if one is
        started = time.monotonic()
        alive = Heartbeat(self.progress, self.heartbeat)
        for chunk in _chunks(stream, tick=min(1.0, self.heartbeat)):
            pulled = _pulling(chunk)
            if pulled is not None and pulled != pulling:
                pulling = pulled
                if pulled:
                    self.progress(f"  image {counter} {spec.name}: pulling {pulled}")
            for line in _chunk_lines(chunk):
                log.write(line + "\n")
                tail.append(line)
                match = _STEP_RE.match(line)
                if match:
                    text = " ".join(match.group(3).split())
                    if len(text) > STEP_TEXT:
                        text = text[: STEP_TEXT - 3] + "..."
                    number, pulling = f"step {match.group(1)}/{match.group(2)}", ""
                    step = f"{number} ({text})"
                    self.progress(
                        f"  image {counter} {spec.name}: {step} [{time.monotonic() - started:.0f}s]"
                    )
                    alive.restart()
            if "error" in chunk or "errorDetail" in chunk:
                why = (chunk.get("errorDetail") or {}).get("message") or chunk.get("error")
                log.flush()
                raise BuildError(spec, step, list(tail), log_path, _explain(str(why), spec))
            pull = f", pulling {pulling}" if pulling else ""
            alive.beat(f"building {spec.name}: {number or 'before its first step'}{pull}")


def _chunks(stream: Any, tick: float) -> Iterator[dict[str, Any]]:
    """The chunks of a build's stream, read in a thread of their own so that an empty one
    comes every `tick` seconds that Docker says nothing (a silent step): the caller can say
    it is alive meanwhile. The thread ends with the stream, which ends with the build."""
    chunks: queue.Queue[tuple[str, Any]] = queue.Queue()

    def read() -> None:
        try:
            for chunk in stream:
                chunks.put(("chunk", chunk))
        except BaseException as exc:  # raised again where the build is followed
            chunks.put(("error", exc))
        else:
            chunks.put(("end", None))

    threading.Thread(target=read, name="pytest-daos build output", daemon=True).start()
    while True:
        try:
            kind, value = chunks.get(timeout=tick)
        except queue.Empty:
            yield {}
            continue
        if kind == "end":
            return
        if kind == "error":
            raise value
        yield value


def _pulling(chunk: dict[str, Any]) -> str | None:
    """The image a chunk says Docker starts pulling (`Pulling from library/debian`, id
    `bookworm`), "" when it says a pull is done, None when it says neither."""
    status = str(chunk.get("status") or "")
    if status.startswith("Pulling from "):
        return f"{status.removeprefix('Pulling from ')}:{chunk.get('id') or 'latest'}"
    if status.startswith("Status: "):
        return ""
    return None


def _chunk_lines(chunk: dict[str, Any]) -> list[str]:
    text = chunk.get("stream") or chunk.get("status") or chunk.get("error") or ""
    return [_ANSI_RE.sub("", line) for line in str(text).splitlines() if line.strip()]


def _explain(why: str, spec: ImageSpec) -> str:
    """Add the fix to the errors users meet most."""
    failed_run = _FAILED_RUN_RE.match(why.strip())
    if failed_run:
        return f"the command exited with status {failed_run.group(1)} (see the last lines below)"
    lowered = why.lower()
    if (
        "pull access denied" in lowered
        or "dial tcp" in lowered
        or "no such host" in lowered
        or ("not found" in lowered and "manifest" in lowered)
    ):
        base = spec.base
        named = f"The base image {base.name}" if base and base.name else "Its base image"
        choose = f", or {base.choose}" if base and base.choose else ""
        return (
            f"{why.strip()}. {named} is not on this host and cannot be pulled: pull or "
            f"import it first{choose}"
        )
    return why.strip()
