"""`scanstation decode IMAGE...`: every barcode in each image (contract 1).

zxing-cpp with every symbology, then pyzbar when zxing-cpp finds nothing. A file that cannot
be read or is not an image gets one `error:` line on stderr and the others are still decoded;
the exit status is then 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from scanner.camera.decoder import Decoded, StillDecoder

# Leading bytes of the formats OpenCV reads, to tell a damaged image from a non-image.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"RIFF", "WebP"),
    (b"P5", "PGM"),
    (b"P6", "PPM"),
)


class ImageError(Exception):
    """A file that is not a decodable image; the message says why."""


def run_decode(images: list[Path], as_json: bool) -> int:
    """Print each code found (`{"file", "symbology", "text", "aim"}` lines with --json);
    1 when any file could not be decoded."""
    decoder = StillDecoder()
    failed = 0
    for path in images:
        try:
            codes = decoder.decode(load_image(path))
        except ImageError as err:
            print(f"error: {path}: {err}", file=sys.stderr)
            failed += 1
            continue
        if not codes:
            print(f"{path}: no barcode found", file=sys.stderr)
        for code in codes:
            _print(path, code, as_json)
    sys.stdout.flush()
    return 1 if failed else 0


def load_image(path: Path) -> np.ndarray[Any, Any]:
    """The image at `path` as 8-bit gray; ImageError for unreadable, empty or non-image files."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ImageError(f"cannot read it ({err.strerror or err})") from err
    if not data:
        raise ImageError("empty file")
    kind = next((name for magic, name in _MAGIC if data.startswith(magic)), None)
    if kind is None:
        raise ImageError("not an image (unrecognised format)")
    try:
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    except cv2.error as err:
        raise ImageError(f"corrupt {kind} image ({err.err or err})") from err
    if image is None or image.size == 0:
        raise ImageError(f"corrupt or truncated {kind} image")
    decoded: np.ndarray[Any, Any] = image
    return decoded


def _print(path: Path, code: Decoded, as_json: bool) -> None:
    if as_json:
        document = {
            "file": str(path),
            "symbology": code.symbology,
            "text": code.text,
            "aim": code.aim,
        }
        sys.stdout.write(json.dumps(document, ensure_ascii=True) + "\n")
    else:
        text = code.text.replace("\x1d", "<GS>")
        print(f"{path}\t{code.symbology or '-'}\t{code.aim or '-'}\t{text}")
