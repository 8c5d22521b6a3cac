"""Reversible masking: numbered placeholders out, the customer's details back in the answer."""

from __future__ import annotations

from routing.contract import ChatMessage
from routing.masking import StreamUnmasker, mask_messages


def test_values_get_stable_numbered_placeholders_and_come_back() -> None:
    messages = [
        ChatMessage("system", "The customer is ana@example.com."),
        ChatMessage("user", "Write to ana@example.com or bo@example.org, card 4111 1111 1111 1111"),
    ]
    masked, masking = mask_messages(messages)
    assert masked[0].content == "The customer is [EMAIL_1]."
    assert masked[1].content == "Write to [EMAIL_1] or [EMAIL_2], card [CARD_1]"
    answer = "Done: [EMAIL_2] and [EMAIL_1] notified; [UNKNOWN_9] stays as it is."
    assert masking.unmask(answer) == (
        "Done: bo@example.org and ana@example.com notified; [UNKNOWN_9] stays as it is."
    )


def test_a_stream_restores_placeholders_split_across_deltas() -> None:
    _, masking = mask_messages([ChatMessage("user", "I am at ana@example.com")])
    unmasker = StreamUnmasker(masking)
    pieces = ["We wrote to [EM", "AIL", "_1] just now", " [not a placeholder"]
    shown = [unmasker.feed(piece) for piece in pieces] + [unmasker.flush()]
    assert "".join(shown) == "We wrote to ana@example.com just now [not a placeholder"
    assert shown[1] == ""  # held back until the placeholder closed


def test_without_pii_nothing_is_held_back() -> None:
    _, masking = mask_messages([ChatMessage("user", "Where is my parcel?")])
    assert StreamUnmasker(masking).feed("Hello [") == "Hello ["
