"""Realistic values for Bitext {{Placeholder}} slots, and the synthesiser's phrase pools."""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Callable
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

PHRASES_PATH = Path(__file__).parent / "data" / "synth_phrases.json"

Generator = Callable[[random.Random], str]

_SLOT = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_CURRENCY_WORD = re.compile(r"\s*(?:dollars?|euros?|pounds?|bucks|usd|eur|gbp)\b", re.IGNORECASE)
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@cache
def phrases() -> dict[str, Any]:
    data = json.loads(PHRASES_PATH.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{PHRASES_PATH}: the top level must be an object")
    return data


def pool(name: str, section: str | None = None) -> tuple[str, ...]:
    """A non-empty list of strings from the phrase file, as a tuple."""
    container = phrases() if section is None else phrases()[section]
    values = container.get(name)
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{PHRASES_PATH}: {name!r} must be a non-empty list of strings")
    return tuple(values)


FIRST_NAMES = pool("first_names")
LAST_NAMES = pool("last_names")
SHOPS = pool("shops")
_ACCOUNT_TYPES = pool("account_types", "values")
_CITIES = pool("cities", "values")
_COUNTRIES = pool("countries", "values")
_STREETS = pool("streets", "values")
_DOMAINS = pool("domains", "values")
MAIL_DOMAINS = pool("mail_domains", "values")
_HOURS = pool("support_hours", "values")
_DELIVERY_TIMES = pool("delivery_times", "values")


def fill_template(template: str, **values: str) -> str:
    """Replace {name} tokens; unlike str.format, other braces in phrases are left alone."""
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


def fill_placeholders(text: str, rng: random.Random) -> str:
    """Replace every {{...}} slot with a realistic value; stray braces are dropped."""
    filled = _SLOT.sub(lambda m: _fill_slot(m, rng), text)
    return filled.replace("{{", "").replace("}}", "")


def _fill_slot(match: re.Match[str], rng: random.Random) -> str:
    key = " ".join(match.group(1).lower().split())
    before, after = match.string[: match.start()], match.string[match.end() :]
    if key == "currency symbol":
        value = currency_symbol(rng)
    elif key in ("refund amount", "money amount", "amount"):
        # "{{Currency Symbol}}{{Refund Amount}}" and "{{Refund Amount}} dollars" want a bare number.
        bare = before.lower().endswith("{{currency symbol}}") or before.endswith(("$", "£", "€"))
        value = amount(rng) if bare or _CURRENCY_WORD.match(after) else money(rng)
    else:
        value = _generator_for(key)(rng) if key else reference_code(rng)
    if before[-1:].isalnum():
        value = " " + value
    if after[:1].isalnum():
        value += " "
    return value


def _generator_for(key: str) -> Generator:
    known = _KNOWN.get(key)
    if known is not None:
        return known
    for words, generator in _HEURISTICS:
        if any(w in key for w in words):
            return generator
    # An unknown slot reads best as its own words, like a UI label ("Account Settings").
    label = key.title()
    return lambda _rng: label


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _letters(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(n))


_ORDER_FORMATS: tuple[Generator, ...] = (
    lambda r: f"#{_letters(r, 1)}-{_digits(r, 5)}",
    lambda r: f"{_digits(r, 3)}-{_digits(r, 7)}-{_digits(r, 4)}",
    lambda r: f"ORD-{r.randint(2022, 2025)}-{_digits(r, 5)}",
    lambda r: f"#{r.randint(100000, 999999)}",
    lambda r: f"SO{_digits(r, 6)}",
    lambda r: f"W{_digits(r, 9)}",
    lambda r: f"{_letters(r, 2)}{_digits(r, 6)}",
    lambda r: str(r.randint(10000000, 99999999)),
)
_PHONE_FORMATS: tuple[Generator, ...] = (
    lambda r: f"({r.randint(201, 989)}) 555-{_digits(r, 4)}",
    lambda r: f"+1 {r.randint(201, 989)} 555 {_digits(r, 4)}",
    lambda r: f"07700 {_digits(r, 6)}",
    lambda r: f"+44 20 7946 {_digits(r, 4)}",
    lambda r: f"+49 30 {_digits(r, 6)}",
    lambda r: f"04{_digits(r, 2)} {_digits(r, 3)} {_digits(r, 3)}",
    lambda r: f"+353 1 {_digits(r, 3)} {_digits(r, 4)}",
)


def order_number(rng: random.Random) -> str:
    return rng.choice(_ORDER_FORMATS)(rng)


def invoice_number(rng: random.Random) -> str:
    year, kind = rng.randint(2022, 2025), rng.randrange(3)
    if kind == 0:
        return f"INV-{year}-{_digits(rng, 5)}"
    return f"#INV{_digits(rng, 5)}" if kind == 1 else f"{year}/{_digits(rng, 4)}"


def tracking_number(rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return f"1Z{_letters(rng, 6)}{_digits(rng, 10)}"
    return f"JD{_digits(rng, 16)}" if kind == 1 else _digits(rng, 12)


def reference_code(rng: random.Random) -> str:
    return f"{rng.choice(('REF', 'CS', 'TKT', 'ID'))}-{_digits(rng, 6)}"


def phone_number(rng: random.Random) -> str:
    return rng.choice(_PHONE_FORMATS)(rng)


def currency_symbol(rng: random.Random) -> str:
    return rng.choices(("$", "£", "€"), weights=(0.6, 0.25, 0.15))[0]


def amount(rng: random.Random) -> str:
    if rng.random() < 0.08:
        return f"{rng.randint(1, 3)},{_digits(rng, 3)}.00"
    cents = rng.choice(("00", "99", "49", "50", "95", "00", "20"))
    return f"{rng.randint(4, 480)}.{cents}" if rng.random() < 0.8 else str(rng.randint(5, 300))


def money(rng: random.Random) -> str:
    return f"{currency_symbol(rng)}{amount(rng)}"


def person_name(rng: random.Random) -> str:
    first = rng.choice(FIRST_NAMES)
    return first if rng.random() < 0.25 else f"{first} {rng.choice(LAST_NAMES)}"


def random_day(rng: random.Random) -> date:
    return date(2024, 1, 1) + timedelta(days=rng.randrange(730))


def date_text(rng: random.Random) -> str:
    day = random_day(rng)
    month = MONTHS[day.month - 1]
    formats = (f"{day.day} {month}", f"{month} {day.day}", f"{day:%d/%m/%Y}", f"{day:%Y-%m-%d}")
    return rng.choice(formats)


def clock_time(rng: random.Random) -> str:
    hour, minute = rng.randint(7, 20), rng.choice((0, 15, 30, 45))
    if rng.random() < 0.5:
        return f"{hour:02d}:{minute:02d}"
    return f"{hour % 12 or 12}{'am' if hour < 12 else 'pm'}"


def website(rng: random.Random) -> str:
    domain = rng.choice(_DOMAINS)
    return rng.choice((f"www.{domain}", f"https://{domain}", f"https://help.{domain}/contact"))


def support_email(rng: random.Random) -> str:
    return f"{rng.choice(('support', 'help', 'care', 'hello'))}@{rng.choice(_DOMAINS)}"


def street_address(rng: random.Random) -> str:
    return f"{rng.randint(1, 240)} {rng.choice(_STREETS)}, {rng.choice(_CITIES)}"


def _choice_of(values: tuple[str, ...]) -> Generator:
    return lambda rng: rng.choice(values)


_KNOWN: dict[str, Generator] = {
    "order number": order_number,
    "invoice number": invoice_number,
    "tracking number": tracking_number,
    "person name": person_name,
    "client first name": _choice_of(FIRST_NAMES),
    "first name": _choice_of(FIRST_NAMES),
    "client last name": _choice_of(LAST_NAMES),
    "last name": _choice_of(LAST_NAMES),
    "salutation": _choice_of(("Mr", "Ms", "Mrs", "Dr", "Mx")),
    "account type": _choice_of(_ACCOUNT_TYPES),
    "account category": _choice_of(_ACCOUNT_TYPES),
    "profile type": _choice_of(_ACCOUNT_TYPES),
    "delivery city": _choice_of(_CITIES),
    "store location": _choice_of(_CITIES),
    "delivery country": _choice_of(_COUNTRIES),
    "website url": website,
    "customer support phone number": phone_number,
    "customer support email": support_email,
    "customer support hours": _choice_of(_HOURS),
    "delivery time": _choice_of(_DELIVERY_TIMES),
    "shipping cut-off time": clock_time,
    "date range": lambda r: f"{date_text(r)} to {date_text(r)}",
}
_HEURISTICS: tuple[tuple[tuple[str, ...], Generator], ...] = (
    (("email",), support_email),
    (("phone",), phone_number),
    (("url", "website", "link", "portal", "page"), website),
    (("tracking",), tracking_number),
    (("invoice", "bill"), invoice_number),
    (("order",), order_number),
    (("number", " id", "code", "reference"), reference_code),
    (("amount", "price", "fee", "cost", "total", "money"), money),
    (("date", "day"), date_text),
    (("time", "hours"), clock_time),
    (("city", "location", "town"), _choice_of(_CITIES)),
    (("country",), _choice_of(_COUNTRIES)),
    (("address",), street_address),
    (("name",), person_name),
    (("account", "plan", "tier", "membership"), _choice_of(_ACCOUNT_TYPES)),
)
