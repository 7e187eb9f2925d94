"""Recipes: which images exist and how each node runs (`Recipe`, `ImageSpec`, `NodeSpec`)."""

from __future__ import annotations

from ..settings import Settings
from .base import HOSTNAMES, ROLES, ImageSpec, NodeSpec, Recipe
from .sim import sim_recipe

__all__ = ["HOSTNAMES", "ROLES", "ImageSpec", "NodeSpec", "Recipe", "load_recipe"]


def load_recipe(settings: Settings) -> Recipe:
    """The recipe the settings name."""
    if settings.recipe == "sim":
        return sim_recipe(settings.version, settings.sim_base_image)
    raise ValueError(f"unknown recipe {settings.recipe!r}")  # settings validated the choice
