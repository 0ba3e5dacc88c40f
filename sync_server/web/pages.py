"""The signed-in pages: assets, one asset, unknown codes (attach), devices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from sync_server.api.deps import SessionDep
from sync_server.services import Conflict, InvalidInput, NotFound, registry, views
from sync_server.web.queries import asset_audits, person_names, unknown_code_sightings
from sync_server.web.render import render
from sync_server.web.security import ViewerDep, WebError, check_csrf, require_admin

PAGE_SIZE = 50
MAX_CODES = 500
MAX_HISTORY = 500
MAX_QUERY = 200
FormText = Annotated[str, Form()]


def add_page_routes(router: APIRouter) -> None:
    """Register the pages on `router`."""
    router.add_api_route("/assets", assets_page, methods=["GET"])
    router.add_api_route("/assets/{asset_tag:path}", asset_page, methods=["GET"])
    router.add_api_route("/unknown-codes", codes_page, methods=["GET"])
    router.add_api_route("/unknown-codes/attach", attach_code, methods=["POST"])
    router.add_api_route("/devices", devices_page, methods=["GET"])


@dataclass(frozen=True)
class Pager:
    """Where a list page is: 1-based `number` of `pages`, and links that keep the search."""

    total: int
    number: int
    size: int
    q: str

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, -(-self.total // self.size))

    def url(self, number: int) -> str:
        """The link to page `number`."""
        return "/assets?" + urlencode({**({"q": self.q} if self.q else {}), "page": number})


def _page_number(text: str) -> int:
    # A hand-edited or stale link gets the nearest real page, not an error.
    return min(int(text), 1_000_000) if text.strip().isdigit() and int(text) > 0 else 1


def _today() -> datetime:
    return datetime.now(UTC)


def assets_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    q: str = "",
    page: str = "1",
) -> Response:
    """Assets matching `q`, by tag, with last-known location, custodian and due date."""
    q, number = q.replace("\x00", "").strip()[:MAX_QUERY], _page_number(page)
    found = views.list_assets(
        session, q=q or None, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    pager = Pager(total=found.total, number=number, size=PAGE_SIZE, q=q)
    today = _today().date()
    overdue = {
        a.asset_tag for a in found.items if a.custodian and a.due_back and a.due_back < today
    }
    people = person_names(session, (a.custodian for a in found.items))
    ctx = {"viewer": viewer, "section": "assets", "q": q, "page": pager, "people": people}
    return render(request, "assets/index.html", {**ctx, "assets": found.items, "overdue": overdue})


def asset_page(
    request: Request, session: SessionDep, viewer: ViewerDep, asset_tag: str
) -> Response:
    """One asset: identifiers, home, last seen with its evidence, custodian, full history."""
    if "\x00" in asset_tag:  # PostgreSQL text cannot hold NUL; no tag can contain one
        raise WebError(404, "There is no asset with that tag.")
    try:
        asset = views.asset_view(session, asset_tag)
        events = views.history(session, asset_tag, limit=MAX_HISTORY).events
    except NotFound as err:
        raise WebError(404, f"There is no asset {asset_tag!r}.") from err
    today = _today().date()
    overdue = bool(asset.custodian and asset.due_back and asset.due_back < today)
    people = person_names(session, [asset.custodian, *(e.custodian for e in events)])
    ctx = {"viewer": viewer, "section": "assets", "asset": asset, "events": events}
    ctx["people"] = people
    ctx["audits"] = asset_audits(session, asset_tag)
    return render(request, "assets/detail.html", {**ctx, "overdue": overdue})


def _codes(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    status: int = 200,
    message: str | None = None,
    error: str | None = None,
) -> Response:
    codes = views.unknown_codes(session, limit=MAX_CODES)
    seen = unknown_code_sightings(session, [c.key for c in codes.items])
    ctx = {"viewer": viewer, "section": "codes", "message": message, "error": error}
    ctx |= {"codes": codes.items, "total": codes.total, "seen": seen}
    return render(request, "codes/index.html", ctx, status_code=status)


def codes_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    attached: str = "",
    to: str = "",
) -> Response:
    """Codes seen that match no asset, with counts, first/last seen and devices."""
    attached, to = attached.replace("\x00", "")[:1024], to.replace("\x00", "")[:MAX_QUERY]
    message = f"Attached {attached} to {to}." if attached and to else None
    return _codes(request, session, viewer, message=message)


def attach_code(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    code: FormText = "",
    asset_tag: FormText = "",
    symbology: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Admin only: make `code` an identifier of asset `asset_tag` (its past sightings follow)."""
    check_csrf(viewer.csrf, csrf_token)
    require_admin(viewer)
    asset_tag, code = asset_tag.strip(), code.strip()
    if not code or not asset_tag or "\x00" in code + asset_tag + symbology:
        error = "Give both a code and an asset tag (printable text)."
        return _codes(request, session, viewer, 422, error=error)
    try:
        asset = registry.get_asset(session, asset_tag)
        registry.attach_identifier(session, asset, code, symbology or None)
    except NotFound:
        session.rollback()
        return _codes(request, session, viewer, 404, error=f"There is no asset {asset_tag!r}.")
    except (InvalidInput, Conflict) as err:
        session.rollback()
        status = 409 if isinstance(err, Conflict) else 422
        return _codes(request, session, viewer, status, error=str(err))
    target = "/unknown-codes?" + urlencode({"attached": code, "to": asset.asset_tag})
    return RedirectResponse(target, status_code=303)


def devices_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """Devices with last sync, queue lag, events in the last batch and whether revoked."""
    devices = views.list_devices(session)
    return render(
        request, "devices/index.html", {"viewer": viewer, "section": "devices", "devices": devices}
    )
