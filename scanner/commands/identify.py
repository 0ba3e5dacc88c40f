"""`scanstation identify CODE`: show how the system understands a scanned code (contract 1)."""

from __future__ import annotations

import json
import sys

from shared.identifiers import IdentifierError, Identity, identify

_HUMAN_FIELDS = (
    ("scheme", "scheme"),
    ("key", "key"),
    ("role", "role"),
    ("symbology", "symbology"),
    ("epc_uri", "EPC URI"),
    ("tag_uri", "tag URI"),
    ("element_string", "GS1 element string"),
    ("filter", "filter"),
    ("bits", "bits"),
    ("label", "label"),
)


def run_identify(code: str, symbology: str | None, as_json: bool) -> int:
    """Print the identity of `code` (one JSON object with --json); 1 when it does not decode."""
    try:
        identity = identify(code, symbology.strip().lower() if symbology else None)
    except IdentifierError as exc:
        if as_json:
            _print_json({"code": code, "error": str(exc)})
        else:
            print(f"error: {code!r} does not decode: {exc}", file=sys.stderr)
        return 1
    if as_json:
        _print_json(identity.to_json())
    else:
        print(_human(identity))
    return 0


def _print_json(document: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=True) + "\n")
    sys.stdout.flush()


def _human(identity: Identity) -> str:
    """Aligned `name: value` lines for the fields that are set."""
    fields = identity.to_json()
    lines = [f"{'code':<20} {identity.code!r}"]
    for name, title in _HUMAN_FIELDS:
        if name in fields:
            lines.append(f"{title:<20} {fields[name]}")
    lines.extend(f"{'(' + ai + ')':<20} {value}" for ai, value in identity.ais.items())
    return "\n".join(lines)
