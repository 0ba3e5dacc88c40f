"""The dock-door movement log page: crossings by door and time, filtered by door, direction,
time range and asset, with in/out counts, pages and a CSV download of the same filter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from sync_server.api.deps import SessionDep
from sync_server.services import InvalidInput, NotFound, movements
from sync_server.services.movements import MovementFilter, MovementPage
from sync_server.web.forms import sentence
from sync_server.web.render import render
from sync_server.web.security import ViewerDep

PAGE_SIZE = 50
MAX_FIELD = 256


def build_router() -> APIRouter:
    """The movement log page."""
    r = APIRouter(default_response_class=HTMLResponse)
    r.add_api_route("/movements", movements_page, methods=["GET"])
    return r


@dataclass
class FilterForm:
    """The filter as typed (to show it back) and the query string that repeats it."""

    door: str = ""
    direction: str = ""
    since: str = ""
    until: str = ""
    asset: str = ""
    errors: list[str] = field(default_factory=list)

    def query(self, **extra: object) -> str:
        """The query string of this filter (blank fields left out) plus `extra`."""
        fields = {k: v for k, v in vars(self).items() if k != "errors" and v}
        return urlencode({**fields, **extra})

    def parsed(self) -> MovementFilter:
        """The service's filter; unreadable times are listed in `errors` and left out."""
        return MovementFilter(
            door=self.door or None,
            direction=self.direction or None,
            since=self._time("Since", self.since),
            until=self._time("Until", self.until),
            asset=self.asset or None,
        )

    def _time(self, label: str, text: str) -> datetime | None:
        if not text:
            return None
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            self.errors.append(f"{label} must be a date and time like 2026-03-01T14:30.")
            return None


@dataclass(frozen=True)
class MovementPager:
    """Page `number` of `pages` and links that keep the filter."""

    total: int
    number: int
    size: int
    form: FilterForm

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, -(-self.total // self.size))

    def url(self, number: int) -> str:
        """The link to page `number`."""
        return "/movements?" + self.form.query(page=number)


def _clean(text: str) -> str:
    return text.replace("\x00", "").strip()[:MAX_FIELD]


def movements_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    door: str = "",
    direction: str = "",
    since: str = "",
    until: str = "",
    asset: str = "",
    page: str = "1",
) -> Response:
    """Crossings of the dock doors, newest first, with the filter form and a CSV link."""
    form = FilterForm(_clean(door), _clean(direction), _clean(since), _clean(until), _clean(asset))
    number = min(int(page), 100_000) if page.isdigit() and int(page) > 0 else 1
    f = form.parsed()
    found, status = MovementPage(items=[], total=0, ins=0, outs=0, limit=0, offset=0), 200
    if form.errors:
        status = 422
    else:
        try:
            found = movements.list_movements(
                session, f, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
            )
        except (InvalidInput, NotFound) as err:
            form.errors.append(sentence(err))
            status = 404 if isinstance(err, NotFound) else 422
    pager = MovementPager(total=found.total, number=number, size=PAGE_SIZE, form=form)
    ctx = {"viewer": viewer, "section": "movements", "form": form, "found": found}
    ctx |= {"page": pager, "doors": movements.doors(session)}
    ctx["csv_url"] = "/api/v1/movements.csv" + (f"?{form.query()}" if form.query() else "")
    return render(request, "movements/index.html", ctx, status_code=status)
