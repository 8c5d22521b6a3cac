"""Errors named for what the caller should do; translated to HTTP once, in api/errors.py."""

from __future__ import annotations

from typing import Any


class SwitchboardError(Exception):
    """Base class: a code for machines, a message for people, optional details."""

    code = "error"
    status = 500

    def __init__(self, message: str, *, details: Any = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code


class BadInput(SwitchboardError):
    """The request is wrong; retrying it unchanged will fail again."""

    code = "bad_input"
    status = 400


class Unauthorized(SwitchboardError):
    code = "unauthorized"
    status = 401


class Forbidden(SwitchboardError):
    code = "forbidden"
    status = 403


class NotFound(SwitchboardError):
    """Missing, or belonging to another organization: the two are indistinguishable on purpose."""

    code = "not_found"
    status = 404


class Conflict(SwitchboardError):
    code = "conflict"
    status = 409


class PayloadTooLarge(SwitchboardError):
    code = "payload_too_large"
    status = 413


class BudgetExceeded(SwitchboardError):
    code = "budget_exceeded"
    status = 402


class RateLimited(SwitchboardError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.retry_after = max(1, retry_after)


class Retriable(SwitchboardError):
    """A dependency is down or overloaded; the same request may succeed later."""

    code = "unavailable"
    status = 503

    def __init__(self, message: str, *, retry_after: int = 1, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class Fatal(SwitchboardError):
    """A bug or broken configuration: alert an operator, do not retry."""

    code = "internal_error"
    status = 500
