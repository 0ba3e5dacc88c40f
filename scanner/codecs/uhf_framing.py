"""Resynchronising framer for binary reader protocols: a start byte, a length rule, a check.

Shared by the UHF reader codecs. Pure: no IO, no logging. Bytes that are not part of a frame
with a good check are discarded, counted in `dropped` and reported as errors (drain them with
`take_errors`); framing resumes at the next good frame. The buffer is bounded.
"""

from __future__ import annotations

from collections.abc import Callable

from scanner.codecs import CodecError

# Length of the frame starting at `index` in `buf`: None = header not complete yet, -1 = this
# start byte cannot begin a frame (e.g. a length beyond the protocol's maximum).
LengthRule = Callable[[bytearray, int], "int | None"]
CheckRule = Callable[[bytes], bool]

_MAX_ERRORS = 32  # keep the newest errors only: a noisy line must not grow memory


class FrameSplitter:
    """`feed(data)` returns the complete, check-valid frames found so far, as bytes.

    Any split of the same byte stream into `feed` calls yields the same frames. When a frame
    start is found whose frame is not complete yet, a later complete good frame in the buffer
    wins over waiting (the start byte was garbage): that is how a truncated frame is skipped.
    """

    def __init__(
        self,
        start: int,
        length_of: LengthRule,
        is_valid: CheckRule,
        error: type[CodecError],
        max_buffer: int = 4096,
    ) -> None:
        self._start = bytes([start])
        self._length_of = length_of
        self._is_valid = is_valid
        self._error = error
        self._max_buffer = max_buffer
        self._buf = bytearray()
        self._garbage = bytearray()
        self._garbage_reason = ""
        self.dropped = 0
        self.frames = 0
        self.errors: list[CodecError] = []

    def feed(self, data: bytes) -> list[bytes]:
        """Add `data`; return the frames it completed, in order."""
        buf = self._buf
        buf += data
        out: list[bytes] = []
        pos, waiting = 0, False
        while pos < len(buf) and not waiting:
            pos, waiting = self._step(pos, out)
        del buf[:pos]
        if len(buf) > self._max_buffer:
            self._discard(buf[: len(buf) - self._max_buffer], "buffer overflow")
            del buf[: len(buf) - self._max_buffer]
        self._flush_garbage()
        self.frames += len(out)
        return out

    def _step(self, pos: int, out: list[bytes]) -> tuple[int, bool]:
        """Consume what starts at `pos`: (next position, False), or (start of an incomplete
        frame, True) to wait for more bytes."""
        buf, n = self._buf, len(self._buf)
        i = buf.find(self._start, pos)
        if i < 0:
            self._discard(buf[pos:n], "no frame start")
            return n, False
        if i > pos:
            self._discard(buf[pos:i], "no frame start")
        total = self._length_of(buf, i)
        if total is None or (total > 0 and i + total > n):
            later = self._later_frame(i + 1, n)
            if later is None:
                return i, True
            self._discard(buf[i:later], "truncated frame")
            return later, False
        if total < 0:
            self._discard(buf[i : i + 1], "bad frame header")
            return i + 1, False
        frame = bytes(buf[i : i + total])
        if not self._is_valid(frame):
            self._discard(buf[i : i + 1], "bad checksum")
            return i + 1, False
        self._flush_garbage()
        out.append(frame)
        return i + total, False

    def take_errors(self) -> list[CodecError]:
        """The errors seen since the last call (oldest first), clearing them."""
        errors, self.errors = self.errors, []
        return errors

    def _later_frame(self, begin: int, end: int) -> int | None:
        buf = self._buf
        j = buf.find(self._start, begin, end)
        while j >= 0:
            total = self._length_of(buf, j)
            complete = total is not None and total > 0 and j + total <= end
            if complete and self._is_valid(bytes(buf[j : j + (total or 0)])):
                return j
            j = buf.find(self._start, j + 1, end)
        return None

    def _discard(self, chunk: bytearray, reason: str) -> None:
        if not self._garbage:
            self._garbage_reason = reason
        self._garbage += chunk
        self.dropped += len(chunk)

    def _flush_garbage(self) -> None:
        if not self._garbage:
            return
        self.errors.append(
            self._error(f"discarded bytes ({self._garbage_reason})", bytes(self._garbage))
        )
        del self.errors[:-_MAX_ERRORS]
        self._garbage = bytearray()
