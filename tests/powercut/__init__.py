"""Power-cut simulation for the durability tests: record a process's file IO, then rebuild the
disk a power cut at the moment of a `kill -9` would have left.

The process under test runs the real code on the real filesystem with `shim.c` preloaded; the
shim appends every write, truncate, create, unlink and fsync/fdatasync under a watched directory
to a log (data included). Replaying the log gives, per file, the content its last fsync made
durable, plus the writes that came after. A crash image then keeps:

- "strict": only what fsync made durable (the page cache is gone, nothing else reached the disk);
- "torn": that, plus a random subset of the later writes, some torn at 512-byte sectors, and a
  random prefix of the later creates/unlinks (a disk that wrote some of its cache in any order).

Names follow ext4's ordered journal: a create or unlink is durable once any later fsync returns
(a journal commit), otherwise it may or may not be. `-shm` files are left out: they are not
durable state and SQLite rebuilds them. What this cannot model: a drive that lies about flushes.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SHIM_SOURCE = Path(__file__).with_name("shim.c")
_HEAD = struct.Struct("<4scIQQ")
SECTOR = 512


def compile_shim(out_dir: Path) -> Path:
    """Build the recorder with the system C compiler; the path of the shared object."""
    target = out_dir / "powercut.so"
    cmd = ["cc", "-shared", "-fPIC", "-O2", "-o", str(target), str(SHIM_SOURCE), "-ldl"]
    subprocess.run([*cmd, "-lpthread"], check=True, capture_output=True, timeout=120)
    return target


def shim_env(shim: Path, watched: Path, log: Path) -> dict[str, str]:
    """The environment for a child whose IO under `watched` is recorded into `log`."""
    return {
        **os.environ,
        "LD_PRELOAD": str(shim),
        "POWERCUT_DIR": str(watched.resolve()),
        "POWERCUT_LOG": str(log),
    }


@dataclass(frozen=True)
class Op:
    """One recorded call: W(rite), T(runcate), C(reate), Z (create or truncate to 0),
    U(nlink), S(ync)."""

    kind: str
    path: str
    offset: int = 0
    data: bytes = b""


def read_log(log: Path) -> list[Op]:
    """The recorded calls, in order."""
    raw = log.read_bytes() if log.exists() else b""
    ops, pos = [], 0
    while pos < len(raw):
        magic, kind, path_len, offset, length = _HEAD.unpack_from(raw, pos)
        assert magic == b"PCUT", f"corrupt power-cut log at byte {pos}"
        pos += _HEAD.size
        path = raw[pos : pos + path_len].decode()
        pos += path_len
        data = raw[pos : pos + length] if kind == b"W" else b""
        pos += len(data)
        ops.append(Op(kind.decode(), path, offset, data))
    return ops


@dataclass
class _File:
    """One incarnation of a file: what fsync made durable and what came after."""

    volatile: bytearray
    durable: bytes
    pending: list[Op] = field(default_factory=list)


def _apply(content: bytearray, op: Op, keep_sectors: random.Random | None = None) -> None:
    if op.kind in ("T", "Z"):
        size = 0 if op.kind == "Z" else op.offset
        del content[size:]
        content.extend(bytes(size - len(content)))
        return
    end = op.offset + len(op.data)
    if len(content) < end:
        content.extend(bytes(end - len(content)))
    if keep_sectors is None:
        content[op.offset : end] = op.data
        return
    for start in range(0, len(op.data), SECTOR):  # a torn write: some sectors made it
        if keep_sectors.random() < 0.5:
            at = op.offset + start
            content[at : at + SECTOR] = op.data[start : start + SECTOR]


class Replay:
    """The log replayed over the files that existed when recording began."""

    def __init__(self, initial: dict[str, bytes], ops: list[Op]) -> None:
        self.files: dict[str, _File] = {p: _File(bytearray(b), b) for p, b in initial.items()}
        self.names: dict[str, _File] = dict(self.files)  # what a clean shutdown would show
        self.durable_names: dict[str, _File] = dict(self.files)
        self.later_names: list[tuple[str, _File | None]] = []
        for op in ops:
            self._step(op)

    def _step(self, op: Op) -> None:
        if op.kind in ("C", "Z") and op.path not in self.names:
            self.names[op.path] = _File(bytearray(), b"")
            self.later_names.append((op.path, self.names[op.path]))
        if op.kind == "U":
            self.names.pop(op.path, None)
            self.later_names.append((op.path, None))
        elif op.kind == "S":
            entry = self.names.get(op.path)
            if entry is not None:
                entry.durable, entry.pending = bytes(entry.volatile), []
            self._commit_names()
        elif op.kind in ("W", "T", "Z") and op.path in self.names:
            entry = self.names[op.path]
            _apply(entry.volatile, op)
            entry.pending.append(op)

    def _commit_names(self) -> None:
        for path, entry in self.later_names:
            if entry is None:
                self.durable_names.pop(path, None)
            else:
                self.durable_names[path] = entry
        self.later_names = []

    def image(self, rng: random.Random | None) -> dict[str, bytes]:
        """The files after the power cut: strict when `rng` is None, else a random torn one."""
        names = dict(self.durable_names)
        if rng is not None:
            for path, entry in self.later_names[: rng.randint(0, len(self.later_names))]:
                if entry is None:
                    names.pop(path, None)
                else:
                    names[path] = entry
        out = {}
        for path, entry in names.items():
            content = bytearray(entry.durable)
            if rng is not None:
                for op in entry.pending:
                    if rng.random() < 0.5:
                        _apply(content, op, rng if op.kind == "W" and rng.random() < 0.3 else None)
            out[path] = bytes(content)
        return out


def snapshot(directory: Path) -> dict[str, bytes]:
    """The files in `directory` (absolute paths as the shim records them) before recording."""
    root = directory.resolve()
    return {str(p): p.read_bytes() for p in root.rglob("*") if p.is_file() and _durable(p.name)}


def _durable(name: str) -> bool:
    return not name.endswith("-shm")


def write_image(files: dict[str, bytes], watched: Path, dest: Path) -> None:
    """Materialise a crash image of `watched` under `dest` (same relative paths)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    root = watched.resolve()
    for path, content in files.items():
        if not _durable(path):
            continue
        target = dest / Path(path).relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def crash_images(
    initial: dict[str, bytes], log: Path, watched: Path, dest: Path, seed: int, torn: int = 3
) -> Iterator[tuple[str, Path]]:
    """Yield (name, directory) for the strict image and `torn` random ones, one at a time
    (each replaces the last under `dest`)."""
    replay = Replay(initial, read_log(log))
    rng = random.Random(seed)
    for n in range(torn + 1):
        name = "strict" if n == 0 else f"torn-{n}"
        write_image(replay.image(None if n == 0 else rng), watched, dest)
        yield name, dest


def power_cut(proc: subprocess.Popen[bytes]) -> None:
    """The process stops dead (SIGKILL): nothing after this moment reaches the log."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(30)
