"""Jinja2 rendering: the full page normally, only a fragment for an htmx-style request."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

TEMPLATES_DIR = Path(__file__).parent / "templates"
CONTENT_BLOCK = "content"


def format_when(value: datetime | None) -> Markup:
    """A UTC time as `<time>`: `2026-01-02 03:04 UTC`, or a dash for none."""
    if value is None:
        return Markup("—")
    utc = value.astimezone(UTC)
    text = utc.strftime("%Y-%m-%d %H:%M UTC")
    return Markup('<time datetime="{}">{}</time>').format(utc.isoformat(), escape(text))


def format_duration(value: timedelta | float | None) -> str:
    """A lag (a timedelta or seconds) as `45 s`, `12 min`, `3 h 5 min` or `2 d 4 h`; a dash
    for none."""
    if value is None:
        return "—"
    total = value.total_seconds() if isinstance(value, timedelta) else value
    seconds = max(int(total), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours == 0:
        return f"{minutes} min"
    if days == 0:
        return f"{hours} h {minutes % 60} min" if minutes % 60 else f"{hours} h"
    return f"{days} d {hours % 24} h" if hours % 24 else f"{days} d"


@functools.cache
def templates() -> Jinja2Templates:
    """The UI's template environment (autoescaping on, built once on first use)."""
    built = Jinja2Templates(directory=TEMPLATES_DIR)
    built.env.filters["when"] = format_when
    built.env.filters["duration"] = format_duration
    return built


def is_partial_request(request: Request) -> bool:
    """True when the client asked for a fragment (`HX-Request: true`)."""
    return request.headers.get("hx-request", "").lower() == "true"


def render(
    request: Request,
    template: str,
    ctx: Mapping[str, Any] | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render `template` as a full page, or, for `HX-Request: true`, only the block named by
    `HX-Target` (when the template has one of that name) or else its `content` block."""
    env = templates().env
    context: dict[str, Any] = {"request": request, "viewer": None, "section": None, **(ctx or {})}
    page = env.get_template(template)
    out_headers = {"Vary": "HX-Request", **(headers or {})}
    if not is_partial_request(request):
        return HTMLResponse(page.render(context), status_code=status_code, headers=out_headers)
    target = request.headers.get("hx-target", "")
    block = target if target in page.blocks else CONTENT_BLOCK
    html = "".join(page.blocks[block](page.new_context(context)))
    return HTMLResponse(html, status_code=status_code, headers=out_headers)
