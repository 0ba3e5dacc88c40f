from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from scanner.sync.backoff import Backoff, full_jitter


@given(st.integers(min_value=0, max_value=200), st.integers())
def test_full_jitter_stays_within_its_ceiling(attempt, seed):
    delay = full_jitter(attempt, random.Random(seed))
    assert 0.0 <= delay <= min(300.0, 2.0**attempt)


def test_backoff_grows_is_jittered_and_resets():
    backoff = Backoff(rng=random.Random(1))
    delays = [backoff.next_delay() for _ in range(12)]
    assert all(0 <= d <= min(300, 2**i) for i, d in enumerate(delays))
    assert len(set(delays)) == len(delays)
    assert max(delays[8:]) > 10  # ceilings of 256-300 s are reached
    backoff.reset()
    assert backoff.next_delay() <= 1.0


def test_backoff_retry_after_overrides_and_is_capped():
    backoff = Backoff(rng=random.Random(1), cap=60)
    assert backoff.next_delay(retry_after=7) == 7
    assert backoff.next_delay(retry_after=3600) == 60
    assert backoff.failures == 2
