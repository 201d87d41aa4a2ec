"""Where ANN Studio keeps its own files, and its log file.

The app-data folder follows each platform's rule: ``$XDG_DATA_HOME/annstudio`` (else
``~/.local/share/annstudio``) on Linux, ``%APPDATA%\\ANN Studio`` on Windows and
``~/Library/Application Support/ANN Studio`` on macOS; ``$ANNSTUDIO_DATA_DIR`` overrides all of them
(tests point it at a temporary folder). The log is a rotating file there (1 MB, 3 old files kept) that
the ``annstudio`` logger writes to, so every module's ``logging.getLogger(__name__)`` ends up in it.

Plain Python: importing it loads neither Qt nor TensorFlow. Nothing here raises because a log could not
be written; a crash report must never cause a second crash.
"""
from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import tempfile
import threading
from pathlib import Path
from types import TracebackType

APP_NAME = "ANN Studio"
LOGGER_NAME = "annstudio"
LOG_NAME = "annstudio.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
ENV_OVERRIDE = "ANNSTUDIO_DATA_DIR"
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"

_lock = threading.Lock()


def app_data_dir() -> Path:
    """The folder for the app's own files (not created here)."""
    override = os.environ.get(ENV_OVERRIDE)
    if override:
        return Path(override).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        base = os.environ.get("APPDATA")
        return Path(base) / APP_NAME if base else home / "AppData" / "Roaming" / APP_NAME
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / APP_NAME
    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else home / ".local" / "share"  # XDG: relative paths are ignored
    return base / "annstudio"


def log_path() -> Path:
    """The log file in :func:`app_data_dir`."""
    return app_data_dir() / LOG_NAME


class _LogFile(logging.handlers.RotatingFileHandler):
    """The app's log handler; a class of its own so :func:`setup_logging` can find the one it added."""


def _open_handler(path: Path) -> _LogFile:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = _LogFile(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(logging.INFO)
    return handler


def _fallback_path() -> Path:
    return Path(tempfile.gettempdir()) / f"annstudio-{os.getpid()}" / LOG_NAME


def setup_logging() -> Path:
    """Attach the rotating log file to the ``annstudio`` logger; the log file's path.

    Idempotent: called again it keeps the handler it added, unless the app-data folder has changed (then
    the old file is closed and the new one opened). If the folder cannot be created or written, the log
    goes to a folder in the system's temporary directory instead.
    """
    logger = logging.getLogger(LOGGER_NAME)
    wanted = log_path()
    with _lock:
        current = [h for h in logger.handlers if isinstance(h, _LogFile)]
        for handler in current:
            if Path(handler.baseFilename) in (wanted.absolute(), _fallback_path().absolute()):
                return Path(handler.baseFilename)
        for handler in current:
            logger.removeHandler(handler)
            handler.close()
        for path in (wanted, _fallback_path()):
            try:
                handler = _open_handler(path)
            except OSError:
                continue
            logger.addHandler(handler)
            if logger.level == logging.NOTSET or logger.level > logging.INFO:
                logger.setLevel(logging.INFO)
            return Path(handler.baseFilename)
        return wanted


def log_exception(exc_type: type[BaseException], exc: BaseException | None,
                  tb: TracebackType | None) -> Path:
    """Write an exception with its traceback to the log file; the file's path."""
    path = setup_logging()
    logger = logging.getLogger(LOGGER_NAME)
    name = getattr(exc_type, "__name__", str(exc_type))
    logger.error("unexpected %s: %s", name, exc, exc_info=(exc_type, exc, tb))
    for handler in logger.handlers:
        if isinstance(handler, _LogFile):
            try:
                handler.flush()
            except (OSError, ValueError):
                pass
            return Path(handler.baseFilename)
    return path


__all__ = ["APP_NAME", "BACKUPS", "LOGGER_NAME", "MAX_BYTES", "app_data_dir", "log_exception", "log_path",
           "setup_logging"]
