"""A circuit breaker per provider endpoint: stop calling one that keeps failing, try it again
after a cooldown with a single probe call."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass
class _Circuit:
    state: State = State.CLOSED
    failures: int = 0
    opened_at: float = 0.0
    probing: bool = False


class Breakers:
    """Consecutive retriable failures open a circuit for `cooldown_s`; then one probe decides.

    Kept per process: each replica learns on its own within `threshold` calls, and needs no
    shared store on the hot path."""

    def __init__(
        self,
        *,
        threshold: int = 5,
        cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._circuits: dict[str, _Circuit] = {}

    def state(self, key: str) -> State:
        circuit = self._circuits.get(key)
        if circuit is None:
            return State.CLOSED
        if circuit.state is State.OPEN and self._clock() - circuit.opened_at >= self.cooldown_s:
            circuit.state = State.HALF_OPEN
            circuit.probing = False
        return circuit.state

    def allow_soon(self, key: str) -> bool:
        """Worth planning a call to `key`? (Does not take the half-open probe slot.)"""
        state = self.state(key)
        return state is State.CLOSED or (
            state is State.HALF_OPEN and not self._circuits[key].probing
        )

    def allow(self, key: str) -> bool:
        """May a call go to `key` now? In half-open, only one probe at a time."""
        state = self.state(key)
        if state is State.CLOSED:
            return True
        if state is State.OPEN:
            return False
        circuit = self._circuits[key]
        if circuit.probing:
            return False
        circuit.probing = True
        return True

    def success(self, key: str) -> None:
        circuit = self._circuits.get(key)
        if circuit is not None:
            circuit.state, circuit.failures, circuit.probing = State.CLOSED, 0, False

    def failure(self, key: str) -> None:
        circuit = self._circuits.setdefault(key, _Circuit())
        circuit.failures += 1
        if circuit.state is State.HALF_OPEN or circuit.failures >= self.threshold:
            circuit.state, circuit.opened_at, circuit.probing = State.OPEN, self._clock(), False

    def release(self, key: str) -> None:
        """A probe that ended without a verdict (cancelled, or a non-retriable error)."""
        circuit = self._circuits.get(key)
        if circuit is not None:
            circuit.probing = False

    def snapshot(self) -> dict[str, str]:
        return {key: self.state(key).value for key in self._circuits}
