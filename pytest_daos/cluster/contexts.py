"""Build contexts: what is sent to Docker for an image, and what stands for it in the
image's content key (its bytes for a small local folder, the commit of a remote git ref,
a fingerprint for a `TreeContext`). A remote context that cannot be reached fails in
seconds, naming the URL."""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..errors import PytestDaosError
from .recipes import ImageSpec
from .sources import endpoint, probe

#: Name of the Dockerfile inside the build context; `.dockerignore` keeps it out of COPY.
DOCKERFILE = ".dockerfile.pytest-daos"
_SKIP_DIRS = {"__pycache__", ".git", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


def _context_files(context: Path) -> Iterator[tuple[str, Path]]:
    """(name in the context, path) of every file below `context`, sorted, caches left out."""
    for path in sorted(context.rglob("*")):
        relative = path.relative_to(context)
        if any(part in _SKIP_DIRS for part in relative.parts) or path.suffix == ".pyc":
            continue
        if path.is_file():
            yield relative.as_posix(), path


def write_context(spec: ImageSpec, fileobj: IO[bytes]) -> None:
    """Write the build context as an uncompressed tar: its files plus the Dockerfile.

    Entries carry no owner or time, so equal content gives equal bytes.
    """
    if spec.dockerfile is None:
        raise ValueError(f"image {spec.name} has a local context and no Dockerfile")
    with tarfile.open(fileobj=fileobj, mode="w", format=tarfile.PAX_FORMAT) as tar:

        def add(name: str, data: bytes, mode: int = 0o644) -> None:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, 0
            tar.addfile(info, io.BytesIO(data))

        ignore = f"{DOCKERFILE}\n.dockerignore\n"
        if isinstance(spec.context, Path):
            for name, path in _context_files(spec.context):
                if name == ".dockerignore":  # the context's own rules, kept, ours added
                    ignore = path.read_text().rstrip("\n") + "\n" + ignore
                    continue
                add(name, path.read_bytes(), 0o755 if path.stat().st_mode & 0o111 else 0o644)
        elif spec.context is not None and not isinstance(spec.context, str):
            spec.context.write(tar)
        add(DOCKERFILE, spec.dockerfile.read_bytes())
        add(".dockerignore", ignore.encode())


def build_context(spec: ImageSpec) -> bytes:
    """The build context of a small local image as bytes (see `write_context`). A remote
    context is its URL (with the git ref): the Docker engine fetches it."""
    if spec.remote is not None:
        return spec.remote.encode()
    buffer = io.BytesIO()
    write_context(spec, buffer)
    return buffer.getvalue()


def context_identity(spec: ImageSpec) -> str:
    """What stands for the image's context in its content key: the recipe's `source_id`
    where it gives one (a remote ref's commit), a tree's fingerprint, else the sha256 of
    the context's bytes."""
    if spec.source_id is not None:
        return spec.source_id
    if spec.remote is not None:
        return spec.remote
    if spec.context is not None and not isinstance(spec.context, (str, Path)):
        dockerfile = spec.dockerfile.read_bytes() if spec.dockerfile else b""
        return f"{spec.context.fingerprint()}:{hashlib.sha256(dockerfile).hexdigest()}"
    return hashlib.sha256(build_context(spec)).hexdigest()


def content_key(spec: ImageSpec, identity: str, parent_id: str | None) -> str:
    """sha256 of what makes the image: spec, build arguments, context identity, parent id."""
    digest = hashlib.sha256()
    for part in (
        spec.name,
        spec.tag,
        repr(sorted(spec.build_args.items())),
        parent_id or "",
        identity,
    ):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def unresolved(spec: ImageSpec) -> bool:
    """A remote context whose commit could not be learnt (offline, no git)."""
    return spec.remote is not None and spec.source_id is None


class UnreachableContext(PytestDaosError, RuntimeError):
    """A remote build context cannot be reached from this host."""


REACH_TIMEOUT = 5.0


def check_reachable(spec: ImageSpec, timeout: float = REACH_TIMEOUT) -> None:
    """Fail in seconds, naming the URL, when the host of a remote context cannot be reached
    (the Docker engine would otherwise try for minutes)."""
    url = spec.remote or ""
    host, port = endpoint(url)
    why = probe(host, port, timeout)
    if why is not None:
        raise UnreachableContext(
            f"the build context of image {spec.name} cannot be reached: {url} "
            f"({host}:{port}: {why}). Use --daos-recipe=sim (the DAOS stand-in), or build from "
            "a local copy of the DAOS repository with a recipe file "
            "(--daos-recipe=path/to/recipe.toml, see docs/recipes.md)"
        )


#: The registry host part of a name no registry serves: an image made on this host.
LOCAL_NAMES = "localhost/"


class MissingLocalBase(PytestDaosError):
    """The base image of a build is named under localhost/ (made on this host, served by no
    registry) and is not on this host."""


def require_local_base(client: Any, spec: ImageSpec) -> None:
    """Before a build: its base image named under localhost/ must be on this host, since
    Docker would try to pull it from a registry on this host's port 443 or 80."""
    import docker.errors

    base = spec.base
    if base is None or not base.name or not base.name.startswith(LOCAL_NAMES):
        return
    try:
        client.images.get(base.name)
    except docker.errors.ImageNotFound:
        raise MissingLocalBase(
            f"the base image {base.name} of image {spec.name} is not on this host, and no "
            f"registry serves a {LOCAL_NAMES} name: {base.choose}"
        ) from None
