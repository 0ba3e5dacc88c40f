"""Form input for the UI's pages: text cleaned the same way everywhere, and pydantic's
validation errors turned into sentences a person can act on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

_PATTERN_HINTS = {
    r"^[0-9]{13}$": "must be 13 digits",
    r"^[^\x00-\x1f\x7f]+$": "must be printable text (no control characters)",
}

NUL_ERROR = "Fields must be printable text."


def sentence(err: Exception) -> str:
    """A service error's message as a sentence (capital first letter, full stop)."""
    text = str(err)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def field_text(value: str) -> str:
    """A form field as the services expect it: surrounding blanks removed."""
    return value.strip()


def optional(value: str) -> str | None:
    """A blank form field as None (select boxes send "" for "none")."""
    value = value.strip()
    return value or None


def has_nul(*values: str | None) -> bool:
    """True when any value holds a NUL (no stored text may; PostgreSQL refuses it)."""
    return any(v is not None and "\x00" in v for v in values)


def _why(error: Mapping[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "string_too_short" or kind == "missing":
        return "is required"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind == "string_pattern_mismatch":
        return _PATTERN_HINTS.get(str(ctx.get("pattern")), "has characters that are not allowed")
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}"
    if kind.startswith("int_"):
        return "must be a whole number"
    return str(error.get("msg", "is not valid")).rstrip(".").lower()


def explain(err: ValidationError, labels: Mapping[str, str]) -> str:
    """One sentence per invalid field, named by its label in the form."""
    parts = []
    for error in err.errors():
        loc = error.get("loc") or ("input",)
        label = labels.get(str(loc[0]), str(loc[0]).replace("_", " ").capitalize())
        parts.append(f"{label} {_why(error)}.")
    return " ".join(parts)
