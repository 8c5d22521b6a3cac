"""Temperature scaling and expected calibration error.

Temperature is fitted on one validation split (minimum negative log-likelihood over a log-spaced
grid refined by golden-section search: one parameter needs no optimiser library) and the error
is reported on another split that the fit never saw.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from models.heads import FloatArray, softmax

IntArray = npt.NDArray[np.int64]


def negative_log_likelihood(logits: FloatArray, targets: IntArray, temperature: float) -> float:
    probabilities = softmax(logits / temperature)
    picked = probabilities[np.arange(len(targets)), targets]
    return float(-np.log(np.clip(picked, 1e-12, 1.0)).mean())


def fit_temperature(logits: FloatArray, targets: IntArray) -> float:
    """The temperature in [0.05, 20] that minimises NLL on (logits, targets)."""
    if len(targets) == 0:
        raise ValueError("cannot fit a temperature on an empty split")
    grid = np.exp(np.linspace(math.log(0.05), math.log(20.0), 41))
    losses = [negative_log_likelihood(logits, targets, float(t)) for t in grid]
    best = int(np.argmin(losses))
    low = float(grid[max(best - 1, 0)])
    high = float(grid[min(best + 1, len(grid) - 1)])
    return _golden_section(lambda t: negative_log_likelihood(logits, targets, t), low, high)


def _golden_section(
    loss: Callable[[float], float], low: float, high: float, steps: int = 40
) -> float:
    ratio = (math.sqrt(5) - 1) / 2
    a, b = low, high
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    for _ in range(steps):
        if loss(c) < loss(d):
            b, d = d, c
            c = b - ratio * (b - a)
        else:
            a, c = c, d
            d = a + ratio * (b - a)
    return (a + b) / 2


def expected_calibration_error(
    probabilities: FloatArray, targets: IntArray, bins: int = 15
) -> float:
    """Top-label ECE with equal-width confidence bins (Guo et al., 2017)."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == targets
    edges = np.linspace(0.0, 1.0, bins + 1)
    error = 0.0
    for low, high in pairwise(edges):
        members = (confidence > low) & (confidence <= high)
        if members.any():
            gap = abs(float(confidence[members].mean()) - float(correct[members].mean()))
            error += gap * float(members.mean())
    return error
