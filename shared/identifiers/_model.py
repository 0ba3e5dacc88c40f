"""The result of identifying a scanned code, and the one error identification raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Scheme = Literal["giai", "grai", "sgtin", "sscc", "sgln", "gtin", "raw-epc", "label"]
Role = Literal["asset", "location", "person", "command", "unknown"]


class IdentifierError(ValueError):
    """A code that claims to be an EPC or GS1 data but does not decode; the message says why."""


@dataclass(frozen=True)
class Identity:
    """How the system understands one scanned code; `key` is the same for one physical item."""

    code: str
    scheme: Scheme
    key: str
    role: Role = "asset"
    symbology: str | None = None
    aim: str | None = None
    epc_uri: str | None = None
    tag_uri: str | None = None
    element_string: str | None = None
    ais: dict[str, str] = field(default_factory=dict, hash=False)
    filter: int | None = None
    bits: int | None = None
    label: str | None = None

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict: `code`, `scheme`, `key`, `role`, then only the fields that are set."""
        out: dict[str, object] = {
            "code": self.code,
            "scheme": self.scheme,
            "key": self.key,
            "role": self.role,
        }
        optional: dict[str, object | None] = {
            "symbology": self.symbology,
            "aim": self.aim,
            "epc_uri": self.epc_uri,
            "tag_uri": self.tag_uri,
            "element_string": self.element_string,
            "ais": dict(self.ais) or None,
            "filter": self.filter,
            "bits": self.bits,
            "label": self.label,
        }
        out.update({name: value for name, value in optional.items() if value is not None})
        return out
