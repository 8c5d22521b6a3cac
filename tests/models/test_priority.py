"""Priority scoring: labels on a table of messages, reasons, monotonicity, rule validation."""

from __future__ import annotations

import copy
import itertools
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from models.priority import DEFAULT_RULES_PATH, PriorityScorer
from models.priority_rules import anchor_word, required_literal

SCORER = PriorityScorer.default()

NEU, NEG, POS = "neutral", "negative", "positive"
LATE = "This is ridiculous, my order is two weeks late and nobody tells me anything!"
LAWYER = "I was charged twice and I will contact my lawyer if not refunded today"
DISCLAIMER = "This email may contain attorney-client privileged information. Where is my order?"
CHASING = "This is the third time I'm writing and I still haven't heard back"

# (text, intent, sentiment, sentiment confidence, prior contacts, expected label)
TABLE: list[tuple[str, str | None, str | None, float, int, str]] = [
    ("how do I subscribe to your newsletter", "newsletter_subscription", NEU, 0.9, 0, "low"),
    ("where is my order", "track_order", NEU, 0.8, 0, "normal"),
    (LATE, "complaint", NEG, 0.9, 0, "high"),
    (LAWYER, "payment_issue", NEG, 0.9, 0, "urgent"),
    ("Loved the jacket, five stars from me!", "review", POS, 0.95, 0, "low"),
    ("which payment methods do you accept?", "check_payment_methods", NEU, 1.0, 0, "low"),
    ("do you ship to Canada?", "delivery_options", NEU, 0.9, 0, "low"),
    ("No rush, but what is your refund policy?", "check_refund_policy", NEU, 0.9, 0, "low"),
    ("can I pay with PayPal?", None, None, 1.0, 0, "normal"),
    ("hello, I can't log into my account", "recover_password", NEU, 0.9, 0, "normal"),
    ("I want to speak to a real person", "contact_human_agent", NEU, 0.9, 0, "normal"),
    ("I need my invoice by Friday for my accountant", "get_invoice", NEU, 0.9, 0, "normal"),
    (DISCLAIMER, "track_order", NEU, 0.9, 0, "normal"),
    ("my package is a week late, I'm annoyed", "delivery_period", NEG, 0.8, 0, "high"),
    ("There is an unauthorized charge on my card", "payment_issue", NEU, 0.9, 0, "high"),
    ("Please cancel my order ASAP", "cancel_order", NEU, 0.9, 0, "high"),
    ("where is my order", "track_order", NEU, 0.8, 3, "high"),
    (CHASING, None, NEG, 0.7, 0, "high"),
    ("An unauthorized charge on my card, I'm furious", "payment_issue", NEG, 0.9, 0, "urgent"),
    ("The kettle caught fire on first use", "complaint", NEG, 0.9, 0, "urgent"),
    ("my son had an allergic reaction, thanks!", None, POS, 0.9, 0, "urgent"),
    ("I'll file a chargeback if you don't respond", "get_refund", NEG, 0.8, 0, "urgent"),
]


@pytest.mark.parametrize(("text", "intent", "sentiment", "confidence", "prior", "expected"), TABLE)
def test_labels_match_the_table(
    text: str,
    intent: str | None,
    sentiment: str | None,
    confidence: float,
    prior: int,
    expected: str,
) -> None:
    result = SCORER.score(
        text,
        intent=intent,
        sentiment=sentiment,
        sentiment_confidence=confidence,
        repeated_contact=prior,
    )
    assert result.label == expected, result
    assert 0.0 <= result.score <= 1.0


def test_reasons_name_the_cues_strongest_first() -> None:
    result = SCORER.score(LAWYER, intent="payment_issue", sentiment=NEG, sentiment_confidence=0.9)
    assert result.reasons[0] == "legal_threat"
    expected = {"fraud", "deadline", "negative_sentiment", "intent:payment_issue"}
    assert expected <= set(result.reasons)


def test_reasons_leave_out_features_that_lower_the_score() -> None:
    result = SCORER.score("no rush, loved it", intent="review", sentiment="positive")
    assert result.reasons == []


def test_adding_a_legal_threat_never_lowers_the_score() -> None:
    rng = random.Random(7)
    threats = ["I will contact my lawyer.", "Expect legal action.", "See you in small claims."]
    for text, intent, sentiment, confidence, _, _ in TABLE:
        before = SCORER.score(
            text, intent=intent, sentiment=sentiment, sentiment_confidence=confidence
        )
        threat = rng.choice(threats)
        after = SCORER.score(
            f"{text} {threat}", intent=intent, sentiment=sentiment, sentiment_confidence=confidence
        )
        assert after.score >= before.score
        assert "legal_threat" in after.reasons


def test_more_prior_contacts_raise_the_score_up_to_the_cap() -> None:
    scores = [
        SCORER.score("where is my order", intent="track_order", sentiment=None, repeated_contact=n)
        for n in range(8)
    ]
    assert all(a.score <= b.score for a, b in itertools.pairwise(scores))
    assert scores[6].score == scores[7].score


def test_negative_sentiment_counts_in_proportion_to_its_confidence() -> None:
    weak = SCORER.score("ok", intent=None, sentiment="negative", sentiment_confidence=0.2)
    strong = SCORER.score("ok", intent=None, sentiment="NEGATIVE", sentiment_confidence=0.9)
    assert weak.score < strong.score


def test_unknown_intent_and_sentiment_are_neutral() -> None:
    base = SCORER.score("hello", intent=None, sentiment=None)
    other = SCORER.score("hello", intent="not_an_intent", sentiment="mixed")
    assert other.score == pytest.approx(base.score)


def test_cues_are_word_bounded() -> None:
    assert "legal_threat" not in _reasons("Sue from accounts")
    assert "deadline" not in _reasons("todays deal")
    assert "deadline" in _reasons("(TODAY!)")


def test_cue_matching_agrees_with_plain_regex_search() -> None:
    rules = json.loads(DEFAULT_RULES_PATH.read_text())
    reference = {
        cue["name"]: re.compile(
            r"\b(?:" + "|".join(f"(?:{p})" for p in cue["patterns"]) + r")\b", re.IGNORECASE
        )
        for cue in rules["cues"]
    }
    phrases = [
        p for cue in rules["cues"] for p in cue["patterns"] if not re.search(r"\\|\(\?[!<]|[{+]", p)
    ]
    rng = random.Random(3)
    words = ["I", "was", "the", "Issue", "you", "again", "today's", "«", "café", "—", "order", "x"]
    for _ in range(300):
        parts = [rng.choice(words) for _ in range(6)]
        parts.insert(rng.randrange(7), _sample_phrase(rng.choice(phrases), rng))
        text = rng.choice([" ", ", ", "'", "-"]).join(parts)
        expected = [name for name, rx in reference.items() if rx.search(text)]
        fired = [r for r in _reasons(text) if r in reference]
        assert sorted(fired) == sorted(n for n in expected if _cue_weight(rules, n) > 0.05), text


def test_mandatory_literals_are_found_outside_groups_only() -> None:
    assert required_literal("burst into flames") == ("burst into flames", True, True)
    assert required_literal("lawyers?") == ("lawyer", True, False)
    assert required_literal("ba+d") == ("ba", True, False)
    assert required_literal("(?:a|b) cd|e") is None
    assert anchor_word("burst into flames", True, True) == "flames"
    assert anchor_word("t authori", False, False) is None


def test_a_custom_rules_file_changes_the_result(tmp_path: Path) -> None:
    rules = _default_rules()
    rules["intents"]["newsletter_subscription"] = 3.0
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(rules))
    custom = PriorityScorer.from_file(path).score(
        "how do I subscribe to your newsletter", intent="newsletter_subscription", sentiment=None
    )
    assert custom.label == "urgent"
    assert custom.reasons == ["intent:newsletter_subscription"]


def _break_threshold_label(r: dict[str, Any]) -> None:
    r["thresholds"]["critical"] = 0.95


def _break_threshold_order(r: dict[str, Any]) -> None:
    r["thresholds"]["high"] = 0.9


def _break_regex(r: dict[str, Any]) -> None:
    r["cues"][0]["patterns"].append("unclosed (group")


def _break_min_label(r: dict[str, Any]) -> None:
    r["cues"][0]["min_label"] = "critical"


def _break_empty_pattern(r: dict[str, Any]) -> None:
    r["cues"][0]["patterns"].append("(?:maybe)?")


def _break_weight(r: dict[str, Any]) -> None:
    r["intents"]["complaint"] = "high"


def _break_key(r: dict[str, Any]) -> None:
    r["treshold"] = {}


@pytest.mark.parametrize(
    "breaker",
    [
        _break_threshold_label,
        _break_threshold_order,
        _break_regex,
        _break_min_label,
        _break_empty_pattern,
        _break_weight,
        _break_key,
    ],
)
def test_a_bad_rules_file_raises_value_error(tmp_path: Path, breaker: Any) -> None:
    rules = _default_rules()
    breaker(rules)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(rules))
    with pytest.raises(ValueError, match="priority rules"):
        PriorityScorer.from_file(path)


def test_a_file_that_is_not_json_raises_value_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="invalid JSON"):
        PriorityScorer.from_file(path)


def test_the_default_rules_carry_a_version() -> None:
    assert SCORER.version


def _reasons(text: str) -> list[str]:
    return SCORER.score(text, intent=None, sentiment=None).reasons


def _default_rules() -> dict[str, Any]:
    return copy.deepcopy(json.loads(DEFAULT_RULES_PATH.read_text()))


def _cue_weight(rules: dict[str, Any], name: str) -> float:
    return float(next(c["weight"] for c in rules["cues"] if c["name"] == name))


def _sample_phrase(pattern: str, rng: random.Random) -> str:
    """A string the pattern usually matches: one branch per group, optional parts at random."""
    text = re.sub(r"\[([^\]]+)\]", lambda m: m.group(1)[0], pattern)
    group = re.compile(r"\((?:\?:)?([^()]*)\)(\?)?")
    while "(" in text:
        text = group.sub(lambda m: _branch(m, rng), text)
    text = re.sub(r"(\w)\?", lambda m: m.group(1) * rng.randint(0, 1), text).replace("?", "")
    return text.upper() if rng.random() < 0.3 else text


def _branch(match: re.Match[str], rng: random.Random) -> str:
    if match.group(2) and rng.random() < 0.5:
        return ""
    return rng.choice(str(match.group(1)).split("|"))
