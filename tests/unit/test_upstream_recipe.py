"""The upstream recipe: the DAOS vcluster build calls of each release, as documented."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from fake_docker import FakeClient

from pytest_daos.cluster import git_refs, images
from pytest_daos.cluster.contexts import UnreachableContext, check_reachable
from pytest_daos.cluster.images import ImageBuilder
from pytest_daos.cluster.recipes import NODE_ENTRYPOINT, load_recipe
from pytest_daos.cluster.recipes.upstream import apply_overrides, upstream_recipe
from pytest_daos.settings import Settings

REPO = "https://github.com/daos-stack/daos.git"
COMMIT = "c12c3cf12f87a8c9ef6b08a5306feea482cd2cce"
BOTH_KEYS = "https://packages.daos.io/RPM-GPG-KEY https://packages.daos.io/v2.4.1/RPM-GPG-KEY-2023"
REAL_REMOTE_COMMIT = git_refs.remote_commit  # the fixture below replaces the module's


def known_commit(url):
    return COMMIT


def unknown_commit(url):
    return None


@pytest.fixture(autouse=True)
def no_git(monkeypatch):
    """No test here reaches a network: asking the default resolver fails the test (one test
    runs git on a local repository, through the real resolver)."""

    def refuse(url, *args, **kwargs):
        raise AssertionError(f"git ls-remote was asked about {url}")

    monkeypatch.setattr(git_refs, "remote_commit", refuse)
    git_refs.forget()
    yield
    git_refs.forget()


def calls(version, overrides=None):
    recipe = upstream_recipe(version, overrides)
    return [(spec.tag, spec.context, dict(spec.build_args), spec.parent) for spec in recipe.images]


def test_2_0_quick_start():
    base, server, admin, client = calls("2.0")
    assert base == (
        "daos-base:rocky8.4",
        f"{REPO}#release/2.0:utils/docker/vcluster/daos-base/el8",
        {
            "RHEL_BASE_IMAGE": "rockylinux/rockylinux",
            "RHEL_BASE_VERSION": "8.4",
            "DAOS_REPOS": "https://packages.daos.io/v2.0/EL8/packages/x86_64/",
            "DAOS_GPG_KEYS": "https://packages.daos.io/RPM-GPG-KEY",
            "DAOS_AUTH": "no",
        },
        None,
    )
    assert server[:2] == ("daos-server:rocky8.4",
                          f"{REPO}#release/2.0:utils/docker/vcluster/daos-server/el8")  # fmt: skip
    assert server[2] == {
        "DAOS_BASE_IMAGE": "daos-base", "DAOS_BASE_VERSION": "rocky8.4", "DAOS_AUTH": "no",
        "DAOS_HUGEPAGES_NBR": "4096", "DAOS_IFACE_NAME": "eth0", "DAOS_SCM_SIZE": "4",
        "DAOS_BDEV_SIZE": "16",
    }  # fmt: skip
    assert server[3] == admin[3] == client[3] == "daos-base"
    assert admin[0] == "daos-admin:rocky8.4" and client[0] == "daos-client:rocky8.4"
    assert admin[2]["DAOS_ADMIN_USER"] == client[2]["DAOS_ADMIN_GROUP"] == "root"


def test_2_4_pins_the_2_4_packages_instead_of_the_branch_default_2_2():
    base, server, admin, client = calls("2.4")
    assert (admin[0], client[0]) == ("daos-admin:rocky8.6", "daos-client:rocky8.6")
    assert base[0] == "daos-base:rocky8.6"
    assert base[1] == f"{REPO}#release/2.4:utils/docker/vcluster/daos-base/el8"
    assert base[2]["DAOS_REPOS"] == "https://packages.daos.io/v2.4/EL8/packages/x86_64/"
    assert base[2]["RHEL_BASE_VERSION"] == "8.6"
    assert base[2]["DAOS_GPG_KEYS"] == BOTH_KEYS
    assert client[2]["DAOS_AGENT_IFACE_CFG"] == "yes"
    assert server[2]["DAOS_BASE_VERSION"] == "rocky8.6"


def test_2_6_passes_every_mandatory_argument_and_pins_2_6_5():
    base, server, admin, client = calls("2.6")
    assert [base[0], server[0], admin[0], client[0]] == [
        "daos/daos-base-el8:v2.6.5", "daos/daos-server-el8:v2.6.5",
        "daos/daos-admin-el8:v2.6.5", "daos/daos-client-el8:v2.6.5",
    ]  # fmt: skip
    assert base[2] == {
        "BUST_CACHE": "", "LINUX_IMAGE_NAME": "rockylinux/rockylinux", "LINUX_IMAGE_TAG": "8.9",
        "DAOS_REPOS": "https://packages.daos.io/v2.6/EL8/packages/x86_64/",
        "DAOS_GPG_KEYS": BOTH_KEYS, "DAOS_REPOS_NOAUTH": "",
        "DAOS_VERSION": "2.6.5", "DAOS_AUTH": "no",
    }  # fmt: skip
    for args in (server[2], admin[2], client[2]):
        assert args["DAOS_DOCKER_IMAGE_NSP"] == "daos"
        assert args["DAOS_DOCKER_IMAGE_TAG"] == "v2.6.5"
        assert args["LINUX_DISTRO"] == "el8"
        assert args["DAOS_VERSION"] == "2.6.5"
    assert server[2]["DAOS_MD_ON_SSD"] == "no"


@pytest.mark.parametrize("version", ["2.4", "2.6"])
def test_both_gpg_keys_reach_the_base_build(version, tmp_path, monkeypatch):
    monkeypatch.setattr(images, "check_reachable", lambda spec: None)
    client = FakeClient()
    ImageBuilder(client, tmp_path).ensure(upstream_recipe(version).with_commits(known_commit))
    keys = client.api.builds[0]["buildargs"]["DAOS_GPG_KEYS"].split()
    assert keys == [
        "https://packages.daos.io/RPM-GPG-KEY",
        "https://packages.daos.io/v2.4.1/RPM-GPG-KEY-2023",
    ]


def test_2_0_keeps_the_key_of_its_quick_start():
    base = calls("2.0")[0]
    assert base[2]["DAOS_GPG_KEYS"] == "https://packages.daos.io/RPM-GPG-KEY"


@pytest.mark.parametrize("version", ["2.0", "2.4", "2.6"])
def test_nodes_run_their_daemon_not_the_images_systemd(version):
    recipe = upstream_recipe(version)
    for node in recipe.nodes:
        assert node.entrypoint == NODE_ENTRYPOINT
        assert "/sbin/init" not in node.entrypoint and "/usr/sbin/init" not in node.entrypoint
        assert all(mount.target != "/sys/fs/cgroup" for mount in node.mounts)
    assert recipe.node("server").command == (
        "daos_server", "start", "-o", "/etc/daos/daos_server.yml",
    )  # fmt: skip
    assert recipe.node("client").command == ("daos_agent", "-o", "/etc/daos/daos_agent.yml")
    assert recipe.node("admin").command == ("sleep", "infinity")
    assert recipe.config_dir == "/etc/daos"
    assert recipe.node("client").devices == ("/dev/fuse",)


def test_server_mounts_of_the_vcluster_compose_file_without_cgroup():
    server = upstream_recipe("2.6").node("server")
    assert {mount.source for mount in server.mounts} == {
        "/dev/hugepages", "/sys/kernel/mm/hugepages", "/sys/devices/system/node",
    }  # fmt: skip
    assert all(not mount.read_only for mount in server.mounts)
    two_oh = upstream_recipe("2.0").node("server")
    assert {mount.source for mount in two_oh.mounts} == {"/dev/hugepages"}


def test_source_id_is_the_commit_of_the_branch():
    asked = []

    def resolve(url):
        asked.append(url)
        return COMMIT

    recipe = upstream_recipe("2.6").with_commits(resolve)
    assert [spec.source_id for spec in recipe.images] == [COMMIT] * 4
    assert asked == [spec.remote for spec in recipe.images]
    assert asked[0] == f"{REPO}#release/2.6:utils/docker/vcluster/daos-base/el8"


def test_making_the_recipe_asks_no_git_and_a_known_commit_is_not_asked_again():
    recipe = upstream_recipe("2.6")  # the autouse fixture fails the test on any question
    assert [spec.source_id for spec in recipe.images] == [None] * 4
    resolved = recipe.with_commits(known_commit)
    assert resolved.with_commits(unknown_commit) == resolved
    assert (resolved.name, resolved.nodes) == (recipe.name, recipe.nodes)


def test_source_id_is_none_when_the_commit_cannot_be_learnt():
    recipe = upstream_recipe("2.4").with_commits(unknown_commit)
    assert [spec.source_id for spec in recipe.images] == [None] * 4


def test_the_default_resolver_is_git_ls_remote(monkeypatch):
    monkeypatch.setattr(git_refs, "remote_commit", lambda url: f"commit of {url}")
    spec = upstream_recipe("2.0").with_commits().image("daos-base")
    assert spec.source_id == f"commit of {REPO}#release/2.0:utils/docker/vcluster/daos-base/el8"


def test_other_recipes_never_ask_git():
    # the autouse fixture fails the test on any question to git
    for version in ("2.0", "2.4", "2.6"):
        assert load_recipe(Settings(recipe="sim", version=version)).with_commits().name == "sim"


def test_build_arg_overrides():
    args = apply_overrides({"base": {"A": "1"}, "server": {"B": "2"}}, {"A": "9", "NEW": "x"})
    assert args == {"base": {"A": "9", "NEW": "x"}, "server": {"B": "2", "NEW": "x"}}
    base = calls("2.6", {"DAOS_VERSION": "2.6.4"})
    assert {spec[2]["DAOS_VERSION"] for spec in base} == {"2.6.4"}


def test_sim_imitates_every_release():
    for version, daos in (("2.0", "2.0.3"), ("2.4", "2.4.2"), ("2.6", "2.6.5")):
        recipe = load_recipe(Settings(recipe="sim", version=version))
        assert recipe.daos_version == daos
        assert recipe.image("daos-base").build_args["DAOS_VERSION"] == daos
        assert recipe.image("daos-base").tag == f"pytest-daos/daos-base:sim-{daos}"


def test_unreachable_context_fails_fast_naming_the_url():
    recipe = upstream_recipe("2.6", repository="https://127.0.0.1:9/daos.git")
    spec = recipe.images[0]
    with pytest.raises(UnreachableContext) as caught:
        check_reachable(spec, timeout=2)
    text = str(caught.value)
    assert "https://127.0.0.1:9/daos.git#release/2.6:utils/docker/vcluster/daos-base/el8" in text
    assert "--daos-recipe=sim" in text


def test_builder_sends_the_remote_context_to_docker(tmp_path, monkeypatch):
    monkeypatch.setattr(images, "check_reachable", lambda spec: None)
    client = FakeClient()
    results = ImageBuilder(client, tmp_path).ensure(
        upstream_recipe("2.6").with_commits(known_commit)
    )
    assert [result.built for result in results] == [True] * 4
    first = client.api.builds[0]
    assert first["path"] == f"{REPO}#release/2.6:utils/docker/vcluster/daos-base/el8"
    assert first["tag"] == "daos/daos-base-el8:v2.6.5"
    assert first["buildargs"]["DAOS_VERSION"] == "2.6.5"
    assert "fileobj" not in first
    assert first["labels"]["org.pytest-daos.key"] == results[0].key


# -- git_refs: the commit of a remote context, through a fake `git ls-remote` ---------------


class FakeGit:
    """subprocess.run for `git ls-remote`: records each call, answers `output` (or raises)."""

    def __init__(self, output="", returncode=0, raises=None):
        self.output, self.returncode, self.raises = output, returncode, raises
        self.calls = []

    def __call__(self, command, **kwargs):
        self.calls.append((command, kwargs))
        if self.raises is not None:
            raise self.raises
        return subprocess.CompletedProcess(command, self.returncode, self.output, "")


LS_REMOTE = (
    f"{'1' * 40}\trefs/heads/feature/release/2.6\n"
    f"{COMMIT}\trefs/heads/release/2.6\n"
    f"{'2' * 40}\trefs/tags/v2.6.5\n"
    f"{'3' * 40}\trefs/tags/v2.6.5^{{}}\n"
)


def test_ls_remote_gives_the_branch_commit_once_per_process():
    git = FakeGit(LS_REMOTE)
    base = f"{REPO}#release/2.6:utils/docker/vcluster/daos-base/el8"
    server = f"{REPO}#release/2.6:utils/docker/vcluster/daos-server/el8"
    assert REAL_REMOTE_COMMIT(base, run=git) == COMMIT
    assert REAL_REMOTE_COMMIT(server, run=git) == COMMIT
    assert len(git.calls) == 1
    command, options = git.calls[0]
    assert command == ["git", "ls-remote", "--", REPO, "release/2.6"]
    assert options["env"]["GIT_TERMINAL_PROMPT"] == "0"
    assert options["timeout"] == git_refs.TIMEOUT == 10.0


def test_a_tag_gives_the_commit_it_points_to():
    assert REAL_REMOTE_COMMIT(f"{REPO}#v2.6.5:folder", run=FakeGit(LS_REMOTE)) == "3" * 40


def test_a_commit_ref_is_its_own_answer():
    git = FakeGit(raises=AssertionError("not asked"))
    assert REAL_REMOTE_COMMIT(f"{REPO}#{COMMIT}:folder", run=git) == COMMIT
    assert git.calls == []


@pytest.mark.parametrize(
    "git",
    [
        FakeGit(returncode=128),  # unreachable, or no such repository
        FakeGit(raises=FileNotFoundError("git")),  # no git on this host
        FakeGit(raises=subprocess.TimeoutExpired("git", 10.0)),  # no answer in time
        FakeGit(""),  # no such ref
    ],
    ids=["unreachable", "no-git", "timeout", "no-ref"],
)
def test_an_unknown_commit_is_none_never_an_error(git):
    assert REAL_REMOTE_COMMIT(f"{REPO}#release/2.6:folder", run=git) is None


def test_an_unreachable_repository_is_asked_once():
    git = FakeGit(returncode=128)
    for branch in ("release/2.0", "release/2.4", "release/2.6"):
        assert REAL_REMOTE_COMMIT(f"{REPO}#{branch}:folder", run=git) is None
    assert len(git.calls) == 1


def test_context_urls_split_into_repository_and_ref():
    assert git_refs.split_context(f"{REPO}#release/2.6:utils/docker") == (REPO, "release/2.6")
    assert git_refs.split_context(REPO) == (REPO, "HEAD")
    assert git_refs.split_context("github.com/daos-stack/daos#v2.6.5") == (
        "https://github.com/daos-stack/daos", "v2.6.5",
    )  # fmt: skip


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_real_git_on_a_local_repository(tmp_path, monkeypatch):
    repo = tmp_path / "daos"
    (repo / "utils").mkdir(parents=True)
    (repo / "utils" / "Dockerfile").write_text("FROM scratch\n")

    def git(*args):
        return subprocess.run(
            ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
            check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip

    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "one")
    git("branch", "release/2.6")
    commit = git("rev-parse", "HEAD")
    assert REAL_REMOTE_COMMIT(f"{repo}#release/2.6:utils") == commit
    monkeypatch.setattr(git_refs, "remote_commit", REAL_REMOTE_COMMIT)
    recipe = upstream_recipe("2.6", repository=str(tmp_path / "absent.git")).with_commits()
    assert {spec.source_id for spec in recipe.images} == {None}


def test_a_remote_build_without_git_stops_before_docker(tmp_path, monkeypatch):
    from pytest_daos.cluster.engine_git import GitMissing, require_git

    monkeypatch.setattr(
        images, "require_git", lambda: require_git({}, which=lambda name, path=None: None)
    )
    client = FakeClient()
    with pytest.raises(GitMissing, match="git"):
        ImageBuilder(client, tmp_path).ensure(upstream_recipe("2.6").with_commits(known_commit))
    assert client.api.builds == []


def test_an_unknown_commit_uses_the_cached_image_with_a_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(images, "check_reachable", lambda spec: None)
    client = FakeClient()
    ImageBuilder(client, tmp_path).ensure(upstream_recipe("2.6").with_commits(known_commit))
    said: list[str] = []
    again = ImageBuilder(client, tmp_path, said.append).ensure(
        upstream_recipe("2.6").with_commits(unknown_commit)
    )
    assert [result.built for result in again] == [False] * 4
    assert len(client.api.builds) == 4  # only the first ensure built
    assert any("cannot learn the commit of" in line and "cached image" in line for line in said)


def test_the_commit_is_part_of_the_key(tmp_path):
    client = FakeClient()
    keys = {
        commit: [key for _, key, _ in ImageBuilder(client, tmp_path).current(
            upstream_recipe("2.6").with_commits(lambda url, c=commit: c))]
        for commit in ("a" * 40, "b" * 40)
    }  # fmt: skip
    assert all(a != b for a, b in zip(keys["a" * 40], keys["b" * 40], strict=True))
