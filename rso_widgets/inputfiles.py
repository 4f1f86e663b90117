"""Reading a file named by a user: a regular file only, never more than a size limit.

`open()` on a FIFO blocks until a writer appears, and a device such as /dev/zero never ends, so
`read_regular` opens without blocking (O_NONBLOCK), checks with `fstat` on the open descriptor
(no race with a rename) that it is a regular file within the limit, and reads at most
limit + 1 bytes (a file that grows while read is still refused).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
         (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
         (stat.S_ISSOCK, "a socket"))


class NotAFile(OSError):
    """Not a regular file, or larger than allowed; `str()` names the problem and the fix."""

    def __init__(self, message: str):
        super().__init__(message)
        self.strerror = message


def kind(mode: int) -> str:
    return next((name for test, name in KINDS if test(mode)), "not a regular file")


def check_regular(path: str | Path) -> None:
    """NotAFile unless `path` is a regular file (symlinks followed); OSError if it is absent."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise NotAFile(f"{path} is {kind(mode)}, not a regular file — fix: give a file")


def read_regular(path: str | Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; NotAFile (or OSError) otherwise."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotAFile(f"{path} is {kind(st.st_mode)}, not a regular file — fix: give a "
                           "file")
        too_big = NotAFile(f"{path} is larger than {limit:,} bytes — fix: give the right file")
        if st.st_size > limit:
            raise too_big
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise too_big
        return b"".join(chunks)
    finally:
        os.close(fd)
