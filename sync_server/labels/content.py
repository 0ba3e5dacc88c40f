"""What one label carries: the asset's identity as a symbol and as text, and for RFID the
EPC to encode."""

from __future__ import annotations

from dataclasses import dataclass

from sync_server.labels.symbols import Symbology


@dataclass(frozen=True)
class LabelContent:
    """One asset's label. `giai` is needed for GS1 DataMatrix, `epc` (hex) for RFID."""

    asset_tag: str
    name: str
    extra: str | None = None
    giai: str | None = None
    epc: str | None = None

    def payload(self, symbology: Symbology) -> str:
        """The symbol's text: the asset tag (its key `tag/<asset tag>`), or (8004) GIAI."""
        if symbology == "gs1-datamatrix":
            if self.giai is None:
                raise ValueError(f"asset {self.asset_tag} has no GIAI for a GS1 DataMatrix")
            return f"(8004){self.giai}"
        return self.asset_tag

    def lines(self) -> list[str]:
        """The human-readable text, most important first."""
        out = [self.asset_tag, self.name]
        if self.extra:
            out.append(self.extra)
        return out
