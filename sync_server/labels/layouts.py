"""Label stock as data: sheets (a grid of labels on a page) and rolls (one label per page).
Dimensions in millimetres from the manufacturers' templates."""

from __future__ import annotations

from dataclasses import dataclass

INCH = 25.4


@dataclass(frozen=True)
class Layout:
    """A page of `columns` x `rows` labels of `label_w` x `label_h`, the first one's top-left
    corner at (`left`, `top`), the next ones `pitch_x` / `pitch_y` apart."""

    name: str
    page_w: float
    page_h: float
    columns: int
    rows: int
    label_w: float
    label_h: float
    left: float = 0.0
    top: float = 0.0
    pitch_x: float = 0.0
    pitch_y: float = 0.0

    @property
    def per_page(self) -> int:
        """Labels on one page (sheet) or 1 (roll)."""
        return self.columns * self.rows

    def origin(self, slot: int) -> tuple[float, float]:
        """Top-left corner (mm) of label `slot` on its page, filled row by row."""
        row, column = divmod(slot % self.per_page, self.columns)
        return self.left + column * self.pitch_x, self.top + row * self.pitch_y


LAYOUTS: dict[str, Layout] = {
    # Avery L7160 (A4, 21 per sheet): 63.5 x 38.1 mm, 3 across with 2.54 mm gaps, margins
    # 7.25 mm left and 15.15 mm top (Avery's template).
    "avery-l7160": Layout("avery-l7160", 210, 297, 3, 7, 63.5, 38.1, 7.25, 15.15, 66.04, 38.1),
    # Avery 5160 (US Letter, 30 per sheet): 2 5/8 x 1 in, 3 across with 1/8 in gaps, margins
    # 3/16 in left and 1/2 in top.
    "avery-5160": Layout(
        "avery-5160",
        8.5 * INCH,
        11 * INCH,
        3,
        10,
        2.625 * INCH,
        1 * INCH,
        0.1875 * INCH,
        0.5 * INCH,
        2.75 * INCH,
        1 * INCH,
    ),
    # Roll labels for desktop thermal printers: one label per page.
    "roll-57x32": Layout("roll-57x32", 57, 32, 1, 1, 57, 32),
    "roll-102x51": Layout("roll-102x51", 102, 51, 1, 1, 102, 51),
}
