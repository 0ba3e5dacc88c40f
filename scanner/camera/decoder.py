"""Barcode decoding of images (design/camera.md): zxing-cpp restricted to the symbologies
asked for, and pyzbar as the still-image fallback when zxing-cpp finds nothing.

Text is kept as the symbol carries it (zxing-cpp `TextMode.Plain`): FNC1 separators stay GS
(0x1D) and the AIM identifier comes from the decoder, never from guessing at the content.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import zxingcpp

from scanner.profiles.camera import CameraSettings
from shared.aim import symbology_for_aim

_LOGGER = logging.getLogger(__name__)

# Symbology name (shared.aim) -> zxing-cpp BarcodeFormat members that read it.
_ZXING: dict[str, tuple[str, ...]] = {
    "code128": ("Code128",),
    "gs1-128": ("Code128",),
    "ean13": ("EAN13", "UPCA", "UPCE"),
    "ean8": ("EAN8",),
    "itf": ("ITF",),
    "code39": ("Code39",),
    "codabar": ("Codabar",),
    "code93": ("Code93",),
    "pdf417": ("PDF417",),
    "gs1-databar": ("DataBar", "DataBarExpanded", "DataBarLimited"),
    "datamatrix": ("DataMatrix",),
    "gs1-datamatrix": ("DataMatrix",),
    "qr": ("QRCode", "MicroQRCode"),
    "gs1-qr": ("QRCode",),
    "aztec": ("Aztec",),
}
# zbar can tell neither GS1 from plain Code 128 nor QR modes, so only EAN gets an AIM id.
_ZBAR: dict[str, tuple[str, str | None]] = {
    "CODE128": ("code128", None),
    "EAN13": ("ean13", "]E0"),
    "UPCA": ("ean13", "]E0"),
    "UPCE": ("ean13", "]E0"),
    "EAN8": ("ean8", "]E4"),
    "I25": ("itf", None),
    "CODE39": ("code39", None),
    "CODABAR": ("codabar", None),
    "CODE93": ("code93", None),
    "DATABAR": ("gs1-databar", "]e0"),
    "DATABAR_EXP": ("gs1-databar", "]e0"),
    "QRCODE": ("qr", None),
}
# A GS1 variant is accepted by a profile that lists its base symbology.
_BASE = {"gs1-128": "code128", "gs1-datamatrix": "datamatrix", "gs1-qr": "qr"}
ALL_SYMBOLOGIES: tuple[str, ...] = tuple(_ZXING)
LINEAR_SYMBOLOGIES = frozenset(
    {"code128", "gs1-128", "ean13", "ean8", "itf", "code39", "codabar", "code93", "gs1-databar"}
)


@dataclass(frozen=True, slots=True)
class Decoded:
    """One code found in an image: text (GS kept), symbology name, AIM id, which engine."""

    text: str
    symbology: str | None
    aim: str | None
    engine: str
    center: tuple[int, int] = (0, 0)

    @property
    def key(self) -> tuple[str | None, str]:
        """What makes two sightings the same label."""
        return self.symbology, self.text


def accepts(symbologies: Iterable[str], symbology: str | None) -> bool:
    """Whether a profile listing `symbologies` wants a read of `symbology`."""
    wanted = set(symbologies)
    return symbology in wanted or _BASE.get(symbology or "") in wanted


def zxing_formats(symbologies: Iterable[str]) -> zxingcpp.BarcodeFormats:
    """The zxing-cpp formats that read `symbologies` (names unknown to this zxing are skipped)."""
    names = {name for symbology in symbologies for name in _ZXING.get(symbology, ())}
    return zxingcpp.BarcodeFormats(
        [
            getattr(zxingcpp.BarcodeFormat, n)
            for n in sorted(names)
            if hasattr(zxingcpp.BarcodeFormat, n)
        ]
    )


def to_gray(image: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """A single-channel 8-bit view of a BGR, BGRA or gray image."""
    if image.ndim == 2:
        return image
    code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
    return cv2.cvtColor(image, code)


class ZxingDecoder:
    """zxing-cpp over gray images, restricted to `symbologies`."""

    def __init__(
        self,
        symbologies: Sequence[str] = ALL_SYMBOLOGIES,
        *,
        try_rotate: bool = True,
        try_invert: bool = True,
        try_downscale: bool = True,
    ) -> None:
        self.symbologies = tuple(symbologies)
        self._formats = zxing_formats(self.symbologies)
        self._options: dict[str, Any] = {
            "try_rotate": try_rotate,
            "try_invert": try_invert,
            "try_downscale": try_downscale,
            "text_mode": zxingcpp.TextMode.Plain,
        }

    def decode(self, gray: np.ndarray[Any, Any], scale: float = 1.0) -> list[Decoded]:
        """Every wanted code in `gray`; positions are given in the coordinates before `scale`."""
        results = zxingcpp.read_barcodes(gray, formats=self._formats, **self._options)
        found: list[Decoded] = []
        for result in results:
            aim = result.symbology_identifier or None
            text = _upca_as_ean13(result.text, result.format.name)
            symbology = symbology_for_aim(aim)
            if text and accepts(self.symbologies, symbology):
                found.append(Decoded(text, symbology, aim, "zxing-cpp", _center(result, scale)))
        return found


@functools.cache
def load_zbar() -> Any | None:
    """pyzbar's module, or None when libzbar0 is missing (said once per process)."""
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError) as err:
        _LOGGER.warning(
            "the pyzbar fallback for still images is off: libzbar0 is not installed (%s)", err
        )
        return None
    return pyzbar


class ZbarDecoder:
    """pyzbar (libzbar0) over gray images; `available` is False without the library."""

    def __init__(self, symbologies: Sequence[str] = ALL_SYMBOLOGIES) -> None:
        self.symbologies = tuple(symbologies)
        self._pyzbar = load_zbar()
        types = {t for t, (name, _) in _ZBAR.items() if accepts(self.symbologies, name)}
        self._symbols = [] if self._pyzbar is None else _zbar_symbols(self._pyzbar, types)

    @property
    def available(self) -> bool:
        """Whether the library is there and reads at least one wanted symbology."""
        return bool(self._symbols)

    def decode(self, gray: np.ndarray[Any, Any]) -> list[Decoded]:
        """Every wanted code zbar finds in `gray` (none when unavailable)."""
        if not self._symbols or self._pyzbar is None:
            return []
        found: list[Decoded] = []
        for result in self._pyzbar.decode(gray, symbols=self._symbols):
            symbology, aim = _ZBAR.get(result.type, (None, None))
            text = _upca_as_ean13(_text(result.data), result.type)
            rect = result.rect
            center = (rect.left + rect.width // 2, rect.top + rect.height // 2)
            found.append(Decoded(text, symbology, aim, "pyzbar", center))
        return found


class StillDecoder:
    """The `decode` command's pipeline: zxing-cpp, then pyzbar when zxing-cpp finds nothing."""

    def __init__(self, symbologies: Sequence[str] = ALL_SYMBOLOGIES, fallback: bool = True) -> None:
        self.zxing = ZxingDecoder(symbologies)
        self.zbar = ZbarDecoder(symbologies) if fallback else None

    def decode(self, image: np.ndarray[Any, Any]) -> list[Decoded]:
        """Every code in `image` (BGR or gray)."""
        gray = to_gray(image)
        found = self.zxing.decode(gray)
        if not found and self.zbar is not None:
            found = self.zbar.decode(gray)
        return found


def _zbar_symbols(pyzbar: Any, types: set[str]) -> list[Any]:
    return [getattr(pyzbar.ZBarSymbol, t) for t in sorted(types) if hasattr(pyzbar.ZBarSymbol, t)]


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _upca_as_ean13(text: str, format_name: str) -> str:
    # protocols.md 5.2: ]E0 carries UPC-A as 13 digits with a leading 0, as wands send it.
    upca = format_name.replace("-", "").upper() == "UPCA"
    return "0" + text if upca and len(text) == 12 and text.isdigit() else text


def _center(result: Any, scale: float) -> tuple[int, int]:
    pos = result.position
    xs = (pos.top_left.x, pos.top_right.x, pos.bottom_left.x, pos.bottom_right.x)
    ys = (pos.top_left.y, pos.top_right.y, pos.bottom_left.y, pos.bottom_right.y)
    return int(sum(xs) / 4 / scale), int(sum(ys) / 4 / scale)


class FrameDecoder:
    """The live loop's decoder: gray once; linear codes at full resolution (cheap row scans),
    matrix codes in a frame shrunk by the profile's `decode_scale` (their detectors cost
    about ten times more, design/camera.md); only the profile's symbologies and options."""

    def __init__(self, settings: CameraSettings) -> None:
        self.scale = settings.decode_scale
        linear = [s for s in settings.symbologies if s in LINEAR_SYMBOLOGIES]
        matrix = [s for s in settings.symbologies if s not in LINEAR_SYMBOLOGIES]
        if self.scale >= 1.0:
            linear, matrix = list(settings.symbologies), []
        options = {"try_rotate": settings.try_rotate, "try_invert": settings.try_invert}
        self._linear = ZxingDecoder(linear, try_downscale=False, **options) if linear else None
        self._matrix = ZxingDecoder(matrix, try_downscale=False, **options) if matrix else None

    def decode(self, frame: np.ndarray[Any, Any]) -> list[Decoded]:
        """Every wanted code in one video frame (BGR or gray)."""
        gray = to_gray(frame)
        found = self._linear.decode(gray) if self._linear else []
        if self._matrix:
            height, width = gray.shape[:2]
            size = (max(1, round(width * self.scale)), max(1, round(height * self.scale)))
            small = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
            found += self._matrix.decode(small, self.scale)
        return found
