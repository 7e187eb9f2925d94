"""Recipes: which images exist and how each node runs (`Recipe`, `ImageSpec`, `NodeSpec`)."""

from __future__ import annotations

from pathlib import Path

from ...settings import RECIPES, Settings
from .base import (
    DIRS_ENV,
    HOSTNAMES,
    NODE_ENTRYPOINT,
    ROLES,
    ImageSpec,
    Mount,
    NodeSpec,
    Recipe,
    RecipeError,
    TreeContext,
)
from .file import load_recipe_file
from .local import TreeError, local_recipe, tree_version
from .sim import DEFAULT_SIM_BASE, SIM_RELEASES, sim_recipe
from .upstream import RELEASES, Resolver, upstream_recipe

__all__ = [
    "DIRS_ENV",
    "HOSTNAMES",
    "NODE_ENTRYPOINT",
    "ROLES",
    "ImageSpec",
    "Mount",
    "NodeSpec",
    "Recipe",
    "RecipeError",
    "TreeContext",
    "describe_release",
    "known_recipes",
    "load_recipe",
    "no_commits",
]


def load_recipe(settings: Settings, resolve: Resolver | None = None) -> Recipe:
    """The recipe the settings name: upstream, local, sim, or the path of a recipe file.

    `resolve` learns the commits of the upstream recipe's remote contexts (by default with
    `git ls-remote`); `no_commits` validates a recipe without reaching any network.
    """
    if settings.recipe not in RECIPES:
        path = Path(settings.recipe)
        try:
            is_dir, is_file = path.is_dir(), path.is_file()
        except OSError as exc:  # a name too long, a folder that cannot be searched
            raise RecipeError(
                f"--daos-recipe={settings.recipe}: not one of {', '.join(RECIPES)}, and not a "
                f"recipe file that can be read ({exc.strerror})"
            ) from None
        if is_dir:
            raise RecipeError(
                f"--daos-recipe={settings.recipe}: a folder, not a recipe file: name a recipe "
                f"file (TOML) or one of {', '.join(RECIPES)}"
            )
        if not is_file:
            raise RecipeError(
                f"--daos-recipe={settings.recipe}: not one of {', '.join(RECIPES)}, and no "
                f"recipe file {path.absolute()} exists"
            )
        return load_recipe_file(path, resolve)
    if settings.recipe == "sim":
        return _sim(settings, settings.version)
    if settings.recipe == "local":
        if not settings.prefix:
            raise RecipeError(
                "--daos-recipe=local builds the images from a DAOS install tree on this host: "
                "name it with --daos-prefix=PATH (the PREFIX of `scons install PREFIX=...`)"
            )
        return local_recipe(settings.prefix, settings.local_base_image)
    return upstream_recipe(settings.version, dict(settings.build_args), resolve=resolve)


def _sim(settings: Settings, version: str) -> Recipe:
    """The sim recipe of `version` with these settings' delays, on their base image (the
    one named or chosen by `sim_base.settle`), else on the usual default."""
    base = settings.sim_base_image or DEFAULT_SIM_BASE
    return sim_recipe(version, base, settings.sim_join_delay, settings.sim_fault_delay)


def no_commits(url: str) -> None:
    """A resolver that learns nothing: for checking settings before any network use."""
    return None


def describe_release(settings: Settings) -> str:
    """The DAOS release the settings run, for people: a local tree's own release."""
    if settings.recipe == "local" and settings.prefix:
        try:
            return f"{tree_version(Path(settings.prefix))} (tree {settings.prefix})"
        except TreeError:
            return f"of the tree {settings.prefix}"
    return settings.version


def known_recipes(settings: Settings) -> list[Recipe]:
    """Every recipe these settings can name: the sim and upstream recipes of every release
    (with these settings' base image and build arguments), and the local recipe or the
    recipe file if one is named. `pytest-daos prune` keeps the images of these."""
    recipes = [_sim(settings, version) for version in SIM_RELEASES]
    recipes += [upstream_recipe(version, dict(settings.build_args)) for version in RELEASES]
    if settings.recipe not in RECIPES or settings.recipe == "local":
        recipes.append(load_recipe(settings))
    return recipes
