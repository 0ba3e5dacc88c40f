"""Reading printed labels back: a PDF page rasterised at 300 dpi (pdfium), each label slot cut
out and decoded by the camera's own decoder, and each code identified like a scan."""

from __future__ import annotations

import numpy as np
import pypdfium2 as pdfium

from scanner.camera.decoder import StillDecoder
from shared.identifiers import identify
from sync_server.labels.layouts import Layout

DPI = 300


def scanned_keys(pdf: bytes, layout: Layout, count: int, skip: int = 0) -> list[list[str]]:
    """For each of `count` labels (from slot `skip`), the keys of the codes read from it."""
    doc = pdfium.PdfDocument(pdf)
    decoder = StillDecoder(fallback=False)
    px = DPI / 25.4
    out = []
    pages: dict[int, np.ndarray] = {}
    for i in range(count):
        slot = skip + i
        page_no = slot // layout.per_page - skip // layout.per_page
        if page_no not in pages:
            bitmap = doc[page_no].render(scale=DPI / 72, grayscale=True)
            pages[page_no] = np.asarray(bitmap.to_pil())
        x, y = layout.origin(slot)
        image = pages[page_no]
        crop = image[
            int(y * px) : int((y + layout.label_h) * px),
            int(x * px) : int((x + layout.label_w) * px),
        ]
        keys = [identify((d.aim or "") + d.text).key for d in decoder.decode(crop)]
        out.append(keys)
    doc.close()
    return out
