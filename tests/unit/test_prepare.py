"""`recipes.prepare`, the one preparation of a recipe's settings for the plugin and the
command: the sim base image settled where a sim recipe is made, the recipe loaded without
any network, and one that cannot be made refused at once. (How the prepared recipe
travels through a start: test_lifecycle_start.py.)"""

from __future__ import annotations

import pytest
from fake_docker import FakeClient, FakeImages
from test_checks import REMOTE_RECIPE

from pytest_daos.cluster import git_refs, recipes
from pytest_daos.cluster.host import DockerUnavailable
from pytest_daos.cluster.recipes import RecipeError, known_recipes, load_recipe, prepare
from pytest_daos.cluster.recipes.sim import SIM_RELEASES, sim_recipe
from pytest_daos.cluster.recipes.sim_base import OFFLINE, USUAL
from pytest_daos.cluster.recipes.upstream import upstream_recipe
from pytest_daos.settings import Settings

COMMIT = "c" * 40


def offline_host() -> FakeClient:
    """A Docker engine with only the offline base image, and no registry."""
    return FakeClient(FakeImages({OFFLINE}, online=False))


def no_docker() -> FakeClient:
    raise AssertionError("Docker was asked")


@pytest.fixture
def no_git(monkeypatch):
    def refuse(url, *args, **kwargs):
        raise AssertionError(f"git ls-remote was asked about {url}")

    monkeypatch.setattr(git_refs, "remote_commit", refuse)


def base_image(recipe: recipes.Recipe) -> str:
    return recipe.image("daos-base").build_args["BASE_IMAGE"]


# -- prepare: each caller's case -----------------------------------------------------------


def test_the_sim_recipe_is_prepared_on_the_chosen_base_image():
    prepared = prepare(Settings(recipe="sim"), offline_host)
    assert prepared.settings.sim_base_image == OFFLINE
    assert prepared.sim_base is not None and prepared.sim_base.image == OFFLINE
    assert base_image(prepared.recipe) == OFFLINE


def test_another_recipe_is_checked_without_docker_or_a_network(no_git):
    settings = Settings(recipe="upstream")
    prepared = prepare(settings, no_docker)
    assert (prepared.settings, prepared.sim_base) == (settings, None)
    assert prepared.recipe.name == "upstream"
    assert {spec.source_id for spec in prepared.recipe.images} == {None}  # learnt at start


def test_prune_settles_the_sim_base_of_every_release_whatever_the_recipe(monkeypatch):
    prepared = prepare(Settings(recipe="upstream"), offline_host, every_release=True)
    assert prepared.settings.sim_base_image == OFFLINE and prepared.sim_base is not None
    monkeypatch.setattr(git_refs, "remote_commit", lambda url: COMMIT)
    known = known_recipes(prepared.settings, prepared.recipe)
    sims = [recipe for recipe in known if recipe.name == "sim"]
    assert len(sims) == len(SIM_RELEASES) and {base_image(r) for r in sims} == {OFFLINE}
    upstream = [spec for recipe in known if recipe.name == "upstream" for spec in recipe.images]
    assert {spec.source_id for spec in upstream} == {COMMIT}  # prune compares full keys


def test_prune_keeps_the_prepared_recipe_file_without_loading_it_again(tmp_path, monkeypatch):
    path = tmp_path / "mine.toml"
    path.write_text(REMOTE_RECIPE)
    prepared = prepare(Settings(recipe=str(path)), offline_host, every_release=True)
    monkeypatch.setattr(recipes, "load_recipe", lambda settings: pytest.fail("loaded again"))
    known = known_recipes(prepared.settings, prepared.recipe)
    assert known[-1] == prepared.recipe


def test_a_named_sim_base_image_is_kept_without_asking_docker():
    prepared = prepare(Settings(recipe="sim", sim_base_image="mine:1"), no_docker)
    assert base_image(prepared.recipe) == "mine:1"
    assert prepared.sim_base is not None and prepared.sim_base.why == "given"


@pytest.mark.parametrize("every_release", [False, True], ids=["plugin", "prune"])
def test_a_recipe_that_cannot_be_made_is_a_recipe_error(tmp_path, every_release):
    absent = tmp_path / "absent.toml"
    with pytest.raises(RecipeError, match=f"no recipe file {absent} exists"):
        prepare(Settings(recipe=str(absent)), offline_host, every_release=every_release)


def test_the_plugin_checks_the_recipe_before_it_asks_docker(tmp_path):
    with pytest.raises(RecipeError):
        prepare(Settings(recipe=str(tmp_path / "absent.toml")), no_docker)


# -- the sim's rebuild timing ----------------------------------------------------------------


def test_the_sim_recipe_carries_its_rebuild_timing_and_others_none(tmp_path):
    assert sim_recipe("2.6", "base:1", fault_delay=0.3).rebuild_settle == pytest.approx(0.6)
    assert upstream_recipe("2.6").rebuild_settle is None
    path = tmp_path / "mine.toml"
    path.write_text(REMOTE_RECIPE)
    assert load_recipe(Settings(recipe=str(path))).rebuild_settle is None


def test_the_usual_base_image_is_named_where_no_docker_engine_answers():
    def unavailable() -> FakeClient:
        raise DockerUnavailable("no Docker engine answers", "start one")

    prepared = prepare(Settings(recipe="sim"), unavailable)
    assert base_image(prepared.recipe) == USUAL
