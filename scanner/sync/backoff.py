"""Exponential backoff with full jitter (design/sync.md, Sending). Pure: the rng is passed in."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

BASE_S = 1.0
CAP_S = 300.0


def full_jitter(
    attempt: int, rng: random.Random, base: float = BASE_S, cap: float = CAP_S
) -> float:
    """`uniform(0, min(cap, base * 2**attempt))`; `attempt` counts failures from 0."""
    return rng.uniform(0.0, min(cap, base * 2.0 ** min(attempt, 64)))


@dataclass
class Backoff:
    """Consecutive-failure counter; `Retry-After` from the server overrides the jitter."""

    base: float = BASE_S
    cap: float = CAP_S
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def next_delay(self, retry_after: float | None = None) -> float:
        """The wait before the next try; counts this failure."""
        delay = full_jitter(self.failures, self.rng, self.base, self.cap)
        self.failures += 1
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self.cap)
        return delay

    def reset(self) -> None:
        """A success: the next failure starts from `base` again."""
        self.failures = 0
