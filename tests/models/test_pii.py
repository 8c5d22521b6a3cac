"""PII detection and masking on realistic, noisy customer messages."""

from __future__ import annotations

from itertools import pairwise

import pytest

from models.pii import PiiSpan, find_pii, mask_pii

STRUCTURED = {"email", "phone", "card", "iban"}

# (message, expected structured PII as (type, exact text)); people and addresses have their own
# tables below and are ignored here.
STRUCTURED_CASES: list[tuple[str, list[tuple[str, str]]]] = [
    ("Please call me at (415) 555-0132 after 5pm.", [("phone", "(415) 555-0132")]),
    ("my number is 415.555.0132 thx", [("phone", "415.555.0132")]),
    (
        "Call 212-555-0187 or email jane.doe@gmail.com",
        [("phone", "212-555-0187"), ("email", "jane.doe@gmail.com")],
    ),
    ("UK office: +44 20 7946 0958", [("phone", "+44 20 7946 0958")]),
    ("Reach me on +49 30 901820 tomorrow", [("phone", "+49 30 901820")]),
    ("mobile +33 6 12 34 56 78 (France)", [("phone", "+33 6 12 34 56 78")]),
    ("+1 (212) 555-0187 is my cell", [("phone", "+1 (212) 555-0187")]),
    ("WhatsApp: +91 98765 43210", [("phone", "+91 98765 43210")]),
    ("tel:+14155550132", [("phone", "+14155550132")]),
    ("Call 1-800-275-2273 for help", [("phone", "1-800-275-2273")]),
    ("My Spanish number is +34 912 345 678.", [("phone", "+34 912 345 678")]),
    ("Japan office +81 3-3224-9999", [("phone", "+81 3-3224-9999")]),
    ("+61 2 9374 4000 (Sydney)", [("phone", "+61 2 9374 4000")]),
    ("ph:4155550132", [("phone", "4155550132")]),
    ("phone number: 4155550132", [("phone", "4155550132")]),
    (
        "Contact: MARIA.GARCIA+orders@Example.COM.",
        [("email", "MARIA.GARCIA+orders@Example.COM")],
    ),
    ("From: <john_smith@sub.mail.example.org>", [("email", "john_smith@sub.mail.example.org")]),
    ("send it to müller@beispiel.de please", [("email", "müller@beispiel.de")]),
    ("email:a.b-c@x-y.io,thanks", [("email", "a.b-c@x-y.io")]),
    ("Card 4111 1111 1111 1111 exp 12/25", [("card", "4111 1111 1111 1111")]),
    ("charged on 5500-0000-0000-0004 twice", [("card", "5500-0000-0000-0004")]),
    ("amex 3782 822463 10005", [("card", "3782 822463 10005")]),
    ("my card number is 4012888888881881", [("card", "4012888888881881")]),
    ("6011111111111117 was declined", [("card", "6011111111111117")]),
    ("card:5555555555554444.", [("card", "5555555555554444")]),
    ("IBAN: DE89 3704 0044 0532 0130 00", [("iban", "DE89 3704 0044 0532 0130 00")]),
    ("GB82WEST12345698765432", [("iban", "GB82WEST12345698765432")]),
    (
        "refund to FR14 2004 1010 0505 0001 3M02 606 please",
        [("iban", "FR14 2004 1010 0505 0001 3M02 606")],
    ),
    ("NL91ABNA0417164300 is my account", [("iban", "NL91ABNA0417164300")]),
    ("Belgian account BE68 5390 0754 7034.", [("iban", "BE68 5390 0754 7034")]),
    ("IT60 X054 2811 1010 0000 0123 456", [("iban", "IT60 X054 2811 1010 0000 0123 456")]),
    ("iban es9121000418450200051332", [("iban", "es9121000418450200051332")]),
    (
        "Hi, I'm Jane (jane@doe.com, +1 415 555 0132), card 4111-1111-1111-1111",
        [
            ("email", "jane@doe.com"),
            ("phone", "+1 415 555 0132"),
            ("card", "4111-1111-1111-1111"),
        ],
    ),
    (
        "pls refund 4012 8888 8888 1881 or send to DE89370400440532013000, call +447911123456",
        [
            ("card", "4012 8888 8888 1881"),
            ("iban", "DE89370400440532013000"),
            ("phone", "+447911123456"),
        ],
    ),
    # Negatives: identifiers, money, dates and broken checksums.
    ("Where is order 123456789?", []),
    ("Order #A12345 still not shipped", []),
    ("It cost $1,299.99 on 2024-03-15", []),
    ("Tracking number 1Z999AA10123456784", []),
    ("USPS tracking 9400 1000 0000 0000 0000 00", []),
    ("card 4111 1111 1111 1112 was refused", []),
    ("IBAN DE89 3704 0044 0532 0130 01", []),
    ("GB82WEST12345698765431", []),
    ("order 4155550132 never came", []),
    ("order #2125550187", []),
    ("account number 4155550132", []),
    ("Invoice INV-2024-000123 dated 15.03.2024", []),
    ("Meeting 10:30-11:45, room 204", []),
    ("version 2.4.1 released 2024/03/15", []),
    ("Account ID 000123456", []),
    ("I paid 1299.99 EUR on 03/15/2024", []),
    ("ISBN 978-3-16-148410-0", []),
    ("Coordinates 37.4220, -122.0841", []),
    ("serial 1234567890123456 on the box", []),
    ("Price went from 1,299 to 1,499", []),
    ("not an email: john@localhost or @handle", []),
]


def structured(text: str, spans: list[PiiSpan]) -> list[tuple[str, str]]:
    return [(s.type, text[s.start : s.end]) for s in spans if s.type in STRUCTURED]


@pytest.mark.parametrize(("text", "expected"), STRUCTURED_CASES)
def test_find_pii_reports_exactly_the_structured_values(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert structured(text, find_pii(text)) == expected


def test_structured_recall_is_at_least_95_percent() -> None:
    wanted = [(text, item) for text, items in STRUCTURED_CASES for item in items]
    found = sum(item in structured(text, find_pii(text)) for text, item in wanted)
    assert found / len(wanted) >= 0.95


def test_case_table_is_large_and_has_negatives() -> None:
    assert len(STRUCTURED_CASES) >= 40
    assert sum(not expected for _, expected in STRUCTURED_CASES) >= 15


@pytest.mark.parametrize(("text", "expected"), STRUCTURED_CASES)
def test_mask_pii_removes_every_found_value(text: str, expected: list[tuple[str, str]]) -> None:
    masked = mask_pii(text)
    for kind, value in expected:
        assert value not in masked
        assert f"[{kind.upper()}]" in masked


def test_a_national_number_is_found_through_the_fallback_regions() -> None:
    text = "ring me on 07911 123456 tonight"
    assert structured(text, find_pii(text, default_region="GB")) == [("phone", "07911 123456")]
    assert structured(text, find_pii(text)) == [("phone", "07911 123456")]
    berlin = "Büro: 030 901820, mobil 0151 23456789"
    assert [kind for kind, _ in structured(berlin, find_pii(berlin))] == ["phone", "phone"]


def test_international_number_is_found_whatever_the_region() -> None:
    text = "call +44 20 7946 0958"
    for region in ("US", "DE", "FR", "JP"):
        assert structured(text, find_pii(text, default_region=region)) == [
            ("phone", "+44 20 7946 0958")
        ]


ADDRESS_CASES: list[tuple[str, list[str]]] = [
    ("Ship to 221B Baker Street, London NW1 6XE please", ["221B Baker Street, London NW1 6XE"]),
    (
        "Office: 1600 Amphitheatre Parkway, Mountain View, CA 94043.",
        ["1600 Amphitheatre Parkway, Mountain View, CA 94043"],
    ),
    (
        "new address 350 Fifth Avenue, Apt 5B, New York, NY 10118",
        ["350 Fifth Avenue, Apt 5B, New York, NY 10118"],
    ),
    ("Deliver to 10 Downing St, London SW1A 2AA", ["10 Downing St, London SW1A 2AA"]),
    ("It went to 42 Elm St. instead of 24 Oak Rd", ["42 Elm St.", "24 Oak Rd"]),
    ("livraison au 12 Rue de la Paix, Paris", ["12 Rue de la Paix"]),
    ("Mail it to P.O. Box 1234", ["P.O. Box 1234"]),
    ("Lieferadresse: Hauptstraße 5, 10115 Berlin", ["Hauptstraße 5, 10115 Berlin"]),
    ("I waited 2 hours on the road", []),
    ("I bought 3 items at the store on Main Street", []),
    ("Order 12 was shipped on Monday", []),
]


@pytest.mark.parametrize(("text", "expected"), ADDRESS_CASES)
def test_find_pii_finds_street_addresses(text: str, expected: list[str]) -> None:
    spans = [s for s in find_pii(text) if s.type == "address"]
    assert [text[s.start : s.end] for s in spans] == expected


PERSON_CASES: list[tuple[str, list[str]]] = [
    ("My name is John Smith and my order is late", ["John Smith"]),
    ("I'm Maria Garcia, customer since 2019", ["Maria Garcia"]),
    ("I am Very upset about this", []),
    ("This is Tom from Acme, my invoice is wrong", ["Tom"]),
    ("Please fix it.\n\nRegards,\nJohn Smith", ["John Smith"]),
    ("Where is my parcel?\nThanks,\nMaria", ["Maria"]),
    ("Refund please.\nBest,\nJ. Doe", ["J. Doe"]),
    ("All good now. Cheers, Tom", ["Tom"]),
    ("Dear Mr. Smith, I am writing about my refund", ["Smith"]),
    ("Hi Anna, my order has not arrived", ["Anna"]),
    ("Bonjour. My name is Élodie Durand.", ["Élodie Durand"]),
    ("Hi Team, my order has not arrived", []),
    ("Dear Sir or Madam, please cancel", []),
    ("Hello there! Any news?", []),
    ("Thanks,\nSupport Team", []),
]


@pytest.mark.parametrize(("text", "expected"), PERSON_CASES)
def test_find_pii_finds_names_from_cheap_cues(text: str, expected: list[str]) -> None:
    spans = [s for s in find_pii(text) if s.type == "person"]
    assert [text[s.start : s.end] for s in spans] == expected


def test_spans_are_sorted_and_never_overlap() -> None:
    text = (
        "Hi Anna,\nI'm John Smith (john.smith@example.com). Card 4111 1111 1111 1111, "
        "IBAN GB82 WEST 1234 5698 7654 32, phone (415) 555-0132.\n"
        "Ship to 221B Baker Street, London NW1 6XE.\nRegards,\nJohn Smith\n+44 20 7946 0958"
    )
    spans = find_pii(text)
    assert [s.type for s in spans] == [
        "person", "person", "email", "card", "iban", "phone", "address", "person", "phone",
    ]  # fmt: skip
    assert all(a.end <= b.start for a, b in pairwise(spans))


def test_mask_pii_uses_given_spans_and_keeps_the_rest() -> None:
    text = "mail me: a@b.co or call (415) 555-0132"
    assert mask_pii(text) == "mail me: [EMAIL] or call [PHONE]"
    assert mask_pii(text, [PiiSpan("email", 9, 15)]) == "mail me: [EMAIL] or call (415) 555-0132"
    assert mask_pii(text, []) == text


def test_email_wins_over_a_phone_like_local_part() -> None:
    text = "write to 4155550132@txt.att.net"
    assert structured(text, find_pii(text)) == [("email", "4155550132@txt.att.net")]


def test_offsets_index_the_python_string_even_after_emoji_and_accents() -> None:
    text = "Grüße 😀🙏 — écrivez à zoë@exemple.fr ou appelez +33 6 12 34 56 78"
    assert structured(text, find_pii(text)) == [
        ("email", "zoë@exemple.fr"),
        ("phone", "+33 6 12 34 56 78"),
    ]


def test_find_pii_handles_empty_and_plain_text() -> None:
    assert find_pii("") == []
    assert find_pii("Hello, my parcel never arrived.") == []
