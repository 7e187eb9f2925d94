"""Text of the recipe files the tests write (docs/recipes.md): the node tables of a recipe
whose three nodes all run one image (unit and integration tiers)."""

from __future__ import annotations

ROLES = ("server", "admin", "client")


def nodes_on(image: str) -> str:
    """The `[nodes.server]`, `[nodes.admin]` and `[nodes.client]` tables, each naming
    `image` and nothing else (every node's command, files and mounts are the defaults)."""
    return "".join(f'\n[nodes.{role}]\nimage = "{image}"\n' for role in ROLES)
