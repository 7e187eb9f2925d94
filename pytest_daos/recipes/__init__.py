"""Recipes: which images exist and how each node runs (`Recipe`, `ImageSpec`, `NodeSpec`)."""

from __future__ import annotations

from pathlib import Path

from ..settings import RECIPES, Settings
from .base import HOSTNAMES, ROLES, ImageSpec, Mount, NodeSpec, Recipe, RecipeError
from .file import load_recipe_file
from .sim import SIM_RELEASES, sim_recipe
from .upstream import RELEASES, upstream_recipe

__all__ = [
    "HOSTNAMES",
    "ROLES",
    "ImageSpec",
    "Mount",
    "NodeSpec",
    "Recipe",
    "RecipeError",
    "known_recipes",
    "load_recipe",
]


def load_recipe(settings: Settings) -> Recipe:
    """The recipe the settings name: upstream, sim, or the path of a recipe file."""
    if settings.recipe not in RECIPES:
        path = Path(settings.recipe)
        if not path.is_file():
            raise RecipeError(
                f"--daos-recipe={settings.recipe}: not one of {', '.join(RECIPES)}, and no "
                f"recipe file {path.absolute()} exists"
            )
        return load_recipe_file(path)
    if settings.recipe == "sim":
        return sim_recipe(settings.version, settings.sim_base_image, settings.sim_join_delay)
    return upstream_recipe(settings.version, dict(settings.build_args))


def known_recipes(settings: Settings) -> list[Recipe]:
    """Every recipe these settings can name: the sim and upstream recipes of every release
    (with these settings' base image and build arguments), and the recipe file if one is
    named. `pytest-daos prune` keeps the images of these."""
    recipes = [
        sim_recipe(version, settings.sim_base_image, settings.sim_join_delay)
        for version in SIM_RELEASES
    ]
    recipes += [upstream_recipe(version, dict(settings.build_args)) for version in RELEASES]
    if settings.recipe not in RECIPES:
        recipes.append(load_recipe(settings))
    return recipes
