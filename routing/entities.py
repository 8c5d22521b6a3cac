"""The facts a reply may quote back from a customer's message: order number, email, tracking
number, amount. Regular expressions only: cheap, offline, and wrong only by leaving a gap."""

from __future__ import annotations

import re

# "order #12345", "order no. 12345", "order number: AB-12345", or a bare "#12345".
_ORDER = re.compile(
    r"(?:\border(?:\s+(?:no\.?|number|num|id|ref(?:erence)?))?\s*[:#]?\s*#?\s*"
    r"(?P<labelled>[A-Z]{0,4}-?\d{4,12})\b)|(?:(?<![\w&])#(?P<hashed>[A-Z]{0,4}-?\d{3,12})\b)",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
# UPS 1Z…, USPS 9[2-5]… (20-22 digits), S10 international (AB123456789CD), or a labelled one.
_TRACKING = re.compile(
    r"\b(?P<ups>1Z[0-9A-Z]{16})\b|\b(?P<usps>9[2-5]\d{18,20})\b|\b(?P<s10>[A-Z]{2}\d{9}[A-Z]{2})\b"
    r"|\btracking(?:\s+(?:no\.?|number|id|code))?\s*[:#]?\s*(?P<labelled>[A-Z0-9]{8,30})\b",
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    r"(?P<symbol>[$€£])\s?(?P<value>\d{1,3}(?:[,\s]\d{3})*(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)"
    r"|\b(?P<value2>\d+(?:\.\d{1,2})?)\s?(?P<code>USD|EUR|GBP|dollars|euros|pounds)\b",
    re.IGNORECASE,
)


def extract_entities(text: str) -> dict[str, str]:
    """The first of each kind found: `order_number`, `email`, `tracking_number`, `amount`."""
    found: dict[str, str] = {}
    tracking = _tracking(text)
    if tracking:
        found["tracking_number"] = tracking
    order = _order(text, exclude=tracking)
    if order:
        found["order_number"] = order
    email = _EMAIL.search(text)
    if email:
        found["email"] = email.group(0)
    amount = _amount(text)
    if amount:
        found["amount"] = amount
    return found


def _tracking(text: str) -> str | None:
    for match in _TRACKING.finditer(text):
        value = next(v for v in match.groupdict().values() if v)
        # "tracking number is …" catches words too; a real one has digits.
        if any(ch.isdigit() for ch in value):
            return value.upper()
    return None


def _order(text: str, *, exclude: str | None) -> str | None:
    for match in _ORDER.finditer(text):
        value = (match.group("labelled") or match.group("hashed")).upper()
        if value != exclude:
            return value
    return None


def _amount(text: str) -> str | None:
    match = _AMOUNT.search(text)
    if match is None:
        return None
    if match.group("symbol"):
        return f"{match.group('symbol')}{match.group('value').replace(' ', '')}"
    code = match.group("code").upper()
    symbol = {"USD": "$", "DOLLARS": "$", "EUR": "€", "EUROS": "€", "GBP": "£", "POUNDS": "£"}
    return f"{symbol[code]}{match.group('value2')}"


# Facts that belong to one customer: a past reply reused for another must not repeat them.
PERSONAL = ("order_number", "tracking_number", "email")


def templatize(text: str, entities: dict[str, str], keys: tuple[str, ...] = PERSONAL) -> str:
    """`text` with each of the given entities' values replaced by its `{key}` placeholder."""
    for key in keys:
        value = entities.get(key)
        if value:
            pattern = re.compile(rf"(?<![\w@.-]){re.escape(value)}(?![\w@-])", re.IGNORECASE)
            text = pattern.sub("{" + key + "}", text)
    return text
