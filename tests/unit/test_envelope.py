"""The -j envelope parser and DaosError, on the real DAOS 2.6.5 outputs."""

from __future__ import annotations

import json

import pytest

from pytest_daos.client import envelope
from pytest_daos.client.dmg import Member, all_joined
from pytest_daos.client.transport import ExecResult


def result(stdout: str, exit_code: int = 0, stderr: str = "") -> ExecResult:
    return ExecResult(("dmg", "-j", "x"), exit_code, stdout, stderr)


def test_success_returns_the_response(real_output):
    response = envelope.parse(result(real_output("2.6", "dmg_pool_create_tank.json")))
    assert response["uuid"] == "3611afcc-4714-41c7-8f3d-bf257f15229f"
    assert response["tier_bytes"] == [120000512, 1880000000]


def test_null_response_of_a_command_without_body(real_output):
    output = real_output("2.6", "dmg_pool_destroy_tank_recursive.json")
    assert envelope.parse(result(output)) is None


def test_der_error_has_status_and_name(real_output):
    with pytest.raises(envelope.DaosError) as caught:
        envelope.parse(result(real_output("2.6", "dmg_pool_create_nospace.json"), 1))
    error = caught.value
    assert error.status == -1007
    assert error.name == "DER_NOSPACE"
    assert error.fault is None
    assert "No space on storage target" in str(error)


def test_fault_error_has_fault_code(real_output):
    with pytest.raises(envelope.DaosError) as caught:
        envelope.parse(result(real_output("2.6", "dmg_pool_create_duplicate_label.json"), 1))
    assert caught.value.fault == 609
    assert caught.value.status == -1025
    assert caught.value.name == "DER_MISC"
    assert 'pool label \\"tank\\" already exists in the system' in caught.value.message


def test_error_keeps_the_response_it_came_with(real_output):
    with pytest.raises(envelope.DaosError) as caught:
        envelope.parse(result(real_output("2.6", "dmg_storage_scan_server_down.json"), 1))
    assert caught.value.message == "1 host had errors"
    assert caught.value.response["HostStorage"] is None


def test_agent_error_is_named(real_output):
    with pytest.raises(envelope.DaosError) as caught:
        envelope.parse(result(real_output("2.6", "docker_daos_pool_query_no_agent.json"), 1))
    assert caught.value.name == "DER_AGENT_COMM"
    assert caught.value.status == -2034


def test_uninitialized_text_is_recognised(real_output):
    with pytest.raises(envelope.DaosError) as caught:
        envelope.parse(result(real_output("2.6", "dmg_system_query_before_format.json"), 1))
    assert envelope.UNINITIALIZED in caught.value.message
    with pytest.raises(envelope.DaosError) as caught:
        envelope.parse(result(real_output("2.6", "dmg_storage_format_running_system.json"), 1))
    assert envelope.RUNNING_SYSTEM in caught.value.message


def test_nonzero_exit_with_clean_envelope_is_still_an_error():
    with pytest.raises(envelope.DaosError):
        envelope.parse(result(json.dumps({"response": None, "error": None, "status": 0}), 1))


@pytest.mark.parametrize(
    ("stdout", "exit_code", "text"),
    [
        ("", 124, "no answer in time"),
        ("Usage: dmg [OPTIONS]", 1, "not JSON"),
        ('{"members": []}', 0, "without the response/error/status envelope"),
    ],
)
def test_protocol_errors_show_the_command(stdout, exit_code, text):
    with pytest.raises(envelope.ProtocolError) as caught:
        envelope.parse(result(stdout, exit_code, stderr="boom"))
    assert text in str(caught.value)
    assert "$ dmg -j x" in str(caught.value)
    assert "boom" in str(caught.value)


def test_members_from_system_query(real_output):
    response = envelope.parse(result(real_output("2.6", "dmg_system_query.json")))
    members = [Member.from_json(item) for item in response["members"]]
    assert members == [
        Member(
            rank=0,
            state="joined",
            addr="127.0.0.1:10001",
            uuid="46bdcde1-819b-458a-ba99-597386b946e8",
            fabric_uri="ofi+tcp;ofi_rxm://127.0.0.1:31416",
            info="",
        )
    ]
    assert all_joined(members)
    assert not all_joined([])
    assert not all_joined([*members, Member(1, "stopped", "", "", "", "system stop")])


def test_answer_texts_reads_fields_by_key_and_left_out_optional_ones_as_empty():
    item = {"container_uuid": "u", "pool_uuid": 7, "container_type": "POSIX"}
    keys = {"uuid": "container_uuid", "label": "container_label", "type": "container_type"}
    texts = envelope.answer_texts(item, ("pool_uuid", "uuid"), ("label", "type"), keys)
    assert texts == {"pool_uuid": "7", "uuid": "u", "label": "", "type": "POSIX"}
    with pytest.raises(KeyError):
        envelope.answer_texts({"state": "joined"}, ("state", "rank"))
