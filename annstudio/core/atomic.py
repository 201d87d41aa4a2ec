"""Atomic writes: a temporary file beside the target, then one rename, so a failed or interrupted save
never damages the file that was there. Plain Python: importing it loads neither Qt nor TensorFlow.

``mkstemp`` makes its file private (0600); the saved file gets the permissions any program's new file
gets (0666 less the umask, e.g. 0644), or keeps those of the file it replaces."""
from __future__ import annotations

import os
import stat
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import UserError


class StoreError(UserError):
    """A file that cannot be written or read, with the reason in words."""


_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask (reading it means setting it, so briefly and under a lock)."""
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def file_mode(target: Path) -> int:
    """The mode a saved file gets: that of the file it replaces, else 0666 less the umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~current_umask()


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = "") -> Iterator[str]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise StoreError(f"cannot save to {target}: the folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or target.suffix, dir=folder)
    except OSError as exc:
        raise StoreError(f"cannot save to {target}: {exc.strerror or exc}") from None
    try:
        os.chmod(tmp, file_mode(target))
    except OSError:
        pass  # a file system without modes (say, FAT): the file is written anyway
    finally:
        os.close(fd)
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as exc:
        raise StoreError(f"cannot save to {target}: {exc.strerror or exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` atomically: the file that was there survives a
    failed write. A failure is a :class:`StoreError` in words."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
    return path
