"""The OpenAPI document as the server really answers: every operation documents the errors
any request can get (`{"detail": ...}` with a message or, for 422, a list of problems), the
metrics endpoint its text format, and the sync endpoint its real body (contract 2.1)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from shared.wire import BatchIn, EventIn

ERROR_SCHEMA: dict[str, Any] = {
    "title": "ErrorOut",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "object"}},
            ]
        }
    },
}
_ERRORS = {
    "400": "Malformed request",
    "401": "No or bad credentials",
    "403": "Not allowed for this role or token",
    "404": "Unknown resource",
    "405": "Method not allowed",
    "409": "Conflicts with stored data",
    "413": "Request body too large",
    "422": "Invalid input",
    "429": "Too many requests (see Retry-After)",
    "503": "Busy; retry (see Retry-After)",
}
_ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
_METHODS = ("get", "put", "post", "patch", "delete")


def _document_errors(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for status, text in _ERRORS.items():
        body = {"content": {"application/json": {"schema": _ERROR_REF}}}
        responses.setdefault(status, {"description": text, **body})
        if status == "422":
            responses[status] = {"description": text, **body}


def _sync_body(schema: dict[str, Any]) -> None:
    post = schema["paths"].get("/api/v1/sync/batches", {}).get("post")
    if post is None:
        return
    components = schema["components"]["schemas"]
    for model in (BatchIn, EventIn):
        built = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in built.pop("$defs", {}).items():
            components.setdefault(name, sub)
        components[model.__name__] = built
    # The batch is accepted whole when each event has an integer seq; an event that is not a
    # valid EventIn is then rejected alone, in the answer's `rejected` (contract 2.1).
    components["BatchIn"]["properties"]["events"]["items"] = {
        "type": "object",
        "required": ["seq"],
        "properties": {"seq": {"type": "integer"}},
        "description": "An event: valid when it matches EventIn; otherwise rejected alone.",
    }
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/BatchIn"}}}
    post["requestBody"] = {"required": True, "content": content}


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document (built once, then cached on the app)."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, summary=app.summary, routes=app.routes
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorOut"] = ERROR_SCHEMA
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    for path, item in schema.get("paths", {}).items():
        for method in _METHODS:
            if method in item:
                _document_errors(item[method])
        if path == "/metrics" and "get" in item:
            text = {"text/plain": {"schema": {"type": "string"}}}
            item["get"]["responses"]["200"] = {"description": "Prometheus text", "content": text}
    _sync_body(schema)
    app.openapi_schema = schema
    return schema


def install_openapi(app: FastAPI) -> None:
    """Serve `build_openapi` at /openapi.json."""
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]
