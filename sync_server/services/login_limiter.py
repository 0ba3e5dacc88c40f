"""Login rate limiting: a sliding window of failures per user name and per client address,
kept in memory (one instance lives on the app state). Time is passed in as `now`."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class LoginRateLimiter:
    """At most `max_failures` failed logins per name and per address within `window_s`."""

    max_failures: int = 5
    window_s: float = 300.0
    max_keys: int = 100_000
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def check_login_allowed(self, user_name: str, client_ip: str | None, now: float) -> float:
        """Seconds to wait before the next attempt for this name or address; 0.0 if allowed."""
        wait = 0.0
        for key in self._keys(user_name, client_ip):
            times = self._window(key, now)
            if times is not None and len(times) >= self.max_failures:
                wait = max(wait, times[0] + self.window_s - now)
        return max(wait, 0.0)

    def record_failure(self, user_name: str, client_ip: str | None, now: float) -> None:
        """Count one failed attempt for the name and the address."""
        if len(self._failures) >= self.max_keys:
            self._evict(now)
        for key in self._keys(user_name, client_ip):
            times = self._failures.setdefault(key, deque())
            times.append(now)
            while len(times) > self.max_failures:
                times.popleft()

    def record_success(self, user_name: str, client_ip: str | None) -> None:
        """Forget the failures of this name (the address keeps its history)."""
        del client_ip  # an address that guessed many names stays limited
        self._failures.pop(f"user:{user_name.lower()}", None)

    def _keys(self, user_name: str, client_ip: str | None) -> list[str]:
        keys = [f"user:{user_name.lower()}"]
        if client_ip:
            keys.append(f"ip:{client_ip}")
        return keys

    def _window(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def _evict(self, now: float) -> None:
        for key in list(self._failures):
            self._window(key, now)
        if len(self._failures) >= self.max_keys:
            self._failures.clear()
