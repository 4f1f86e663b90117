"""Atomic file writes: a reader sees the old file or the complete new one, never a partial one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_target(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `path` (owner-only, mode 0600); on a clean exit it replaces
    `path` in one step, on an exception it is removed and `path` is left untouched."""
    dest = Path(path).expanduser()
    if dest.is_dir():
        raise IsADirectoryError(f"{dest} is a folder: give a file name to write")
    if not dest.parent.is_dir():
        raise FileNotFoundError(f"{dest.parent} does not exist: create the folder first")
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def write_atomic(path: str | os.PathLike[str], data: bytes | str,
                 before_replace: Callable[[], object] | None = None) -> Path:
    """Write `data` to `path` atomically; `before_replace` runs after the data is safely written
    and before the file appears (used to audit an export: no file without its audit entry)."""
    with atomic_target(path) as tmp:
        mode, kw = ("wb", {}) if isinstance(data, bytes) else ("w", {"encoding": "utf-8",
                                                                     "newline": ""})
        fh: IO
        with open(tmp, mode, **kw) as fh:
            fh.write(data)
        if before_replace is not None:
            before_replace()
    return Path(path).expanduser()
