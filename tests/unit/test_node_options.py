"""How nodes are run: the Docker options of each node, from the recipe's data."""

from __future__ import annotations

from pytest_daos.cluster.host import Interface
from pytest_daos.cluster.labels import ROLE_LABEL, SESSION_LABEL, Owner
from pytest_daos.cluster.node_options import (
    ClusterPlan,
    container_name,
    is_caps_refusal,
    run_options,
)
from pytest_daos.cluster.recipes import DIRS_ENV, NODE_ENTRYPOINT
from pytest_daos.cluster.recipes.sim import sim_recipe
from pytest_daos.waiting import Deadline

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


def test_upstream_nodes_run_the_daemons_not_systemd():
    from pytest_daos.cluster.recipes.upstream import upstream_recipe

    recipe = upstream_recipe("2.6")
    node_plan = plan(recipe=recipe, image_tags={i.name: i.tag for i in recipe.images},
                     node_dirs={"server": ("/var/run/daos_server",)})  # fmt: skip
    run = run_options(node_plan, recipe.node("server"), privileged=True)
    assert run.host["init"] is True  # Docker's init, not the image's /sbin/init
    assert "cgroupns" not in run.host
    assert not any("cgroup" in bind for bind in run.host["binds"])
    assert run.create["entrypoint"] == list(NODE_ENTRYPOINT)
    assert run.create["command"] == ["daos_server", "start", "-o", "/etc/daos/daos_server.yml"]
    assert run.create["environment"][DIRS_ENV] == "/var/run/daos_server"
    assert run.create["image"] == "daos/daos-server-el8:v2.6.5"


def test_node_entrypoint_makes_the_folders_then_runs_the_command(tmp_path):
    """The entrypoint itself, run by /bin/sh as Docker runs it: folders first, then exec."""
    import subprocess

    dirs = f"{tmp_path}/run/daos_server {tmp_path}/run/daos_agent"
    done = subprocess.run([*NODE_ENTRYPOINT, "sh", "-c", "echo $$; ls -d run/*"],
                          env={DIRS_ENV: dirs, "PATH": "/usr/bin:/bin"}, cwd=tmp_path,
                          capture_output=True, text=True, check=True)  # fmt: skip
    assert done.stdout.split()[1:] == ["run/daos_agent", "run/daos_server"]
    empty = subprocess.run([*NODE_ENTRYPOINT, "true"], env={DIRS_ENV: ""}, check=False)
    assert empty.returncode == 0
    blocked = tmp_path / "file"
    blocked.write_text("")
    failed = subprocess.run([*NODE_ENTRYPOINT, "echo", "ran"], env={DIRS_ENV: f"{blocked}/x"},
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert failed.returncode == 1 and "ran" not in failed.stdout


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
