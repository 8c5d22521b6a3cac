"""When a provider says a message was sent: its timestamp formats, read one way everywhere."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def iso_time(value: Any) -> datetime:
    """An ISO 8601 time (`Z` or an offset; naive means UTC); now when it is missing or bad, so a
    message is never dropped for its date."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return datetime.now(UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def epoch_time(value: Any) -> datetime:
    """Seconds since the epoch (Telegram, Intercom); now when missing."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, UTC)
    return datetime.now(UTC)
