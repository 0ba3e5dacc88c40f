"""The sync side's downloads for offline audits (issue 9): every registered identity and the
expected lists of the locations a station audits, into the station's `ReferenceCache`.

Only this module talks to the server for them (architecture 1b: the handheld reads the cache,
never the network). A failed download leaves the last good copy in place: offline, an audit
runs from it. The device token authenticates, as for sync.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from scanner.clock import wall_now
from scanner.queue.cache import CacheError, ExpectedList, ReferenceCache

_LOGGER = logging.getLogger(__name__)
IDENTITIES_PATH = "/api/v1/identities"
EXPECTED_PATH = "/api/v1/locations/{code}/expected"
TIMEOUT = httpx.Timeout(30.0, connect=3.0)


@dataclass(frozen=True, slots=True)
class Download:
    """How a download went: `ok`, or why not (`offline`, `unknown`, `refused`)."""

    outcome: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Whether the cache now holds the server's current answer."""
        return self.outcome == "ok"


class ReferenceSync:
    """Downloads into `cache` through an injected `httpx.AsyncClient`."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        server: str,
        token: str,
        cache: ReferenceCache,
        *,
        interval_s: float = 300.0,
        include_sublocations: bool = True,
        prefetch: tuple[str, ...] = (),
    ) -> None:
        self._http = http
        self._base = server.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self.cache = cache
        self.interval_s = interval_s
        self.include_sublocations = include_sublocations
        self.prefetch = prefetch
        self.last: Download | None = None

    async def identities(self) -> Download:
        """Download every registered identity."""
        got = await self._get(IDENTITIES_PATH, {})
        if isinstance(got, Download):
            return got
        try:
            count = self.cache.store_identities(got, wall_now().isoformat())
        except CacheError as err:
            return self._note(Download("refused", str(err)))
        return self._note(Download("ok", f"{count} identities"))

    async def expected(self, location: str) -> Download:
        """Download what `location` expects (with its sublocations when so configured)."""
        path = EXPECTED_PATH.format(code=quote(location, safe=""))
        params = {"include_sublocations": str(self.include_sublocations).lower()}
        got = await self._get(path, params)
        if isinstance(got, Download):
            return got
        try:
            listed = self.cache.store_expected(
                location, self.include_sublocations, got, wall_now().isoformat()
            )
        except CacheError as err:
            return self._note(Download("refused", str(err)))
        return self._note(Download("ok", f"{len(listed.assets)} expected at {location}"))

    def cached(self, location: str) -> ExpectedList | None:
        """The cached expected list of `location` (this station's sublocation setting)."""
        return self.cache.expected(location, self.include_sublocations)

    async def refresh_all(self) -> None:
        """Identities, then the prefetch locations and every location already cached (so the
        copies an offline audit starts from stay fresh)."""
        if not (await self.identities()).ok:
            return
        for location in sorted({*self.prefetch, *self.cache.locations()}):
            await self.expected(location)

    async def run(self) -> None:
        """Refresh every `interval_s` until cancelled."""
        while True:
            await self.refresh_all()
            await asyncio.sleep(self.interval_s)

    async def _get(self, path: str, params: dict[str, str]) -> object:
        try:
            response = await self._http.get(
                self._base + path, params=params, headers=self._headers, timeout=TIMEOUT
            )
        except httpx.HTTPError as err:
            return self._note(Download("offline", f"{path}: {str(err) or err.__class__.__name__}"))
        if response.status_code == 404:
            return self._note(Download("unknown", f"{path}: {_detail(response)}"))
        if response.status_code != 200:
            status = response.status_code
            return self._note(Download("refused", f"{path}: {status} {_detail(response)}"))
        try:
            return response.json()
        except ValueError:
            return self._note(Download("refused", f"{path}: the answer is not JSON"))

    def _note(self, result: Download) -> Download:
        self.last = result
        if not result.ok:
            _LOGGER.info("reference download: %s (%s)", result.outcome, result.detail)
        return result


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail"))
    except (ValueError, AttributeError):
        return response.text[:200]
