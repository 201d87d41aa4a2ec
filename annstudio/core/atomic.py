"""Atomic writes: a temporary file beside the target, then one rename, so a failed or interrupted save
never damages the file that was there. Plain Python: importing it loads neither Qt nor TensorFlow."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class StoreError(Exception):
    """A file that cannot be written or read, with the reason in words."""


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
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as exc:
        raise StoreError(f"cannot save to {target}: {exc.strerror or exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
