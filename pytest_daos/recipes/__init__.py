"""Recipes: which images exist and how each node runs (`Recipe`, `ImageSpec`, `NodeSpec`)."""

from __future__ import annotations

from ..settings import Settings
from .base import HOSTNAMES, ROLES, ImageSpec, Mount, NodeSpec, Recipe
from .sim import SIM_RELEASES, sim_recipe
from .upstream import upstream_recipe

__all__ = [
    "HOSTNAMES",
    "ROLES",
    "ImageSpec",
    "Mount",
    "NodeSpec",
    "Recipe",
    "RecipeError",
    "load_recipe",
]


class RecipeError(ValueError):
    """The recipe cannot be made from these settings; the message says what to change."""


def load_recipe(settings: Settings) -> Recipe:
    """The recipe the settings name."""
    if settings.recipe == "sim":
        if settings.version not in SIM_RELEASES:
            raise RecipeError(
                f"the sim recipe imitates DAOS {', '.join(SIM_RELEASES)}, not "
                f"{settings.version}: use --daos-version={next(iter(SIM_RELEASES))} or "
                "--daos-recipe=upstream"
            )
        return sim_recipe(settings.version, settings.sim_base_image)
    return upstream_recipe(settings.version, dict(settings.build_args))
