"""A test corpus the project makes itself: labels rendered by zxing-cpp (and segno for QR),
placed on a page and degraded the way a camera degrades them (perspective, blur, noise, low
contrast, glare), each with the text a decoder must find. Deterministic for a given seed."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import zxingcpp

Image = np.ndarray[Any, Any]
KINDS = ("code128", "gs1-128", "ean13", "qr", "gs1-datamatrix")
DEGRADATIONS = ("clean", "perspective", "blur", "noise", "low-contrast", "glare", "mixed")


@dataclass(frozen=True, slots=True)
class Label:
    """A rendered label and what a decoder must read from it."""

    kind: str
    text: str
    image: Image


@dataclass(frozen=True, slots=True)
class CorpusImage:
    """A camera-like picture of one label."""

    name: str
    kind: str
    degradation: str
    text: str
    image: Image


def _ean13(digits12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12))
    return digits12 + str((10 - total % 10) % 10)


def _zxing(content: str, fmt: Any, scale: int, **options: Any) -> Image:
    barcode = zxingcpp.create_barcode(content, fmt, **options)
    return np.array(barcode.to_image(scale=scale), dtype=np.uint8)


def _segno_qr(content: str, scale: int) -> Image:
    import segno  # a dev dependency: the corpus is for tests and benchmarks

    matrix = np.array(segno.make(content, error="m", micro=False).matrix, dtype=np.uint8)
    image = np.where(np.pad(matrix, 4) > 0, 0, 255).astype(np.uint8)
    return np.kron(image, np.ones((scale, scale), dtype=np.uint8))


def make_label(kind: str, rng: random.Random) -> Label:
    """A label of `kind` with random content; `text` is what the symbol carries (GS kept)."""
    serial = f"{rng.randrange(10**6):06d}"
    if kind == "code128":
        text = f"AST-{serial}"
        return Label(kind, text, _zxing(text, zxingcpp.BarcodeFormat.Code128, rng.choice((2, 3))))
    if kind == "gs1-128":
        lot = f"L{rng.randrange(10**4)}"
        hri = f"(01)09501101530003(10){lot}(21){serial}"
        image = _zxing(hri, zxingcpp.BarcodeFormat.Code128, 2, gs1=True)
        return Label(kind, f"010950110153000310{lot}\x1d21{serial}", image)
    if kind == "ean13":
        text = _ean13(f"40{rng.randrange(10**10):010d}")
        return Label(kind, text, _zxing(text, zxingcpp.BarcodeFormat.EAN13, rng.choice((2, 3))))
    if kind == "qr":
        text = f"https://id.example.com/asset/{serial}"
        return Label(kind, text, _segno_qr(text, rng.choice((4, 5, 6))))
    if kind == "gs1-datamatrix":
        hri = f"(8004)0950110153{serial}"
        image = _zxing(hri, zxingcpp.BarcodeFormat.DataMatrix, rng.choice((5, 6, 7)), gs1=True)
        return Label(kind, f"80040950110153{serial}", image)
    raise ValueError(f"unknown label kind {kind!r}; known: {', '.join(KINDS)}")


def place(label: Image, rng: random.Random, size: tuple[int, int] = (640, 480)) -> Image:
    """The label on a plain page of `size` (w, h), at a random spot (scaled down if needed)."""
    width, height = size
    page = np.full((height, width), rng.randrange(200, 240), dtype=np.uint8)
    fit = min(1.0, (width - 40) / label.shape[1], (height - 40) / label.shape[0])
    if fit < 1.0:
        label = cv2.resize(label, None, fx=fit, fy=fit, interpolation=cv2.INTER_AREA)
    h, w = label.shape
    x, y = rng.randrange(20, width - w - 19), rng.randrange(20, height - h - 19)
    page[y : y + h, x : x + w] = label
    return page


def perspective(image: Image, rng: random.Random, amount: float = 0.12) -> Image:
    """A tilted view: each corner moved by up to `amount` of the size."""
    h, w = image.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    jitter = [
        [rng.uniform(-amount, amount) * w, rng.uniform(-amount, amount) * h] for _ in range(4)
    ]
    dst = (src + np.array(jitter, dtype=np.float32)).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)


def blur(image: Image, rng: random.Random) -> Image:
    """Out of focus or moving: Gaussian or horizontal motion blur."""
    if rng.random() < 0.5:
        blurred: Image = cv2.GaussianBlur(image, (0, 0), rng.uniform(1.0, 2.0))
        return blurred
    length = rng.randrange(3, 7)
    kernel = np.zeros((length, length), dtype=np.float32)
    kernel[length // 2, :] = 1.0 / length
    smeared: Image = cv2.filter2D(image, -1, kernel)
    return smeared


def noise(image: Image, rng: random.Random) -> Image:
    """Sensor noise: additive Gaussian."""
    sigma = rng.uniform(8, 22)
    grain = np.random.default_rng(rng.randrange(2**32)).normal(0, sigma, image.shape)
    noisy: Image = np.clip(image.astype(np.float32) + grain, 0, 255).astype(np.uint8)
    return noisy


def low_contrast(image: Image, rng: random.Random) -> Image:
    """A dim, washed-out print: the full range squeezed into a narrow band."""
    low = rng.uniform(70, 110)
    high = low + rng.uniform(45, 70)
    return (low + image.astype(np.float32) * (high - low) / 255.0).astype(np.uint8)


def glare(image: Image, rng: random.Random) -> Image:
    """A specular highlight: a bright blob that washes out part of the label."""
    h, w = image.shape[:2]
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    radius = rng.uniform(0.12, 0.25) * min(w, h)
    ys, xs = np.mgrid[0:h, 0:w]
    blob = np.exp(-(((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * radius**2)))
    bright = image.astype(np.float32) + rng.uniform(120, 200) * blob
    glared: Image = np.clip(bright, 0, 255).astype(np.uint8)
    return glared


def _mixed(image: Image, rng: random.Random) -> Image:
    return noise(blur(perspective(image, rng, 0.08), rng), rng)


_STEPS: dict[str, Callable[[Image, random.Random], Image]] = {
    "clean": lambda image, _rng: image,
    "perspective": perspective,
    "blur": blur,
    "noise": noise,
    "low-contrast": low_contrast,
    "glare": glare,
    "mixed": _mixed,
}


def generate(per_cell: int = 2, seed: int = 1) -> Iterator[CorpusImage]:
    """`per_cell` images for every (label kind, degradation) pair."""
    rng = random.Random(seed)
    for kind in KINDS:
        for degradation in DEGRADATIONS:
            for index in range(per_cell):
                label = make_label(kind, rng)
                image = _STEPS[degradation](place(label.image, rng), rng)
                name = f"{kind}-{degradation}-{index}"
                yield CorpusImage(name, kind, degradation, label.text, image)


def write_video(
    path: Path,
    passes: list[tuple[float, float, Image]],
    seconds: float,
    fps: int = 20,
    size: tuple[int, int] = (640, 480),
    seed: int = 3,
) -> None:
    """An MJPG AVI in which each label crosses the view from its `start` to its `end` second
    (even-numbered passes in the upper lane, odd ones in the lower), with mild blur and sensor
    noise, as a camera over a desk or conveyor would film it."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, size)
    if not writer.isOpened():
        raise OSError(f"cannot write video {path}")
    rng = np.random.default_rng(seed)
    width, height = size
    for index in range(round(seconds * fps)):
        t = index / fps
        frame = np.full((height, width), 200, dtype=np.uint8)
        for number, (start, end, label) in enumerate(passes):
            if start <= t < end:
                h, w = label.shape
                x = 20 + int((width - w - 40) * (t - start) / (end - start))
                y = 20 + (number % 2) * (height // 2)  # alternate lanes: passes may overlap
                frame[y : y + h, x : x + w] = label
        soft = cv2.GaussianBlur(frame, (3, 3), 0.8) + rng.normal(0, 6, frame.shape)
        writer.write(cv2.cvtColor(np.clip(soft, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR))
    writer.release()


def render(content: str, kind: str, scale: int) -> Image:
    """A clean label of `kind` (code128, qr, datamatrix) carrying `content`."""
    formats = {
        "code128": zxingcpp.BarcodeFormat.Code128,
        "qr": zxingcpp.BarcodeFormat.QRCode,
        "datamatrix": zxingcpp.BarcodeFormat.DataMatrix,
    }
    return _zxing(content, formats[kind], scale)
