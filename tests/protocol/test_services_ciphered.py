"""The services machines over the association's real ciphering policy (suite 0, global
key, authenticated and encrypted): every APDU on the wire is protected (GBT blocks carry the
protected APDU), blocks fit the limits with the real envelope overhead, and every
invocation counter grows."""

from __future__ import annotations

import pytest

from conformance.codec.acse.names import ApplicationContextName, MechanismName
from conformance.codec.apdu import decode_apdu
from conformance.codec.axdr import OctetString
from conformance.codec.xdlms.ciphered import decode_ciphered
from conformance.codec.xdlms.gbt import GeneralBlockTransfer
from conformance.protocol.association import (
    AssociationConfig,
    Ciphering,
    CipheringMode,
    MemoryCounterStore,
    OfferedAssociation,
    Role,
    SecurityPolicy,
)
from conformance.protocol.services import (
    Action,
    ActionConfirm,
    BlockTransferMode,
    ClientServices,
    Get,
    GetConfirm,
    ServerServices,
    Set,
    SetConfirm,
)
from conformance.security import SecurityKeys, SecuritySuite
from tests.protocol.test_services_pair import (
    EVERYTHING,
    Model,
    Wire,
    attribute,
    config,
    method,
    only,
)
from tests.security.helpers import GB_AK, GB_CLIENT_ST, GB_EK, GB_SERVER_ST


def _policies(mode: CipheringMode) -> tuple[Ciphering, Ciphering]:
    common = {"application_context_name":
              ApplicationContextName.LOGICAL_NAME_REFERENCING_WITH_CIPHERING,
              "mechanism": MechanismName.LOWEST_LEVEL_SECURITY,
              "security_suite": SecuritySuite.SUITE_0,
              "security_policy": SecurityPolicy.AUTHENTICATED_ENCRYPTED,
              "ciphering_mode": mode,
              "keys": SecurityKeys(encryption_key=GB_EK, authentication_key=GB_AK)}
    client = Ciphering(role=Role.CLIENT, counters=MemoryCounterStore(),
                       settings=AssociationConfig(system_title=GB_CLIENT_ST, **common))
    server = Ciphering(role=Role.SERVER, counters=MemoryCounterStore(),
                       settings=OfferedAssociation(system_title=GB_SERVER_ST, **common))
    client.set_peer_system_title(GB_SERVER_ST)
    server.set_peer_system_title(GB_CLIENT_ST)
    return client, server


def _wire(mode: CipheringMode, **kw: object) -> tuple[Wire, Model]:
    client_policy, server_policy = _policies(mode)
    cfg = config(EVERYTHING, **kw)  # type: ignore[arg-type]
    model = Model()
    return Wire(ClientServices(cfg, protection=client_policy),
                ServerServices(cfg, model, protection=server_policy)), model


def _counters(wire: Wire, direction: str) -> list[int]:
    """The invocation counters of the ciphered APDUs that went ``direction``."""
    found = []
    for d, apdu in wire.log:
        if d == direction and apdu[0] != 0xE0:
            found.append(decode_ciphered(apdu).security_header.invocation_counter)
    return found


MODES = [CipheringMode.GLOBAL, CipheringMode.GENERAL_GLO]


@pytest.mark.parametrize("mode", MODES)
def test_long_get_in_ciphered_datablocks(mode: CipheringMode) -> None:
    wire, model = _wire(mode, client_max=96)
    value = OctetString(value=bytes(range(256)) * 2)
    model.put(attribute(), value)
    confirm = only(wire.exchange(Get(cosem_attribute_descriptor=attribute())))
    assert isinstance(confirm, GetConfirm) and confirm.result == value
    assert confirm.transfer.response_blocks > 5
    for direction in ("c>s", "s>c"):
        counters = _counters(wire, direction)
        assert counters == sorted(set(counters)) and len(counters) > 5


@pytest.mark.parametrize("mode", MODES)
def test_long_set_and_action_in_ciphered_blocks(mode: CipheringMode) -> None:
    wire, model = _wire(mode, server_max=80, client_max=80)
    value = OctetString(value=bytes(300))
    confirm = only(wire.exchange(Set(cosem_attribute_descriptor=attribute(), value=value)))
    assert isinstance(confirm, SetConfirm) and confirm.transfer.request_blocks > 3
    assert model.values[(1, attribute().instance_id, 2)] == value
    confirm = only(wire.exchange(Action(cosem_method_descriptor=method(),
                                        method_invocation_parameters=value)))
    assert isinstance(confirm, ActionConfirm)
    assert confirm.response.return_parameters == value
    counters = _counters(wire, "c>s")
    assert counters == sorted(set(counters))


@pytest.mark.parametrize("mode", MODES)
def test_gbt_carries_ciphered_apdus(mode: CipheringMode) -> None:
    wire, model = _wire(mode, client_max=64, server_max=64, gbt_window=3,
                        block_transfer=BlockTransferMode.GENERAL)
    value = OctetString(value=bytes(400))
    model.put(attribute(), value)
    confirm = only(wire.exchange(Get(cosem_attribute_descriptor=attribute())))
    assert isinstance(confirm, GetConfirm) and confirm.result == value
    assert confirm.transfer.general_block_transfer
    blocks = [a for d, a in wire.log if d == "s>c"]
    assert all(a[0] == 0xE0 for a in blocks)
    carried = b"".join(_block_data(a) for a in blocks)
    decode_ciphered(carried)  # the blocks carry one protected APDU
    confirm = only(wire.exchange(Set(cosem_attribute_descriptor=attribute(), value=value)))
    assert isinstance(confirm, SetConfirm) and confirm.transfer.general_block_transfer


def _block_data(apdu: bytes) -> bytes:
    block = decode_apdu(apdu)
    assert isinstance(block, GeneralBlockTransfer)
    return block.block_data
