"""A training history: one row of numbers per epoch, kept as columns.

A watched small network trains ten thousand epochs a second, so a long run has a million rows. As dicts
they took ~350 MB; as columns of floats they take ~8 bytes a number. :class:`History` still reads like
the list of dicts it replaces (``history[-1]["loss"]``, ``for row in history``, ``len(history)``) and hands
whole columns to whoever plots them (:meth:`History.column`).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain

import numpy as np


class History(Sequence):
    """Rows ``{"epoch": 3, "loss": 0.2, ...}`` of numbers; a row without a key holds NaN there, so a row
    comes back with the keys it was given (a NaN given is taken as absent)."""

    def __init__(self, rows: Iterable[dict] = ()) -> None:
        self._n = self._cap = 0
        self._cols: dict[str, np.ndarray] = {}
        self._frozen = False
        self.extend(rows)

    # growing --------------------------------------------------------------------------------------
    def append(self, row: dict) -> None:
        """Add one row; a value that is not a number (or a bool) is left out."""
        if self._frozen:
            raise TypeError("this history is a snapshot and cannot grow")
        n = self._n
        if n == self._cap:
            self._cap = max(64, 2 * self._cap)
            self._cols = {key: _grown(col, self._cap) for key, col in self._cols.items()}
        for key, value in row.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            col = self._cols.get(key)
            if col is None:
                col = self._cols[key] = np.full(self._cap, np.nan)
            col[n] = value
        self._n = n + 1

    def extend(self, rows: Iterable[dict]) -> None:
        """Add many rows at once, a column at a time (thousands of rows a second come from a fast run)."""
        rows = rows if isinstance(rows, (list, tuple)) else list(rows)
        if rows:
            keys = dict.fromkeys(chain.from_iterable(rows))  # every key, in the order first given
            self.extend_columns({key: _column(rows, key) for key in keys})

    def extend_columns(self, columns: dict[str, np.ndarray]) -> None:
        """Add rows given as columns of equal length (NaN where a row lacks that key; a column of NaN only
        adds no key)."""
        if self._frozen:
            raise TypeError("this history is a snapshot and cannot grow")
        sizes = {len(values) for values in columns.values()}
        if len(sizes) > 1:
            raise ValueError(f"columns of different lengths: {sorted(sizes)}")
        count = sizes.pop() if sizes else 0
        if not count:
            return
        n = self._n
        if n + count > self._cap:
            self._cap = max(64, 2 ** math.ceil(math.log2(n + count)))
            self._cols = {key: _grown(col, self._cap) for key, col in self._cols.items()}
        for key, values in columns.items():
            col = self._cols.get(key)
            if col is None:
                if np.isnan(values).all():
                    continue
                col = self._cols[key] = np.full(self._cap, np.nan)
            col[n:n + count] = values
        self._n = n + count

    def snapshot(self) -> "History":
        """The rows so far, kept as they are while this history grows on (no copy of the numbers)."""
        view = History()
        view._n, view._cap, view._cols, view._frozen = self._n, self._cap, dict(self._cols), True
        return view

    # reading --------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._row(i) for i in range(*index.indices(self._n))]
        i = index + self._n if index < 0 else index
        if not 0 <= i < self._n:
            raise IndexError("history index out of range")
        return self._row(i)

    def __iter__(self) -> Iterator[dict]:
        columns = [(key, col[:self._n].tolist()) for key, col in self._cols.items()]
        for i in range(self._n):
            yield _row(columns, i)

    def __eq__(self, other) -> bool:
        if isinstance(other, (History, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __repr__(self) -> str:
        return f"History({self._n} epochs, keys {self.keys()})"

    def keys(self) -> list[str]:
        return list(self._cols)

    def column(self, key: str) -> np.ndarray:
        """One key's values for every row (a copy; NaN where a row lacks it)."""
        return self.values(key).copy()

    def values(self, key: str) -> np.ndarray:
        """One key's values for every row, read-only and without a copy (valid until the history grows)."""
        col = self._cols.get(key)
        view = col[:self._n] if col is not None else np.full(self._n, np.nan)
        view.flags.writeable = False
        return view

    def epochs(self) -> np.ndarray:
        """The rows' ``epoch`` values (1, 2, 3, … where a row has none)."""
        col = self.column("epoch")
        missing = np.isnan(col)
        col[missing] = np.arange(1, self._n + 1)[missing]
        return col

    def _row(self, i: int) -> dict:
        return _row([(key, col) for key, col in self._cols.items()], i)


def _row(columns: Sequence[tuple[str, Sequence[float]]], i: int) -> dict:
    row = {}
    for key, values in columns:
        value = float(values[i])
        if not math.isnan(value):
            row[key] = int(value) if key == "epoch" and value.is_integer() else value
    return row


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan


def _column(rows: Sequence[dict], key: str) -> np.ndarray:
    """One key's values of ``rows`` as floats (NaN where a row lacks it or holds no number)."""
    try:  # the common case, plain floats in every row: no Python function call per value
        return np.fromiter((v if type(v) is float else _number(v) for v in (row[key] for row in rows)),
                           float, count=len(rows))
    except KeyError:
        return np.fromiter((_number(row.get(key)) for row in rows), float, count=len(rows))


def _grown(array: np.ndarray, size: int) -> np.ndarray:
    out = np.full(size, np.nan)
    out[:len(array)] = array
    return out


def as_history(rows: Iterable[dict]) -> History:
    """``rows`` as a :class:`History` (itself when it is one)."""
    return rows if isinstance(rows, History) else History(rows)
