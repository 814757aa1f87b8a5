"""HDLC parameter negotiation during link establishment (IEC 62056-46 6.4.4, SNRM/UA
information field; dlms-notes "HDLC").

The SNRM carries the client's proposal in the client's view, the UA the server's own view
(its "transmit" values are what the server sends). An absent or zero-length parameter means
the default (128 octets, window 1). The server answers, for each parameter, the smaller of
the proposal and its own capability; a UA stating a value above the proposal is a
violation the client reports.
"""

from __future__ import annotations

from conformance.codec.hdlc import HdlcParameters
from conformance.errors import CodecError, RemoteProtocolError
from conformance.protocol.hdlc.config import MAX_WINDOW_SIZE, HdlcConfig, NegotiatedParameters

__all__ = ["accept_ua", "answer_snrm", "decode_parameters", "proposal_from_config"]


def proposal_from_config(config: HdlcConfig) -> HdlcParameters:
    """The SNRM parameters a client sends: the four values of ``config``, all explicit."""
    return HdlcParameters(
        max_info_field_length_transmit=config.max_info_field_length_transmit,
        max_info_field_length_receive=config.max_info_field_length_receive,
        window_size_transmit=config.window_size_transmit,
        window_size_receive=config.window_size_receive,
    )


def decode_parameters(information: bytes, frame: str) -> HdlcParameters:
    """Parameters of an SNRM/UA information field (empty: every default).

    RemoteProtocolError (the frame named in the message) when the field is malformed or a
    value makes the link unusable (an information length or a window of 0). Values above
    what a station supports are not errors here: the server answers the smaller value and
    :func:`accept_ua` bounds the UA by the proposal.
    """
    try:
        params = HdlcParameters.from_information(information)
    except CodecError as exc:
        raise RemoteProtocolError(f"{frame} parameters malformed: {exc}") from None
    for name, value in (
        ("max_info_field_length_transmit", params.effective_max_info_field_length_transmit),
        ("max_info_field_length_receive", params.effective_max_info_field_length_receive),
    ):
        if value < 1:
            raise RemoteProtocolError(f"{frame} states {name} {value}: no information "
                                      "field could be carried")
    for name, value in (("window_size_transmit", params.effective_window_size_transmit),
                        ("window_size_receive", params.effective_window_size_receive)):
        if value < 1:
            raise RemoteProtocolError(f"{frame} states {name} {value}: no I frame could "
                                      "be sent")
    return params


def answer_snrm(config: HdlcConfig, proposal: HdlcParameters) -> tuple[
        NegotiatedParameters, HdlcParameters]:
    """Server side: the parameters in force (server view) and the UA parameters stating
    them. Each is the smaller of the client's proposal and the server's capability; the
    client's transmit values bound the server's receive values and the reverse."""
    negotiated = NegotiatedParameters(
        max_info_field_length_transmit=min(
            config.max_info_field_length_transmit,
            proposal.effective_max_info_field_length_receive),
        max_info_field_length_receive=min(
            config.max_info_field_length_receive,
            proposal.effective_max_info_field_length_transmit),
        window_size_transmit=min(config.window_size_transmit,
                                 proposal.effective_window_size_receive),
        window_size_receive=min(config.window_size_receive,
                                proposal.effective_window_size_transmit),
    )
    ua = HdlcParameters(
        max_info_field_length_transmit=negotiated.max_info_field_length_transmit,
        max_info_field_length_receive=negotiated.max_info_field_length_receive,
        window_size_transmit=negotiated.window_size_transmit,
        window_size_receive=negotiated.window_size_receive,
    )
    return negotiated, ua


def accept_ua(proposal: HdlcParameters, ua: HdlcParameters, *,
              max_information: int) -> NegotiatedParameters:
    """Client side: the parameters in force (client view) after the server's UA.

    RemoteProtocolError when the UA states a value above what the client proposed
    (negotiated values never exceed the proposal; an absent UA parameter means its
    default, which may itself exceed a smaller proposal). A proposal made on purpose
    beyond what the link can carry (a window above 7, an information field beyond
    ``max_information`` octets) is agreed, but this station never sends more than the
    link can carry.
    """
    pairs = (
        ("max_info_field_length_transmit", ua.effective_max_info_field_length_transmit,
         "max_info_field_length_receive", proposal.effective_max_info_field_length_receive),
        ("max_info_field_length_receive", ua.effective_max_info_field_length_receive,
         "max_info_field_length_transmit", proposal.effective_max_info_field_length_transmit),
        ("window_size_transmit", ua.effective_window_size_transmit,
         "window_size_receive", proposal.effective_window_size_receive),
        ("window_size_receive", ua.effective_window_size_receive,
         "window_size_transmit", proposal.effective_window_size_transmit),
    )
    for ua_name, ua_value, proposed_name, proposed_value in pairs:
        if ua_value > proposed_value:
            raise RemoteProtocolError(
                f"UA states {ua_name} {ua_value}, above the client's proposed "
                f"{proposed_name} {proposed_value} (IEC 62056-46 6.4.4 parameter "
                "negotiation: the server answers at most the proposal)")
    return NegotiatedParameters(
        max_info_field_length_transmit=min(ua.effective_max_info_field_length_receive,
                                           max_information),
        max_info_field_length_receive=ua.effective_max_info_field_length_transmit,
        window_size_transmit=min(ua.effective_window_size_receive, MAX_WINDOW_SIZE),
        window_size_receive=min(ua.effective_window_size_transmit, MAX_WINDOW_SIZE),
    )
