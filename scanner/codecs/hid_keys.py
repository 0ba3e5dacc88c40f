"""Keyboard-wedge scans from Linux input events (protocols.md 5.5): a pure decoder over
`(type, code, value)` tuples, with time passed in.

Rules of this file: only EV_KEY events matter; value 1 is key down, 0 key up, 2 auto-repeat
(ignored, a scanner never holds a key on purpose). Characters come from the layout table on
key down. Ctrl plus a key types the ASCII control character of that key's US position
(Ctrl+] is GS, 0x1D), which is what scanners in "Control + ASCII" mode send. Alt held while
keypad digits are typed gives the character of that decimal code (Alt+0029 is GS). A scan
ends at a configured terminator key, or when the next key comes after the inter-key timeout.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# linux/input-event-codes.h
EV_SYN = 0
EV_KEY = 1
EV_MSC = 4
KEY_TAB = 15
KEY_ENTER = 28
KEY_LEFTCTRL = 29
KEY_LEFTSHIFT = 42
KEY_RIGHTSHIFT = 54
KEY_LEFTALT = 56
KEY_CAPSLOCK = 58
KEY_KPENTER = 96
KEY_RIGHTCTRL = 97
KEY_RIGHTALT = 100  # AltGr on European layouts

TERMINATOR_KEYS: Mapping[str, int] = {"enter": KEY_ENTER, "kpenter": KEY_KPENTER, "tab": KEY_TAB}
_SHIFT = frozenset({KEY_LEFTSHIFT, KEY_RIGHTSHIFT})
_CTRL = frozenset({KEY_LEFTCTRL, KEY_RIGHTCTRL})

_ROW_Q = range(16, 26)  # KEY_Q..KEY_P
_ROW_A = range(30, 39)  # KEY_A..KEY_L
_ROW_Z = range(44, 51)  # KEY_Z..KEY_M
# Keypad with NumLock on: KP7 KP8 KP9 KPMINUS KP4 KP5 KP6 KPPLUS KP1 KP2 KP3 KP0 KPDOT.
_KEYPAD: dict[int, str] = dict(zip(range(71, 84), "789-456+1230.", strict=True))
_KEYPAD |= {55: "*", 98: "/"}
_KEYPAD_DIGITS: dict[int, str] = {k: v for k, v in _KEYPAD.items() if v.isdigit()}


class LayoutError(ValueError):
    """A keyboard layout name with no table."""


@dataclass(frozen=True, slots=True)
class KeyLayout:
    """Characters typed by each key code: plain, with Shift, and with AltGr."""

    name: str
    plain: Mapping[int, str]
    shifted: Mapping[int, str]
    altgr: Mapping[int, str] = field(default_factory=dict)


def _table(digits: str, rows: tuple[str, str, str], extra: Mapping[int, str]) -> dict[int, str]:
    keys = dict(zip(range(2, 12), digits, strict=True))
    for codes, chars in zip((_ROW_Q, _ROW_A, _ROW_Z), rows, strict=True):
        keys |= dict(zip(codes, chars, strict=True))
    return keys | dict(extra) | {57: " "} | _KEYPAD


_US_PUNCT = {12: "-", 13: "=", 26: "[", 27: "]", 39: ";", 40: "'", 41: "`", 43: "\\"}
_US_PUNCT |= {51: ",", 52: ".", 53: "/"}
_US_PUNCT_SHIFT = {12: "_", 13: "+", 26: "{", 27: "}", 39: ":", 40: '"', 41: "~", 43: "|"}
_US_PUNCT_SHIFT |= {51: "<", 52: ">", 53: "?"}
US = KeyLayout(
    name="us",
    plain=_table("1234567890", ("qwertyuiop", "asdfghjkl", "zxcvbnm"), _US_PUNCT),
    shifted=_table("!@#$%^&*()", ("QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM"), _US_PUNCT_SHIFT),
)

# German QWERTZ (DIN 2137 T1, as Linux's `de` XKB map): Y and Z swapped, umlauts, AltGr.
_DE_PUNCT = {12: "ß", 13: "´", 26: "ü", 27: "+", 39: "ö", 40: "ä", 41: "^", 43: "#"}
_DE_PUNCT |= {51: ",", 52: ".", 53: "-", 86: "<"}
_DE_PUNCT_SHIFT = {12: "?", 13: "`", 26: "Ü", 27: "*", 39: "Ö", 40: "Ä", 41: "°", 43: "'"}
_DE_PUNCT_SHIFT |= {51: ";", 52: ":", 53: "_", 86: ">"}
DE = KeyLayout(
    name="de",
    plain=_table("1234567890", ("qwertzuiop", "asdfghjkl", "yxcvbnm"), _DE_PUNCT),
    shifted=_table('!"§$%&/()=', ("QWERTZUIOP", "ASDFGHJKL", "YXCVBNM"), _DE_PUNCT_SHIFT),
    altgr={3: "²", 4: "³", 8: "{", 9: "[", 10: "]", 11: "}", 12: "\\", 16: "@", 18: "€"}
    | {27: "~", 86: "|", 50: "µ"},
)

LAYOUTS: Mapping[str, KeyLayout] = {"us": US, "de": DE}

# Ctrl + the key at this US position types this control character (ASCII "Control + X").
_CTRL_PUNCT = {"[": "\x1b", "\\": "\x1c", "]": "\x1d", "6": "\x1e", "-": "\x1f", "2": "\x00"}


def layout_for(name: str) -> KeyLayout:
    """The layout table called `name` (`us`, `de`)."""
    try:
        return LAYOUTS[name]
    except KeyError:
        raise LayoutError(f"no keyboard layout {name!r}; known: {', '.join(LAYOUTS)}") from None


@dataclass(frozen=True, slots=True)
class KeyScan:
    """One decoded scan; `complete` is False when it was cut by the inter-key timeout."""

    text: str
    complete: bool


class HidKeyDecoder:
    """Turns key events into scans; `now` (seconds, monotonic) is always passed in."""

    def __init__(
        self,
        layout: KeyLayout,
        terminators: Iterable[str] = ("enter", "kpenter"),
        inter_key_timeout_s: float = 0.08,
        max_length: int = 4096,
    ) -> None:
        self._layout = layout
        self._terminators = frozenset(TERMINATOR_KEYS[name] for name in terminators)
        self._timeout = inter_key_timeout_s
        self._max = max_length
        self._buf: list[str] = []
        self._down: set[int] = set()
        self._alt_digits = ""
        self._last_key: float | None = None
        self._overflow = False
        self.ignored_keys = 0
        self.dropped_scans = 0

    def deadline(self) -> float | None:
        """When a pending scan without a terminator will be flushed, or None."""
        if not self._buf or self._last_key is None:
            return None
        return self._last_key + self._timeout

    def poll(self, now: float) -> list[KeyScan]:
        """Flush the pending scan if the inter-key timeout has passed."""
        deadline = self.deadline()
        if deadline is not None and now >= deadline:
            return self._finish(complete=False)
        return []

    def flush(self) -> list[KeyScan]:
        """End of input: the pending scan, if any, as an incomplete scan."""
        return self._finish(complete=False)

    def feed(self, etype: int, code: int, value: int, now: float) -> list[KeyScan]:
        """One input event; returns the scans it completes (usually none)."""
        if etype != EV_KEY or value == 2:
            return []
        out = self.poll(now)
        if value == 0:
            self._key_up(code)
            return out
        self._last_key = now
        self._down.add(code)
        if code in self._terminators:
            return out + self._finish(complete=True)
        char = self._char(code)
        if char is None:
            self.ignored_keys += 1
        else:
            self._append(char)
        return out

    def _key_up(self, code: int) -> None:
        self._down.discard(code)
        if code == KEY_LEFTALT and self._alt_digits:
            self._append(_alt_code(self._alt_digits))
            self._alt_digits = ""

    def _char(self, code: int) -> str | None:
        if code in _SHIFT or code in _CTRL or code in (KEY_LEFTALT, KEY_RIGHTALT, KEY_CAPSLOCK):
            return ""
        if KEY_LEFTALT in self._down and code in _KEYPAD_DIGITS:
            self._alt_digits += _KEYPAD_DIGITS[code]
            return ""
        if self._down & _CTRL:
            return _ctrl_char(self._layout, code)
        if KEY_RIGHTALT in self._down:
            return self._layout.altgr.get(code)
        if code == KEY_TAB:
            return "\t"
        table = self._layout.shifted if self._down & _SHIFT else self._layout.plain
        return table.get(code)

    def _append(self, char: str) -> None:
        if not char or self._overflow:
            return
        if len(self._buf) >= self._max:
            self._overflow = True
            self._buf.clear()
            return
        self._buf.append(char)

    def _finish(self, *, complete: bool) -> list[KeyScan]:
        text = "".join(self._buf)
        overflowed = self._overflow
        self._buf.clear()
        self._overflow = False
        self._alt_digits = ""
        if overflowed:
            self.dropped_scans += 1
            return []
        return [KeyScan(text, complete)] if text else []


def _ctrl_char(layout: KeyLayout, code: int) -> str | None:
    """Ctrl + `code`: letters by the layout, punctuation by the US key position."""
    letter = layout.plain.get(code, "")
    if len(letter) == 1 and "a" <= letter <= "z":
        return chr(ord(letter) - ord("a") + 1)
    return _CTRL_PUNCT.get(US.plain.get(code, ""))


def _alt_code(digits: str) -> str:
    """Alt+keypad code: with a leading 0 it is Windows-1252 (ANSI), else code page 437."""
    number = int(digits) % 256
    return bytes([number]).decode("cp1252" if digits.startswith("0") else "cp437", "replace")


def decode_events(
    events: Iterable[tuple[int, int, int, float]],
    layout: KeyLayout = US,
    terminators: Iterable[str] = ("enter", "kpenter"),
    inter_key_timeout_s: float = 0.08,
) -> list[KeyScan]:
    """Every scan in a recorded stream of `(type, code, value, time)`, the tail flushed."""
    decoder = HidKeyDecoder(layout, terminators, inter_key_timeout_s)
    scans: list[KeyScan] = []
    for etype, code, value, now in events:
        scans += decoder.feed(etype, code, value, now)
    return scans + decoder.flush()


def _key_for(char: str, layout: KeyLayout) -> tuple[tuple[int, ...], int]:
    """(modifiers, key) that type `char` on `layout`; plain keys are preferred to keypad."""
    for mods, table in (((), layout.plain), ((KEY_LEFTSHIFT,), layout.shifted)):
        for code, typed in table.items():
            if typed == char and code not in _KEYPAD:
                return mods, code
    for code, typed in layout.altgr.items():
        if typed == char:
            return (KEY_RIGHTALT,), code
    if char == "\t":
        return (), KEY_TAB
    for code in layout.plain:
        if code not in _KEYPAD and _ctrl_char(layout, code) == char:
            return (KEY_LEFTCTRL,), code
    raise LayoutError(f"{char!r} cannot be typed on the {layout.name} layout")


def encode_text(
    text: str, layout: KeyLayout = US, terminator: str | None = "enter"
) -> list[tuple[int, int, int]]:
    """The `(type, code, value)` events a wedge scanner sends to type `text` (SYN after each)."""
    events: list[tuple[int, int, int]] = []

    def press(code: int, value: int) -> None:
        events.extend([(EV_KEY, code, value), (EV_SYN, 0, 0)])

    for char in text:
        mods, code = _key_for(char, layout)
        for mod in mods:
            press(mod, 1)
        press(code, 1)
        press(code, 0)
        for mod in reversed(mods):
            press(mod, 0)
    if terminator is not None:
        press(TERMINATOR_KEYS[terminator], 1)
        press(TERMINATOR_KEYS[terminator], 0)
    return events


def parse_evemu(text: str) -> list[tuple[int, int, int, float]]:
    """The events of an `evemu-record` trace: `E: <sec.usec> <type hex> <code hex> <value>`
    lines become `(type, code, value, seconds)`; other lines (header, comments) are skipped."""
    events: list[tuple[int, int, int, float]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("E:"):
            continue
        fields = line[2:].split("#", 1)[0].split()
        try:
            stamp, etype, code, value = fields[:4]
            events.append((int(etype, 16), int(code, 16), int(value), float(stamp)))
        except ValueError as err:
            raise ValueError(f"line {number}: not an evemu event: {line!r}") from err
    return events


def format_evemu(events: Iterable[tuple[int, int, int, float]], name: str = "wedge") -> str:
    """An `evemu-record`-style trace of `(type, code, value, seconds)` events (parse_evemu's
    inverse), for recordings a driver can replay."""
    lines = ["# EVEMU 1.3", f"N: {name}"]
    for etype, code, value, stamp in events:
        lines.append(f"E: {stamp:.6f} {etype:04x} {code:04x} {value:04d}")
    return "\n".join(lines) + "\n"
