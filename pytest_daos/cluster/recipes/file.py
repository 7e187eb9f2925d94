"""Recipes from a TOML file (`--daos-recipe=path/to/recipe.toml`), validated with errors
that name the file, the line and the key.

    daos_version = "2.6.5"          # the DAOS release the images install
    provider = "ofi+tcp"            # the fabric provider of daos_server.yml
    config_dir = "/etc/daos"        # where the images' DAOS programs read their config

    [images.daos-base]
    context = "vcluster/daos-base"  # a folder (relative to this file) or a git URL#ref:folder
    dockerfile = "Dockerfile"       # relative to the context folder (default: Dockerfile)
    tag = "mine/daos-base:2.6.5"
    build_args = { DAOS_VERSION = "2.6.5" }

    [images.daos-server]
    context = "vcluster/daos-server"
    tag = "mine/daos-server:2.6.5"
    parent = "daos-base"            # built first; its image id is part of this image's key

    [nodes.server]                  # also [nodes.admin] and [nodes.client]
    image = "daos-server"
    config_files = ["daos_server.yml"]
    mounts = ["/dev/hugepages:/dev/hugepages"]
    devices = []                    # e.g. ["/dev/fuse"] on the client
    command = []                    # default: daos_server start -o <config_dir>/daos_server.yml
                                    # (daos_agent -o ... on the client, sleep on the admin)
    environment = {}
    entrypoint = []                 # default: make the folders the config names, then exec

The nodes never run the image's own entrypoint (systemd dies on cgroup v2 hosts): each
runs its command under Docker's init.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from .base import (
    NODE_ENTRYPOINT,
    ROLES,
    BaseImage,
    ImageSpec,
    Mount,
    NodeSpec,
    Recipe,
    RecipeError,
    daemon_command,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

CONFIG_FILES = ("daos_server.yml", "daos_control.yml", "daos_agent.yml")
_TOP: dict[str, type] = {
    "daos_version": str, "provider": str, "config_dir": str, "images": dict, "nodes": dict,
}  # fmt: skip
_IMAGE: dict[str, type] = {
    "context": str, "dockerfile": str, "tag": str, "build_args": dict, "parent": str,
}  # fmt: skip
_NODE: dict[str, type] = {
    "image": str, "command": list, "config_files": list, "mounts": list, "devices": list,
    "environment": dict, "entrypoint": list,
}  # fmt: skip
_REMOTE = re.compile(r"^(https?|git)://|^git@")


class RecipeFileError(RecipeError):
    """A recipe file is not valid: `path:line: key: what is wrong`."""


class _Reader:
    """Finds the line of a key in the file's text, for messages."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line(self, table: str, key: str | None = None) -> int:
        current = ""
        for number, raw in enumerate(self.lines, start=1):
            line = raw.strip()
            header = re.match(r"^\[([^\]]+)\]", line)
            if header:
                current = header.group(1).replace('"', "").replace(" ", "")
                if key is None and current == table:
                    return number
                continue
            if (
                key is not None
                and current == table
                and re.match(rf'^"?{re.escape(key)}"?\s*=', line)
            ):
                return number
        return 0

    def error(self, table: str, key: str | None, problem: str) -> RecipeFileError:
        number = self.line(table, key)
        where = f"{self.path}:{number}" if number else str(self.path)
        name = ".".join(part for part in (table, key) if part)
        return RecipeFileError(f"{where}: {name or 'recipe'}: {problem}")


def _check_keys(
    reader: _Reader, table: str, values: dict[str, Any], schema: dict[str, type],
    required: tuple[str, ...],
) -> None:  # fmt: skip
    for key, value in values.items():
        if key not in schema:
            known = ", ".join(schema)
            raise reader.error(table, key, f"unknown key (known keys: {known})")
        if not isinstance(value, schema[key]):
            raise reader.error(
                table, key, f"must be a {schema[key].__name__}, not {type(value).__name__}"
            )
    for key in required:
        if key not in values:
            raise reader.error(table, None, f"the key {key!r} is missing")


def _strings(reader: _Reader, table: str, key: str, values: list[Any]) -> tuple[str, ...]:
    if not all(isinstance(item, str) for item in values):
        raise reader.error(table, key, "every entry must be a string")
    return tuple(values)


def _mount(reader: _Reader, table: str, text: str) -> Mount:
    parts = text.split(":")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in ("ro", "rw")):
        raise reader.error(table, "mounts", f"{text!r} is not SOURCE:TARGET[:ro|rw]")
    return Mount(parts[0], parts[1], read_only=len(parts) == 3 and parts[2] == "ro")


def _image(reader: _Reader, base: Path, name: str, values: dict[str, Any]) -> ImageSpec:
    table = f"images.{name}"
    _check_keys(reader, table, values, _IMAGE, ("context", "tag"))
    context: Path | str
    if _REMOTE.match(values["context"]):
        if "dockerfile" in values:
            raise reader.error(table, "dockerfile", "a remote context uses its own Dockerfile")
        context, dockerfile = values["context"], None
    else:
        folder = (base / values["context"]).resolve()
        if not folder.is_dir():
            raise reader.error(table, "context", f"no such folder: {folder}")
        context, dockerfile = folder, folder / values.get("dockerfile", "Dockerfile")
        if not dockerfile.is_file():
            raise reader.error(table, "dockerfile", f"no such file: {dockerfile}")
    build_args = values.get("build_args", {})
    for key, value in build_args.items():
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise reader.error(table, "build_args", f"{key} must be a string or a number")
    where = dockerfile or f"the Dockerfile of {context}"
    return ImageSpec(
        name=name,
        tag=values["tag"],
        dockerfile=dockerfile,
        context=context,
        build_args={key: str(value) for key, value in build_args.items()},
        parent=values.get("parent"),
        base=None if "parent" in values else BaseImage(
            None, f"change the FROM of {where} or the build_args of [{table}] in the recipe "
            f"file {reader.path}",
        ),
    )  # fmt: skip


def _ordered(reader: _Reader, images: dict[str, ImageSpec]) -> tuple[ImageSpec, ...]:
    """Images with every parent before its children."""
    ordered: list[ImageSpec] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if any(spec.name == name for spec in ordered):
            return
        if name in visiting:
            raise reader.error(f"images.{name}", "parent", "the parents form a cycle")
        visiting.add(name)
        parent = images[name].parent
        if parent is not None:
            if parent not in images:
                raise reader.error(f"images.{name}", "parent", f"no image {parent!r} in the file")
            visit(parent)
        ordered.append(images[name])

    for name in images:
        visit(name)
    return tuple(ordered)


def _node(
    reader: _Reader, role: str, values: dict[str, Any], images: dict[str, Any], config_dir: str
) -> NodeSpec:
    table = f"nodes.{role}"
    _check_keys(reader, table, values, _NODE, ("image",))
    if values["image"] not in images:
        raise reader.error(table, "image", f"no image {values['image']!r} in the file")
    config_files = _strings(reader, table, "config_files", values.get("config_files", []))
    for name in config_files:
        if name not in CONFIG_FILES:
            raise reader.error(table, "config_files", f"{name!r} is not one of {CONFIG_FILES}")
    environment = values.get("environment", {})
    _strings(reader, table, "environment", list(environment.values()))
    command = values.get("command")
    entrypoint = values.get("entrypoint")
    return NodeSpec(
        role=role,
        image=values["image"],
        command=(
            _strings(reader, table, "command", command)
            if command
            else daemon_command(role, config_dir)
        ),
        entrypoint=(
            _strings(reader, table, "entrypoint", entrypoint) if entrypoint else NODE_ENTRYPOINT
        ),
        config_files=config_files,
        mounts=tuple(
            _mount(reader, table, text)
            for text in _strings(reader, table, "mounts", values.get("mounts", []))
        ),
        devices=_strings(reader, table, "devices", values.get("devices", [])),
        environment=dict(environment),
    )


def _read(path: Path) -> str:
    """The text of a recipe file; RecipeFileError when it cannot be read or is not text."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RecipeFileError(f"{path}: cannot read the recipe file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise RecipeFileError(
            f"{path}: not a recipe file: it is not text (a recipe file is TOML, see "
            "docs/recipes.md)"
        ) from None
    return text


def load_recipe_file(path: Path) -> Recipe:
    """Read and validate a recipe file; RecipeFileError names file, line and key.

    A remote context's `source_id` is the commit its ref points to, learnt by
    `Recipe.with_commits` as in the upstream recipe."""
    text = _read(path)
    reader = _Reader(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RecipeFileError(f"{path}: not valid TOML: {exc}") from None
    _check_keys(reader, "", data, _TOP, ("daos_version", "images", "nodes"))
    if not re.match(r"^\d+\.\d+(\.\d+)?$", data["daos_version"]):
        raise reader.error("", "daos_version", "must look like 2.6.5")
    images = {}
    for name, values in data["images"].items():
        if not isinstance(values, dict):
            raise reader.error("images", name, "must be a table [images.NAME]")
        images[name] = _image(reader, path.parent, name, values)
    config_dir = data.get("config_dir", "/etc/daos").rstrip("/") or "/"
    if not config_dir.startswith("/"):
        raise reader.error("", "config_dir", "must be an absolute path inside the images")
    nodes = []
    for role in ROLES:
        values = data["nodes"].get(role)
        if not isinstance(values, dict):
            raise reader.error("nodes", None, f"the table [nodes.{role}] is missing")
        nodes.append(_node(reader, role, values, images, config_dir))
    unknown = set(data["nodes"]) - set(ROLES)
    if unknown:
        raise reader.error(f"nodes.{sorted(unknown)[0]}", None, f"roles are {', '.join(ROLES)}")
    return Recipe(
        name=str(path),
        daos_version=data["daos_version"],
        provider=data.get("provider", "ofi+tcp"),
        images=_ordered(reader, images),
        nodes=tuple(nodes),
        config_dir=config_dir,
    )
