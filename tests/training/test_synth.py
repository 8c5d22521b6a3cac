"""Synthetic email/chat/SMS rendering: determinism, filled placeholders, lengths, style mix."""

from __future__ import annotations

import random
import re
import statistics

import pytest

from training import placeholders, synth, synth_thread
from training.synth import email_eval_set, fill_placeholders, render, render_many

# Bitext-style one-liners covering every placeholder in the v11 file, plus slots from its responses.
REQUESTS = [
    "question about cancelling order {{Order Number}}",
    "i need help cancelling puchase {{Order Number}}",
    "I'm waiting for a reimbjrsement of {{Currency Symbol}}{{Refund Amount}}",
    "refund {{Refund Amount}} dollars",
    "new {{Account Type}} acount for wife",
    "I want information about opening a {{Account Category}} account",
    "need to see my invoicesfrom {{Person Name}}",
    "do you ship to {{Delivery City}}?",
    "is it possible to send items to {{Delivery Country}}",
    "check my bill{{Invoice Number}}",
    "where is my order",
    "how do I subscribe to your newsletter",
    "I have to recover the password of my account",
    "I want to file a complaint about your service",
    "what payment methods do you accept",
    "can you tell me the delivery period",
    "is {{Website URL}} the right site to contact {{Customer Support Phone Number}}?",
    "help with {{Loyalty Programme Tier}} and {{Gift Card Code}}",
]
STYLE_MARKERS = re.compile(r"^(?:On .+ wrote:|-----Original Message-----)$", re.MULTILINE)


def _emails(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [render(rng.choice(REQUESTS), rng, style="email") for _ in range(n)]


def test_rendering_is_deterministic_for_a_seed() -> None:
    assert render_many(REQUESTS, seed=11) == render_many(REQUESTS, seed=11)
    assert render_many(REQUESTS, seed=11) != render_many(REQUESTS, seed=12)
    one = render(REQUESTS[0], random.Random(5), style="chat")
    assert one == render(REQUESTS[0], random.Random(5), style="chat")


def test_no_placeholder_is_ever_left_in_the_output() -> None:
    texts = [*REQUESTS, "odd {{}} slot", "broken {{Order Number} brace", "{{ order number }}"]
    for text in render_many(texts * 20, seed=3):
        assert "{{" not in text and "}}" not in text


def test_placeholders_get_realistic_values() -> None:
    rng = random.Random(1)
    amounts = [fill_placeholders("{{Currency Symbol}}{{Refund Amount}}", rng) for _ in range(50)]
    assert all(re.fullmatch(r"[$£€][\d,]+(?:\.\d\d)?", a) for a in amounts)
    assert re.fullmatch(
        r"refund [\d,.]+ dollars", fill_placeholders("refund {{Refund Amount}} dollars", rng)
    )
    assert re.fullmatch(r"[$£€][\d,.]+", fill_placeholders("{{Refund Amount}}", rng))
    orders = {fill_placeholders("{{Order Number}}", rng) for _ in range(200)}
    assert len(orders) > 150 and all(re.search(r"\d{4}", o) for o in orders)
    assert any(re.fullmatch(r"#[A-Z]-\d{5}", o) for o in orders)
    assert any(re.fullmatch(r"\d{3}-\d{7}-\d{4}", o) for o in orders)
    assert fill_placeholders("my bill{{Invoice Number}}", rng).startswith("my bill ")
    assert "." in fill_placeholders("{{Website URL}}", rng)
    assert re.search(r"\d{3}", fill_placeholders("{{Customer Support Phone Number}}", rng))
    assert fill_placeholders("{{Account Type}}", rng)[0].isupper()


def test_unknown_placeholders_get_a_plausible_value() -> None:
    rng = random.Random(2)
    assert fill_placeholders("{{Favourite Colour}}", rng) == "Favourite Colour"
    assert re.search(r"\d", fill_placeholders("{{Voucher Code}}", rng))
    assert "@" in fill_placeholders("{{Billing Email}}", rng)


def test_an_email_contains_the_filled_request() -> None:
    for seed in range(200):
        text = REQUESTS[seed % len(REQUESTS)]
        filled = fill_placeholders(text, random.Random(seed)).strip()
        email = render(text, random.Random(seed), style="email")
        # Polishing may only change the first letter's case and add closing punctuation.
        assert filled[1:] in email
        assert filled.lower() in email.lower()


def test_email_median_length_is_in_range() -> None:
    lengths = [len(e) for e in _emails(200)]
    assert 500 <= statistics.median(lengths) <= 900
    assert max(lengths) > 1500


def test_styles_differ() -> None:
    emails = render_many(REQUESTS * 10, seed=4, styles=("email",), weights=(1.0,))
    chats = render_many(REQUESTS * 10, seed=4, styles=("chat",), weights=(1.0,))
    sms = render_many(REQUESTS * 10, seed=4, styles=("sms",), weights=(1.0,))
    assert statistics.mean(map(len, emails)) > 4 * statistics.mean(map(len, chats))
    assert all("\n\n" in e for e in emails)
    assert not any("\n\n" in t for t in chats + sms)
    assert sum(c == c.lower() for c in chats) > len(chats) // 5
    assert any(re.search(r"\b(?:pls|thx|u|ur|4|w/)\b", s) for s in sms)
    assert statistics.mean(map(len, sms)) < 80


def test_the_default_mix_uses_every_style() -> None:
    texts = render_many(["where is my order"] * 300, seed=9)
    emails = sum("\n\n" in t for t in texts)
    assert 120 < emails < 240


def test_chats_sometimes_carry_typos_or_emoji() -> None:
    rng = random.Random(6)
    chats = [
        render("I would like to change the shipping address please", rng, style="chat")
        for _ in range(300)
    ]
    assert any(not re.search(r"would like to change the shipping address", c, re.I) for c in chats)
    assert any(not c.isascii() for c in chats)


def test_a_quoted_thread_is_sometimes_present() -> None:
    emails = _emails(200, seed=7)
    quoted = [e for e in emails if STYLE_MARKERS.search(e) and "\n> " in e]
    assert 0.2 * len(emails) < len(quoted) < 0.8 * len(emails)


def test_the_eval_set_is_email_style_and_keeps_labels() -> None:
    rows = [(text, f"label{i}") for i, text in enumerate(REQUESTS)]
    first = email_eval_set(rows, seed=21)
    assert first == email_eval_set(rows, seed=21)
    assert [label for _, label in first] == [label for _, label in rows]
    assert all("\n\n" in text for text, _ in first)


def test_render_many_rejects_mismatched_arguments() -> None:
    with pytest.raises(ValueError):
        render_many(REQUESTS, seed=1, styles=("email", "chat"), weights=(1.0,))
    with pytest.raises(ValueError):
        render_many(REQUESTS, seed=1, intents=["complaint"])
    with pytest.raises(ValueError):
        render("hi", random.Random(0), style="fax")  # type: ignore[arg-type]


def test_phrase_pools_are_large() -> None:
    for pool in (synth.GREETINGS, synth.SIGNOFFS, synth.CONTEXTS, synth.FOLLOWUPS):
        assert len(pool) >= 20
    assert len(placeholders.FIRST_NAMES) >= 15 and len(placeholders.LAST_NAMES) >= 15
    assert len(synth_thread.QUOTED_SUPPORT) >= 10


def test_generic_filler_does_not_point_at_an_intent() -> None:
    topical = re.compile(
        r"refund|cancel|password|invoice|\bbill|deliver|ship|subscri|newsletter|complain|payment"
        r"|account|address|track|order|log ?in|sign ?up|regist|review|charge|\bfees?\b|parcel",
        re.IGNORECASE,
    )
    pools = (synth.OPENERS, synth.CONTEXTS, synth.AFTER_REMARKS, synth.FOLLOWUPS, synth.LEAD_INS)
    filler = [*(p for pool in pools for p in pool), *synth_thread.QUOTED_CUSTOMER]
    filler += [re.sub(r"\{\w+\}", "", q) for q in synth_thread.QUOTED_SUPPORT]
    assert [f for f in filler if topical.search(f)] == []
