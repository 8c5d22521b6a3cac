"""Find and mask personal data (emails, phones, cards, IBANs, addresses, names) in free text."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import phonenumbers
from stdnum import iban, luhn

PiiType = Literal["email", "phone", "card", "iban", "address", "person"]

# Earlier wins an overlap: structured, checksummed values are the most trustworthy.
_BY_PRIORITY: tuple[PiiType, ...] = ("email", "iban", "card", "phone", "address", "person")
_PRIORITY: dict[PiiType, int] = {kind: rank for rank, kind in enumerate(_BY_PRIORITY)}


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One PII value found at `text[start:end]`."""

    type: PiiType
    start: int
    end: int


_EMAIL = re.compile(
    r"[\w%+-]+(?:\.[\w%+-]+)*@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,24}"
    r"(?![\w-])"
)
_LOCAL = "._%+-"
# Lookbehinds sit after the first four digits so that the scan can skip straight to digits.
_CARD = re.compile(
    r"\d{4}(?<![\d.,]\d{4})(?<!\d[ -]\d{4})"
    r"(?:\d{9,15}|(?P<sep>[ -])\d{4}(?P=sep)\d{4}(?P=sep)\d{1,4}"
    r"|(?P<sep2>[ -])\d{6}(?P=sep2)\d{4,5})"
    r"(?!\d)(?![ -]\d{4})(?![.,]\d)"
)
# Visa, Mastercard (incl. 2-series), Amex, Diners, Discover, JCB, UnionPay and Maestro ranges.
_CARD_IIN = re.compile(r"4|5[0-8]|2(?:2[2-9]|[3-6]|7[01]|720)|3[0478]|35|6")
_IBAN = re.compile(
    r"\b[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{4}){2,7}(?:[ ]?[A-Za-z0-9]{1,3})?\b",
)
_ORDER_CONTEXT = re.compile(
    r"(?:\b(?i:order|invoice|inv|ref|reference|tracking|ticket|case|account|acct|customer"
    r"|confirmation|booking|transaction|po)(?:[ .]*(?i:no|nr|num|number|id))?|#)[ .:#-]*\Z"
)
_PLAIN_DIGITS = re.compile(r"\d+")
_PHONE_RUN = re.compile(r"\+?\(?\d[\d \t().\-/]*\d")
_PHONE_MIN_DIGITS = 7
# Enough context for the matcher's own checks and for an extension such as " ext. 12".
_PHONE_MARGIN = 8

_STREET_SUFFIX = (
    r"(?i:street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|court|ct|way|place|pl"
    r"|parkway|pkwy|terrace|ter|circle|cir|square|sq|highway|hwy|crescent|close|gardens|grove"
    r"|row|mews|hill|walk|trail|trl|alley|plaza)\b\.?"
)
_ADDRESS_TAIL = (
    r"(?:,?[ ]?(?i:apt|apartment|suite|ste|unit|flat|floor|fl|\#)\.?[ ]?[\w-]{1,6})?"
    r"(?:,[ ]?[A-Z][a-z'-]+(?:[ ][A-Z][a-z'-]+){0,2}\b)?"
    r"(?:,?[ ](?:[A-Z]{2}(?:,?[ ]\d{5}(?:-\d{4})?)?|\d{5}(?:-\d{4})?"
    r"|[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2})\b)?"
)
_ADDRESS = re.compile(
    r"\b(?:\d{1,5}[A-Za-z]?(?:-\d{1,5})?,?[ ]+(?:(?:[A-Z][\w'.-]*|\d+(?:st|nd|rd|th))[ ]+){1,4}"
    rf"{_STREET_SUFFIX}{_ADDRESS_TAIL}"
    r"|(?i:p\.?[ ]?o\.?[ ]?box)[ ]+\d{1,6}"
    r"|\d{1,4}(?:[ ]?(?:bis|ter))?,?[ ]+(?i:rue|avenue|boulevard|bd|place|chemin|allée|quai"
    r"|impasse|calle|avenida|paseo|plaza|via|viale|piazza)[ ]+(?:(?:de|du|des|la|le|del|della"
    r"|di)[ ]+|[ld]['\u2019])*[A-Z][\w'-]*(?:[ ][A-Z][\w'-]*){0,3}"
    r"|[A-Z][\w-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|damm)[ ]+\d{1,4}[a-z]?"
    r"(?:,[ ]?\d{5}[ ][A-Z][\w-]+)?)"
)

# Latin-1 uppercase too, for names such as "Élodie" or "Ömer".
_NAME_TOKEN = r"(?:[A-Z\u00c0-\u00d6\u00d8-\u00de][\w'\u2019-]+|[A-Z]\.)"
_NAME = rf"(?P<name>{_NAME_TOKEN}(?:[ ]{_NAME_TOKEN}){{0,2}})"
# Each pattern is tried only where one of its (lowercase) cue words starts, which keeps long
# messages cheap: scanning every position with case-insensitive alternations is not.
_PERSON_CUES: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = (
    (
        ("my name", "i am", "i'm", "i\u2019m"),
        re.compile(rf"(?<![^\W_])(?i:my name is|my name's|i am|i'm|i\u2019m)[ ]+{_NAME}"),
    ),
    (
        ("regards", "thank", "many thanks", "cheers", "best", "sincerely", "yours", "all the best"),
        re.compile(
            r"(?:^|(?<=[.!?] ))(?i:best regards|kind regards|warm regards|regards|many thanks"
            r"|thanks|thank you|cheers|best|sincerely|yours(?: truly| sincerely)?|all the best)"
            rf"[ \t]*[,.!]?[ \t]*\n?[ \t]*{_NAME}[ \t]*[.!]?[ \t]*$",
            re.MULTILINE,
        ),
    ),
    (
        ("dear", "hi", "hello", "hey"),
        re.compile(
            r"(?<![^\W_])(?i:dear|hi|hello|hey)[ ]+(?:(?i:mr|mrs|ms|miss|dr|prof)\.?[ ]+)?"
            rf"{_NAME}[ ]*[,!:]"
        ),
    ),
)
_THIS_IS = re.compile(rf"\W*(?:(?i:hi|hello|hey)\W+)?(?i:this is)[ ]+{_NAME}")
# Lowercases ASCII only, so that indexes in the lowered text stay valid in the original.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_NOT_NAMES = frozenset(
    re.findall(
        r"\w+",
        "team support sir madam all there everyone folks guys customer service care friends "
        "and or the a an i im not very so still just really sorry happy glad writing trying "
        "looking interested having unable here back new from with in on at to for of "
        "sales billing help desk admin manager hr it thanks thank regards best cheers",
    )
)


# Numbering plans tried, in order, for a number written without its country code when it is not
# valid in the default region.
FALLBACK_REGIONS = ("GB", "DE", "FR", "IE", "AU", "IN", "ES", "IT", "NL", "CA")


def find_pii(text: str, *, default_region: str = "US") -> list[PiiSpan]:
    """Return the PII spans of `text`, sorted by start and never overlapping."""
    checked = [*_emails(text), *_ibans(text), *_cards(text)]
    # Blank out values already found so the phone matcher, the slow part, skips their digits.
    blanked = _blank(text, checked) if checked else text
    candidates = [
        *checked,
        *_phones(blanked, default_region),
        *_addresses(text),
        *_people(text),
    ]
    return _resolve_overlaps(candidates)


def mask_pii(text: str, spans: Sequence[PiiSpan] | None = None) -> str:
    """Replace each span by a placeholder such as "[EMAIL]"; find the spans when not given."""
    parts: list[str] = []
    position = 0
    for span in sorted(find_pii(text) if spans is None else spans, key=lambda s: s.start):
        if span.start < position:
            continue
        parts.append(text[position : span.start])
        parts.append(f"[{span.type.upper()}]")
        position = span.end
    parts.append(text[position:])
    return "".join(parts)


def _blank(text: str, spans: Sequence[PiiSpan]) -> str:
    chars = list(text)
    for span in spans:
        chars[span.start : span.end] = " " * (span.end - span.start)
    return "".join(chars)


def _emails(text: str) -> Iterator[PiiSpan]:
    # Anchor on each "@": a regex scan of every word start costs more than the whole rest.
    at = text.find("@")
    while at >= 0:
        start = at
        while start > max(0, at - 64) and (text[start - 1].isalnum() or text[start - 1] in _LOCAL):
            start -= 1
        while text[start] == ".":
            start += 1
        match = _EMAIL.match(text, start)
        if match:
            yield PiiSpan("email", start, match.end())
        at = text.find("@", at + 1)


def _ibans(text: str) -> Iterator[PiiSpan]:
    for match in _IBAN.finditer(text):
        candidate = match.group()
        # The grouped form may have swallowed a following 4-character word; drop it and retry.
        while not _valid_iban(candidate) and " " in candidate and len(candidate) > 15:
            candidate = candidate.rsplit(" ", 1)[0]
        if _valid_iban(candidate):
            yield PiiSpan("iban", match.start(), match.start() + len(candidate))


def _valid_iban(candidate: str) -> bool:
    # Checksum and per-country structure only: the national checks also look banks up in a
    # registry that lags behind real accounts, and a missed IBAN leaks more than a false alarm.
    return iban.is_valid(candidate, check_country=False)


def _cards(text: str) -> Iterator[PiiSpan]:
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if _CARD_IIN.match(digits) and luhn.is_valid(digits):
            yield PiiSpan("card", match.start(), match.end())


def _phones(text: str, region: str) -> Iterator[PiiSpan]:
    for low, high in _phone_windows(text):
        for match in _phone_matches(text[low:high], region):
            start, end = low + match.start, low + match.end
            # A bare digit run right after "order"/"#"/"ref" is an identifier that happens to
            # be a valid number; people write real phone numbers with separators or a "+".
            context = text[max(0, start - 24) : start]
            if _PLAIN_DIGITS.fullmatch(match.raw_string) and _ORDER_CONTEXT.search(context):
                continue
            if not _is_glued(text, start, end):
                yield PiiSpan("phone", start, end)


def _phone_matches(window: str, region: str) -> list[phonenumbers.PhoneNumberMatch]:
    """Numbers valid in `region`, else in the first fallback region where any is valid: a
    national number ("07911 123456") is only valid in its own country's numbering plan."""
    leniency = phonenumbers.Leniency.VALID
    for candidate in (region, *(r for r in FALLBACK_REGIONS if r != region)):
        found = list(phonenumbers.PhoneNumberMatcher(window, candidate, leniency=leniency))
        if found:
            return found
    return []


def _phone_windows(text: str) -> Iterator[tuple[int, int]]:
    """Stretches around digit runs long enough to be a phone number, merged when they touch.

    The matcher costs ~0.1 ms per candidate it parses, so it only sees these stretches.
    """
    window: tuple[int, int] | None = None
    for run in _PHONE_RUN.finditer(text):
        if sum(char.isdigit() for char in run.group()) < _PHONE_MIN_DIGITS:
            continue
        low, high = max(0, run.start() - _PHONE_MARGIN), run.end() + _PHONE_MARGIN
        if window and low <= window[1]:
            window = (window[0], high)
            continue
        if window:
            yield window
        window = (low, high)
    if window:
        yield window


def _is_glued(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is part of a bigger token such as "INV-2024-000123"."""
    before = text[max(0, start - 2) : start]
    after = text[end : end + 2]
    joiners = "-/_"
    glued_before = before[-1:].isalnum() or (
        len(before) == 2 and before[1] in joiners and before[0].isalnum()
    )
    glued_after = after[:1].isalnum() or (
        len(after) == 2 and after[0] in joiners and after[1].isalnum()
    )
    return glued_before or glued_after


def _addresses(text: str) -> Iterator[PiiSpan]:
    for match in _ADDRESS.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in " ,":
            end -= 1
        yield PiiSpan("address", match.start(), end)


def _people(text: str) -> Iterator[PiiSpan]:
    for match in _person_matches(text):
        start = match.start("name")
        end = start
        # Keep the leading run of plausible name tokens: "I am John Smith" but not "I am Very".
        for token in re.finditer(r"\S+", match.group("name")):
            if token.group().lower().strip(".'\u2019") in _NOT_NAMES:
                break
            end = start + token.end()
        if end > start:
            yield PiiSpan("person", start, end)


def _person_matches(text: str) -> Iterator[re.Match[str]]:
    opening = _THIS_IS.match(text)
    if opening:
        yield opening
    lowered = text.translate(_ASCII_LOWER)
    for cues, pattern in _PERSON_CUES:
        for cue in cues:
            index = lowered.find(cue)
            while index >= 0:
                match = pattern.match(text, index)
                if match:
                    yield match
                index = lowered.find(cue, index + 1)


def _resolve_overlaps(candidates: list[PiiSpan]) -> list[PiiSpan]:
    ranked = sorted(candidates, key=lambda s: (_PRIORITY[s.type], s.start - s.end, s.start))
    taken: list[PiiSpan] = []
    for span in ranked:
        if all(span.end <= other.start or span.start >= other.end for other in taken):
            taken.append(span)
    return sorted(taken, key=lambda s: s.start)
