"""Incremental line framing for serial wands (protocols.md 5.1: `[data][suffix]` + terminator).

The buffer is bounded: a line longer than `max_line` is dropped whole, counted and reported as a
`LineTooLong`, and framing resynchronises at the next terminator. Pure: no IO, no logging.
"""

from __future__ import annotations

from scanner.codecs import CodecError


class LineTooLong(CodecError):
    """A line longer than the framer's `max_line`; its bytes were dropped."""


class LineFramer:
    """`feed(data)` returns the complete lines (without terminator) found so far.

    Any split of the same byte stream into `feed` calls yields the same lines and the same
    errors. Over-long lines never come out of `feed`; they land in `errors` (drain with
    `take_errors`) and in the `dropped` counter.
    """

    def __init__(self, terminator: bytes, max_line: int) -> None:
        if not terminator:
            raise ValueError("terminator must not be empty")
        if max_line < 1:
            raise ValueError("max_line must be positive")
        self.terminator = terminator
        self.max_line = max_line
        self.dropped = 0
        self.errors: list[LineTooLong] = []
        self._buf = bytearray()
        self._discarding = False

    def feed(self, data: bytes) -> list[bytes]:
        """Add `data`; return the lines it completed."""
        self._buf += data
        lines: list[bytes] = []
        term = self.terminator
        while True:
            idx = self._buf.find(term)
            if idx < 0:
                break
            line = bytes(self._buf[:idx])
            del self._buf[: idx + len(term)]
            if self._discarding:
                self._discarding = False
            elif len(line) > self.max_line:
                self._drop(line)
            else:
                lines.append(line)
        self._bound()
        return lines

    def take_errors(self) -> list[LineTooLong]:
        """The over-long-line errors since the last call."""
        errors, self.errors = self.errors, []
        return errors

    def reset(self) -> None:
        """Forget any partial line (the port was reopened)."""
        self._buf.clear()
        self._discarding = False

    def _bound(self) -> None:
        # Keep the last len(term)-1 bytes: they may be the start of a split terminator.
        keep = len(self.terminator) - 1
        if self._discarding:
            if len(self._buf) > keep:
                del self._buf[: len(self._buf) - keep]
            return
        if len(self._buf) > self.max_line + keep:
            # Even if the tail is a partial terminator, the line already exceeds max_line.
            self._drop(bytes(self._buf[: len(self._buf) - keep]))
            del self._buf[: len(self._buf) - keep]
            self._discarding = True

    def _drop(self, line: bytes) -> None:
        self.dropped += 1
        self.errors.append(
            LineTooLong(f"line longer than {self.max_line} bytes dropped", line[: self.max_line])
        )
