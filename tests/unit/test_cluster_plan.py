"""How nodes are run: the Docker options of each node, from the recipe's data."""

from __future__ import annotations

from pytest_daos.cluster import ClusterPlan, Deadline, container_name, is_caps_refusal, run_options
from pytest_daos.host import Interface
from pytest_daos.labels import ROLE_LABEL, SESSION_LABEL, Owner
from pytest_daos.recipes.sim import sim_recipe

RECIPE = sim_recipe("2.6", "base:1")
OWNER = Owner(session="abc123", pid=42, boot="boot", started=1.0)


def plan(**overrides):
    values = dict(
        recipe=RECIPE,
        image_tags={image.name: image.tag for image in RECIPE.images},
        iface=Interface("eth0", "192.0.2.2"),
        config_files={"daos_server.yml": "x", "daos_control.yml": "y", "daos_agent.yml": "z"},
        owner=OWNER,
        missing_caps=("SYS_RESOURCE",),
    )
    values.update(overrides)
    return ClusterPlan(**values)


def test_every_node_runs_like_the_daos_docker_quick_start():
    for node in RECIPE.nodes:
        run = run_options(plan(), node, privileged=True)
        assert run.host["network_mode"] == "host"
        assert run.create["hostname"] == node.hostname
        assert run.host["extra_hosts"] == {
            "daos-server": "192.0.2.2", "daos-admin": "192.0.2.2", "daos-client": "192.0.2.2",
        }  # fmt: skip
        assert run.host["tmpfs"] == {"/run": ""}
        assert run.host["init"] is True
        assert run.host["privileged"] is True
        assert run.raw_host == {}
        assert run.create["labels"][SESSION_LABEL] == "abc123"
        assert run.create["labels"][ROLE_LABEL] == node.role
        assert run.create["name"] == container_name(OWNER, node.role)
        assert run.create["name"] == f"pytest-daos-abc123-{node.role}"


def test_only_the_server_gets_the_hosts_hugetlbfs():
    server, admin, client = (run_options(plan(), RECIPE.node(role), True).host
                             for role in ("server", "admin", "client"))  # fmt: skip
    assert server["binds"] == ["/dev/hugepages:/dev/hugepages:rw"]
    assert admin["binds"] == client["binds"] == []


def test_without_privileged_capabilities_are_explicit():
    run = run_options(plan(), RECIPE.node("server"), privileged=False)
    assert "privileged" not in run.host
    assert run.host["cap_add"] == ["ALL"]
    assert run.host["cap_drop"] == ["SYS_RESOURCE"]
    assert run.host["security_opt"] == ["seccomp=unconfined", "apparmor=unconfined"]
    # what the docker CLI sends for --security-opt systempaths=unconfined
    assert run.raw_host == {"MaskedPaths": [], "ReadonlyPaths": []}
    assert "cap_drop" not in run_options(plan(missing_caps=()), RECIPE.node("server"), False).host


def test_systemd_nodes_of_the_upstream_recipe():
    from pytest_daos.recipes.upstream import upstream_recipe

    recipe = upstream_recipe("2.6")
    run = run_options(plan(recipe=recipe, image_tags={i.name: i.tag for i in recipe.images}),
                      recipe.node("server"), privileged=True)  # fmt: skip
    assert run.host["init"] is False
    assert run.host["cgroupns"] == "host"
    assert "/sys/fs/cgroup:/sys/fs/cgroup:ro" in run.host["binds"]
    assert run.create["command"] is None  # the image's own entrypoint: /sbin/init
    assert run.create["image"] == "daos/daos-server-el8:v2.6.5"


def test_caps_refusal_is_recognised():
    text = ("500 Server Error: failed to create shim task: OCI runtime create failed: runc create "
            "failed: unable to start container process: unable to apply caps: operation not "
            "permitted: unknown")  # fmt: skip
    assert is_caps_refusal(RuntimeError(text))
    assert not is_caps_refusal(RuntimeError("no such image"))


def test_deadline_bounds_each_call():
    deadline = Deadline(100)
    assert 99 < deadline.call_timeout(1000) <= 100
    assert deadline.call_timeout(5) == 5
    assert Deadline(0).call_timeout(5) == 1.0
    assert Deadline(0).expired()


def test_devices_the_host_lacks_are_left_out():
    client = RECIPE.node("client")
    assert client.devices == ("/dev/fuse",)
    assert run_options(plan(), client, True).host["devices"] == ["/dev/fuse:/dev/fuse:rwm"]
    absent = plan(absent_devices=frozenset({"/dev/fuse"}))
    assert run_options(absent, client, True).host["devices"] == []
