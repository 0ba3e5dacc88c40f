"""Plain (non-GS1) labels: asset tags, location labels and badges, with configurable prefixes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.identifiers._model import Role


@dataclass(frozen=True)
class LabelPatterns:
    """The rules, shared by agent and server, that say what a plain label is for.

    Prefixes are matched case-insensitively; `asset_pattern` is a regular expression a whole
    asset tag must match (labels that match nothing get role `unknown`, never an error).
    """

    location_prefix: str = "LOC:"
    person_prefix: str = "EMP:"
    command_prefix: str = "CMD:"
    asset_pattern: str = r"[!-~]{1,64}"

    def classify(self, text: str) -> tuple[Role, str]:
        """(role, reference) of a plain label: `LOC:B1` -> ("location", "B1")."""
        prefixes: tuple[tuple[str, Role], ...] = (
            (self.location_prefix, "location"),
            (self.person_prefix, "person"),
            (self.command_prefix, "command"),
        )
        folded = text.casefold()
        for prefix, role in prefixes:
            if prefix and folded.startswith(prefix.casefold()):
                reference = text[len(prefix) :].strip()
                return (role, reference) if reference else ("unknown", text)
        if re.fullmatch(self.asset_pattern, text):
            return "asset", text
        return "unknown", text
