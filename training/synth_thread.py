"""Quoted earlier threads for synthetic emails: a reply header and an innocuous "> " exchange."""

from __future__ import annotations

import random
from datetime import date, timedelta

from training.placeholders import MAIL_DOMAINS, MONTHS, WEEKDAYS, fill_template, pool, random_day

QUOTED_SUPPORT = pool("quoted_support")
QUOTED_CUSTOMER = pool("quoted_customer")
CONTEXTS = pool("contexts")
SUBJECTS = pool("subjects")


def quoted_thread(
    rng: random.Random, *, customer: tuple[str, str], shop: str, agent: str, sign_off: str
) -> str:
    """A reply header and a quoted support message, often quoting the customer's own email."""
    first, last = customer
    shop_address = f"{rng.choice(('support', 'help', 'care', 'noreply'))}@{_domain(shop)}"
    sender = rng.choice((f"{shop} Support", f"{agent} at {shop}", "Customer Care", shop))
    customer_address = f"{first.lower()}.{last.lower()}@{rng.choice(MAIL_DOMAINS)}"
    body = fill_template(rng.choice(QUOTED_SUPPORT), first=first, shop=shop, agent=agent)
    replied = random_day(rng)
    if rng.random() < 0.5:
        greeting = rng.choice(("Hi,", "Hello,", "Hi there,", f"Hello {shop},"))
        story = " ".join([*rng.sample(CONTEXTS, rng.randint(0, 2)), rng.choice(QUOTED_CUSTOMER)])
        earlier = f"{greeting}\n\n{story}\n\n{sign_off}"
        asked = replied - timedelta(days=rng.randint(0, 6))
        header = reply_header(rng, asked, f"{first} {last}", customer_address, shop_address, shop)
        body = f"{body}\n\n{header}\n{_quote(earlier)}"
    header = reply_header(rng, replied, sender, shop_address, customer_address, shop)
    return f"{header}\n{_quote(body)}"


def reply_header(rng: random.Random, day: date, name: str, address: str, to: str, shop: str) -> str:
    """One of the header styles mail clients put above a quoted message."""
    hour, minute = rng.randint(7, 21), rng.randint(0, 59)
    h12, ampm = hour % 12 or 12, "AM" if hour < 12 else "PM"
    month, weekday = MONTHS[day.month - 1], WEEKDAYS[day.weekday()]
    style = rng.randrange(4)
    if style == 0:
        when = f"{weekday[:3]}, {day.day} {month[:3]} {day.year} at {hour:02d}:{minute:02d}"
        return f"On {when}, {name} <{address}> wrote:"
    if style == 1:
        when = f"{month[:3]} {day.day}, {day.year}, at {h12}:{minute:02d} {ampm}"
        return f"On {when}, {name} <{address}> wrote:"
    if style == 2:
        return f"On {day:%Y-%m-%d} {hour:02d}:{minute:02d}, {name} wrote:"
    subject = fill_template(rng.choice(SUBJECTS), shop=shop)
    sent = f"{weekday}, {month} {day.day}, {day.year} {h12}:{minute:02d} {ampm}"
    return (
        f"-----Original Message-----\nFrom: {name} <{address}>\nSent: {sent}\n"
        f"To: {to}\nSubject: {subject}"
    )


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def _domain(shop: str) -> str:
    # The TLD follows from the name, so one shop keeps one address across a thread.
    tld = (".com", ".co.uk", ".store", ".shop")[sum(map(ord, shop)) % 4]
    return "".join(ch for ch in shop.lower() if ch.isalnum()) + tld
