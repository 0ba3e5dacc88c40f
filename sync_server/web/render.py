"""Jinja2 rendering: the full page normally, only a fragment for an htmx-style request."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

TEMPLATES_DIR = Path(__file__).parent / "templates"
CONTENT_BLOCK = "content"


@functools.cache
def templates() -> Jinja2Templates:
    """The UI's template environment (autoescaping on, built once on first use)."""
    return Jinja2Templates(directory=TEMPLATES_DIR)


def is_partial_request(request: Request) -> bool:
    """True when the client asked for a fragment (`HX-Request: true`)."""
    return request.headers.get("hx-request", "").lower() == "true"


def render(
    request: Request,
    template: str,
    ctx: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render `template` as a full page, or, for `HX-Request: true`, only the block named by
    `HX-Target` (when the template has one of that name) or else its `content` block."""
    env = templates().env
    context: dict[str, Any] = {"request": request, **(ctx or {})}
    page = env.get_template(template)
    if not is_partial_request(request):
        return HTMLResponse(page.render(context), status_code=status_code)
    target = request.headers.get("hx-target", "")
    block = target if target in page.blocks else CONTENT_BLOCK
    html = "".join(page.blocks[block](page.new_context(context)))
    return HTMLResponse(html, status_code=status_code, headers={"Vary": "HX-Request"})
