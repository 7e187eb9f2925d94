"""The sim recipe's base image when none is named (`cluster/recipes/sim_base.py`)."""

from __future__ import annotations

import pytest
from fake_docker import FakeClient, FakeImages

from pytest_daos.cluster.host import DockerUnavailable
from pytest_daos.cluster.recipes import load_recipe
from pytest_daos.cluster.recipes.sim_base import OFFLINE, USUAL, choose, settle
from pytest_daos.settings import Settings


def test_the_usual_image_on_this_host_is_used_without_asking_the_registry():
    images = FakeImages({USUAL, OFFLINE}, online=False)
    assert choose(images).image == USUAL
    assert images.asked_registry == []


def test_offline_without_the_usual_image_the_setup_scripts_image_is_used():
    choice = choose(FakeImages({OFFLINE}, online=False))
    assert choice.image == OFFLINE
    assert choice.why == f"the default {USUAL} is not on this host and cannot be pulled"


def test_online_the_usual_image_is_pulled_even_when_the_offline_one_exists():
    images = FakeImages({OFFLINE}, online=True)
    assert choose(images).image == USUAL
    assert images.asked_registry == [USUAL]


def test_without_either_image_the_usual_one_is_named_and_its_build_says_why_it_failed():
    images = FakeImages(set(), online=False)
    assert choose(images).image == USUAL
    assert images.asked_registry == []


def test_a_named_base_image_is_kept_without_asking_docker():
    def no_docker() -> FakeClient:
        raise AssertionError("Docker was asked")

    settings, choice = settle(Settings(recipe="sim", sim_base_image="mine:1"), no_docker)
    assert settings.sim_base_image == "mine:1"
    assert choice.describe() == "base image mine:1 (given)"


def test_settled_settings_build_the_sim_images_on_the_chosen_base():
    settings, _ = settle(Settings(recipe="sim"), lambda: FakeClient(FakeImages({OFFLINE}, False)))
    recipe = load_recipe(settings)
    assert dict(recipe.images[0].build_args)["BASE_IMAGE"] == OFFLINE


def test_without_a_docker_engine_the_usual_image_is_named():
    def unavailable() -> FakeClient:
        raise DockerUnavailable("no Docker engine answers", "start one")

    settings, choice = settle(Settings(recipe="sim"), unavailable)
    assert settings.sim_base_image == USUAL
    assert "no Docker engine answers" in choice.why


@pytest.mark.parametrize("version", ["2.0", "2.4", "2.6"])
def test_unsettled_settings_fall_back_to_the_usual_image(version):
    recipe = load_recipe(Settings(recipe="sim", version=version))
    assert dict(recipe.images[0].build_args)["BASE_IMAGE"] == USUAL
