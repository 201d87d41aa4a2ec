"""One vocabulary for what goes wrong: every error the app raises on purpose derives from :class:`UserError`
(its message is already a sentence a student can read), and :func:`sentence` turns any exception into the
line a user sees — in the window, the training worker, the file actions and the command line alike."""
from __future__ import annotations


class UserError(Exception):
    """An error of ours whose message is a sentence for the user (no traceback needed)."""


def user_text(exc: BaseException) -> str | None:
    """What an expected error says, in one line without a final full stop: ours, a file the system cannot
    read or write, or memory running out. None for an unexpected error (a bug)."""
    text = " ".join(str(exc).split()).rstrip(".")
    if isinstance(exc, UserError) and text:
        return text
    if isinstance(exc, MemoryError):
        return "the computer ran out of memory"
    if isinstance(exc, OSError) and (exc.strerror or text):
        return f"{exc.strerror or text}" + (f": {exc.filename}" if exc.filename else "")
    return None


def sentence(exc: BaseException, unexpected: str = "an unexpected {name} ({text})", limit: int = 200) -> str:
    """The sentence (no final full stop) a user reads for ``exc``: an expected error's own words, or
    ``unexpected`` filled with the error's class ``{name}`` and its message ``{text}`` (cut at ``limit``)."""
    own = user_text(exc)
    if own is not None:
        return own
    text = " ".join(str(exc).split()).rstrip(".")
    if len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    template = unexpected if text else unexpected.replace(" ({text})", "").replace(": {text}", "")
    return template.format(name=type(exc).__name__, text=text)


def capitalised(text: str) -> str:
    """``text`` with a capital first letter, unless it starts with a file name (which keeps its case)."""
    first = text.split()[0] if text.split() else ""
    if not first or "." in first.rstrip(".,:;") or "/" in first or "\\" in first:
        return text
    return text[0].upper() + text[1:]
