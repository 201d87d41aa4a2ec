"""Small helpers for the sentences the app shows."""
from __future__ import annotations

import numbers


def plural(count: numbers.Integral | int, noun: str, many: str | None = None) -> str:
    """``"1 digit"``, ``"3 digits"``; ``many`` for an irregular plural. ``count`` may be a numpy integer."""
    n = int(count)
    return f"{n} {noun if n == 1 else (many or noun + 's')}"
