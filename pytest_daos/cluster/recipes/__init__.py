"""Recipes: which images exist and how each node runs (`Recipe`, `ImageSpec`, `NodeSpec`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...settings import RECIPES, Settings
from ..host import docker_client
from . import sim_base
from .base import (
    DIRS_ENV,
    HOSTNAMES,
    NODE_ENTRYPOINT,
    ImageSpec,
    NodeSpec,
    Recipe,
    RecipeError,
)
from .file import load_recipe_file
from .local import TreeError, local_recipe, tree_version
from .sim import DEFAULT_SIM_BASE, SIM_RELEASES, sim_recipe
from .sim_base import SimBase
from .upstream import RELEASES, upstream_recipe

__all__ = [
    "DIRS_ENV",
    "HOSTNAMES",
    "NODE_ENTRYPOINT",
    "ImageSpec",
    "NodeSpec",
    "Prepared",
    "Recipe",
    "RecipeError",
    "SimBase",
    "describe_release",
    "known_recipes",
    "load_recipe",
    "prepare",
]


@dataclass(frozen=True)
class Prepared:
    """Settings made ready for a run: `settings` with the sim base image named, the
    `recipe` they name (checked; the commits of its remote contexts not learnt yet:
    `Recipe.with_commits`), and `sim_base`, the base image chosen and why (for the pytest
    header), None where no sim recipe is made."""

    settings: Settings
    recipe: Recipe
    sim_base: SimBase | None = None


def prepare(
    settings: Settings,
    client_factory: Callable[[], Any] = docker_client,
    every_release: bool = False,
) -> Prepared:
    """The settings of a run or a command, prepared once: the sim base image settled (for
    the sim recipe, and with `every_release` for the sim recipes of every release, which
    `pytest-daos prune` keeps), and the recipe they name loaded without any network, so
    that one that cannot be made raises RecipeError (a usage error) at once."""
    choice = None
    if settings.recipe == "sim" or every_release:
        settings, choice = sim_base.settle(settings, client_factory)
    return Prepared(settings, load_recipe(settings), choice)


def load_recipe(settings: Settings) -> Recipe:
    """The recipe the settings name: upstream, local, sim, or the path of a recipe file
    (made without reaching any network: `Recipe.with_commits` learns the commits)."""
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
        return load_recipe_file(path)
    if settings.recipe == "sim":
        return _sim(settings, settings.version)
    if settings.recipe == "local":
        if not settings.prefix:
            raise RecipeError(
                "--daos-recipe=local builds the images from a DAOS install tree on this host: "
                "name it with --daos-prefix=PATH (the PREFIX of `scons install PREFIX=...`)"
            )
        return local_recipe(settings.prefix, settings.local_base_image)
    return upstream_recipe(settings.version, dict(settings.build_args))


def _sim(settings: Settings, version: str) -> Recipe:
    """The sim recipe of `version` with these settings' delays, on their base image (the
    one named or chosen by `sim_base.settle`), else on the usual default."""
    base = settings.sim_base_image or DEFAULT_SIM_BASE
    return sim_recipe(version, base, settings.sim_join_delay, settings.sim_fault_delay)


def describe_release(settings: Settings) -> str:
    """The DAOS release the settings run, for people: a local tree's own release."""
    if settings.recipe == "local" and settings.prefix:
        try:
            return f"{tree_version(Path(settings.prefix))} (tree {settings.prefix})"
        except TreeError:
            return f"of the tree {settings.prefix}"
    return settings.version


def known_recipes(settings: Settings, recipe: Recipe) -> list[Recipe]:
    """Every recipe these settings can name, with their commits learnt: the sim and
    upstream recipes of every release (with these settings' base image and build
    arguments), and `recipe`, the one they name, if it is the local recipe or a recipe
    file. `pytest-daos prune` keeps the images of these."""
    recipes = [_sim(settings, version) for version in SIM_RELEASES]
    recipes += [upstream_recipe(version, dict(settings.build_args)) for version in RELEASES]
    if settings.recipe not in RECIPES or settings.recipe == "local":
        recipes.append(recipe)
    return [recipe.with_commits() for recipe in recipes]
