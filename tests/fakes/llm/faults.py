"""Scripted failures for the LLM fakes: what the next requests should suffer, or every request.

Tests run the fake in a server thread and script it from the test thread, so every access goes
through one lock.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    """One request's misfortune; the default is none. Fields combine (delay then a status)."""

    status: int | None = None  # answer this HTTP status, body in the provider's error shape
    message: str | None = None  # the error message (a provider-like default otherwise)
    error_type: str | None = None  # the provider's error type/code/status (default per status)
    retry_after: str | None = None  # Retry-After value: "2", "0.5" or an HTTP date
    delay_s: float = 0.0  # wait this long before answering at all (headers included)
    chunk_delay_s: float = 0.0  # streams: wait this long before each chunk
    refusal: bool = False  # answer a content-safety refusal in the provider's own words
    prompt_blocked: bool = False  # Gemini only: promptFeedback.blockReason instead of a candidate
    fail_after_chunks: int | None = None  # streams: an in-band error event after N text chunks
    drop_after_chunks: int | None = None  # streams: cut the connection after N text chunks
    reply: str | None = None  # answer this text instead of the fake's reply


NO_FAULT = Fault()


class Faults:
    """A queue of one-shot faults, then an optional permanent one, plus a fixed latency."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Fault] = deque()
        self._always: Fault | None = None
        self._latency_s = 0.0

    def push(self, *faults: Fault) -> None:
        """The next requests get these, one each, in order."""
        with self._lock:
            self._queue.extend(faults)

    def always(self, fault: Fault | None) -> None:
        """Every request (after the queue drains) gets this; None ends the permanent mode."""
        with self._lock:
            self._always = fault

    def set_latency(self, seconds: float) -> None:
        """Added before every answer, faulty or not: a slow but healthy upstream."""
        with self._lock:
            self._latency_s = seconds

    @property
    def latency_s(self) -> float:
        with self._lock:
            return self._latency_s

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._always = None
            self._latency_s = 0.0

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def take(self) -> Fault:
        """The fault for the request being answered now."""
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            return self._always or NO_FAULT
