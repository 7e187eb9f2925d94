"""Recipe files: what a valid one gives, and errors that name file, line and key."""

from __future__ import annotations

import pytest

from pytest_daos.cluster.recipes import NODE_ENTRYPOINT, RecipeError, load_recipe
from pytest_daos.cluster.recipes.file import RecipeFileError, load_recipe_file
from pytest_daos.settings import Settings

VALID = """\
daos_version = "2.6.5"
provider = "ofi+tcp;ofi_rxm"
config_dir = "/opt/daos/etc"

[images.child]
context = "child"
tag = "mine/child:1"
parent = "base"
build_args = { PARENT = "mine/base:1", N = 3 }

[images.base]
context = "base"
dockerfile = "Containerfile"
tag = "mine/base:1"

[images.remote]
context = "https://example.org/daos.git#release/2.6:utils/docker/vcluster/daos-base/el8"
tag = "mine/remote:1"

[nodes.server]
image = "child"
config_files = ["daos_server.yml"]
mounts = ["/dev/hugepages:/dev/hugepages", "/sys/kernel/mm/hugepages:/sys/kernel/mm/hugepages:ro"]
entrypoint = ["/bin/sh", "-c", 'exec "$@"', "node"]

[nodes.admin]
image = "base"
command = ["sleep", "infinity"]

[nodes.client]
image = "base"
devices = ["/dev/fuse"]
environment = { A = "1" }
"""


def commit_of(url):
    return "1" * 40


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "base/Containerfile").write_text("FROM scratch\n")
    (tmp_path / "child").mkdir()
    (tmp_path / "child/Dockerfile").write_text("ARG PARENT\nFROM ${PARENT}\n")
    return tmp_path


def write(folder, text):
    path = folder / "recipe.toml"
    path.write_text(text)
    return path


def test_valid_recipe(folder):
    loaded = load_recipe_file(write(folder, VALID))
    assert loaded.image("remote").source_id is None  # loading asks no network
    recipe = loaded.with_commits(commit_of)
    assert [spec.name for spec in recipe.images] == ["base", "child", "remote"]  # parents first
    base, child, remote = recipe.images
    assert base.dockerfile == folder / "base/Containerfile"
    assert child.build_args == {"PARENT": "mine/base:1", "N": "3"}
    assert child.parent == "base"
    assert remote.remote.startswith("https://example.org/daos.git#release/2.6")
    assert remote.dockerfile is None
    assert remote.source_id == "1" * 40  # the commit of its ref is part of its key
    assert base.source_id is None
    server = recipe.node("server")
    assert server.entrypoint == ("/bin/sh", "-c", 'exec "$@"', "node")
    assert [(m.source, m.target, m.read_only) for m in server.mounts] == [
        ("/dev/hugepages", "/dev/hugepages", False),
        ("/sys/kernel/mm/hugepages", "/sys/kernel/mm/hugepages", True),
    ]
    # the daemons with the configuration files in config_dir, by default
    assert server.command == ("daos_server", "start", "-o", "/opt/daos/etc/daos_server.yml")
    assert recipe.node("client").command == ("daos_agent", "-o", "/opt/daos/etc/daos_agent.yml")
    assert recipe.node("client").entrypoint == NODE_ENTRYPOINT
    assert recipe.node("admin").command == ("sleep", "infinity")
    assert recipe.node("client").devices == ("/dev/fuse",)
    assert recipe.config_path("daos_control.yml") == "/opt/daos/etc/daos_control.yml"
    assert (recipe.daos_version, recipe.provider) == ("2.6.5", "ofi+tcp;ofi_rxm")


def test_settings_name_a_recipe_file(folder):
    path = write(folder, VALID)
    assert load_recipe(Settings(recipe=str(path))).images[0].tag == "mine/base:1"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('tag = "mine/child:1"', 'tag = "mine/child:1"\ncolour = "red"',
         r"recipe.toml:8: images.child.colour: unknown key \(known keys: context, "),
        ("entrypoint = [", 'entrypoint = "sh"\nx = [',
         r"recipe.toml:\d+: nodes.server.entrypoint: must be a list, not str"),
        ('config_dir = "/opt/daos/etc"', 'config_dir = "etc"',
         r"recipe.toml:3: config_dir: must be an absolute path"),
        ('parent = "base"', 'parent = "nope"',
         r"recipe.toml:8: images.child.parent: no image 'nope'"),
        ('"/dev/hugepages:/dev/hugepages"', '"/dev/hugepages"',
         r"nodes.server.mounts: '/dev/hugepages' is not SOURCE:TARGET\[:ro\|rw\]"),
        ('config_files = ["daos_server.yml"]', 'config_files = ["server.yaml"]',
         r"nodes.server.config_files: 'server.yaml' is not one of"),
        ('dockerfile = "Containerfile"', 'dockerfile = "Missing"',
         r"recipe.toml:13: images.base.dockerfile: no such file: .*base/Missing"),
        ('context = "child"', 'context = "nowhere"', r"images.child.context: no such folder"),
        ('tag = "mine/remote:1"', 'tag = "mine/remote:1"\ndockerfile = "x"',
         r"images.remote.dockerfile: a remote context uses its own Dockerfile"),
        ('daos_version = "2.6.5"', 'daos_version = "latest"',
         r"recipe.toml:1: daos_version: must look"),
        ("[nodes.client]", "[nodes.klient]", r"the table \[nodes.client\] is missing"),
        ('tag = "mine/base:1"', "tag = ", r"recipe.toml: not valid TOML: .*line 14"),
    ],
)  # fmt: skip
def test_errors_name_file_line_and_key(folder, old, new, message):
    assert old in VALID
    with pytest.raises(RecipeFileError, match=message):
        load_recipe_file(write(folder, VALID.replace(old, new, 1)))


def test_parent_cycle(folder):
    text = VALID.replace('tag = "mine/base:1"', 'tag = "mine/base:1"\nparent = "child"')
    with pytest.raises(RecipeFileError, match="the parents form a cycle"):
        load_recipe_file(write(folder, text))


def test_recipe_file_errors_are_recipe_errors(folder):
    with pytest.raises(RecipeError, match="cannot read the recipe file"):
        load_recipe_file(folder / "absent.toml")


def test_a_file_that_is_not_text(tmp_path):
    path = tmp_path / "recipe.toml"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00\xd0\xff")
    with pytest.raises(RecipeFileError) as caught:
        load_recipe_file(path)
    assert str(caught.value) == (
        f"{path}: not a recipe file: it is not text (a recipe file is TOML, see docs/recipes.md)"
    )


def test_a_folder_named_as_the_recipe(tmp_path):
    with pytest.raises(RecipeError) as caught:
        load_recipe(Settings(recipe=str(tmp_path)))
    assert str(caught.value) == (
        f"--daos-recipe={tmp_path}: a folder, not a recipe file: name a recipe file (TOML) or "
        "one of upstream, local, sim"
    )


def test_a_recipe_name_too_long_for_a_path():
    name = "r" * 5000
    with pytest.raises(RecipeError) as caught:
        load_recipe(Settings(recipe=name))
    assert str(caught.value) == (
        f"--daos-recipe={name}: not one of upstream, local, sim, and not a recipe file that "
        "can be read (File name too long)"
    )
