"""Points a student made or collected, as a small CSV file.

Classification: ``x1,x2,label`` (label a whole number 0–9). Regression: ``x,target``. The header line is
optional when every cell is a number; then three columns mean classification and two mean regression.
Every problem is a :class:`~annstudio.core.datasets.DataError` with a sentence that says where.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from .atomic import StoreError, atomic_path
from .datasets import DataError

MAX_ROWS = 100_000
MAX_LABEL = 9
CLASSIFICATION_HEADER = ("x1", "x2", "label")
REGRESSION_HEADER = ("x", "target")


def _delimiter(line: str) -> str:
    """Comma as a rule; semicolon or tab when a spreadsheet wrote the file that way."""
    if "," in line:
        return ","
    if ";" in line:
        return ";"
    if "\t" in line:
        return "\t"
    return ","


def _number(cell: str) -> float | None:
    if "_" in cell:  # float() would read "1_0" as 10; a student did not mean that
        return None
    try:
        return float(cell)
    except ValueError:
        return None


def _read_lines(path: Path) -> list[tuple[int, str]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            lines = []
            for number, line in enumerate(handle, start=1):
                line = line.strip()
                if line:
                    lines.append((number, line))
                    if len(lines) > MAX_ROWS + 1:  # + a header line
                        raise DataError(f"{path.name} has more than {MAX_ROWS} rows; "
                                        f"use at most {MAX_ROWS} points")
            return lines
    except UnicodeDecodeError:
        raise DataError(f"{path.name} is not a text (CSV) file") from None
    except IsADirectoryError:
        raise DataError(f"{path} is a folder, not a CSV file") from None
    except FileNotFoundError:
        raise DataError(f"{path} does not exist") from None
    except OSError as exc:
        raise DataError(f"cannot read {path.name} ({exc.strerror or exc})") from None


def read_points(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, str]:
    """Points from a CSV file: ``(x, y, task)`` with ``x`` of shape (n, 2) for classification
    (``task == "classification"``) or (n, 1) for regression (``task == "regression"``)."""
    path = Path(path)
    lines = _read_lines(path)
    if not lines:
        raise DataError(f"{path.name} is empty: it needs a header line and at least one row of numbers")
    sep = _delimiter(lines[0][1])
    first = [cell.strip() for cell in lines[0][1].split(sep)]
    values = [_number(cell) for cell in first]
    if all(v is None for v in values):
        header = tuple(cell.lower() for cell in first)
        if len(header) not in (2, 3):
            raise DataError(f"line 1 of {path.name} names {len(header)} columns; expected "
                            f"'{','.join(CLASSIFICATION_HEADER)}' or '{','.join(REGRESSION_HEADER)}'")
        columns = len(header)
        rows = lines[1:]
    else:
        columns = len(first)
        rows = lines
    if columns not in (2, 3):
        raise DataError(f"line {lines[0][0]} of {path.name} has {columns} columns; expected 3 "
                        f"(x1, x2, label) for classes or 2 (x, target) for regression")
    if not rows:
        raise DataError(f"{path.name} has a header but no points")
    if len(rows) > MAX_ROWS:
        raise DataError(f"{path.name} has more than {MAX_ROWS} rows; use at most {MAX_ROWS} points")
    table = np.empty((len(rows), columns), dtype=np.float64)
    for i, (number, line) in enumerate(rows):
        cells = [cell.strip() for cell in line.split(sep)]
        if len(cells) != columns:
            raise DataError(f"line {number} of {path.name} has {len(cells)} values; every row needs {columns}")
        for j, cell in enumerate(cells):
            value = _number(cell)
            if value is None:
                raise DataError(f"line {number} of {path.name}: {cell!r} is not a number")
            if not math.isfinite(value):
                raise DataError(f"line {number} of {path.name}: {cell!r} is not a finite number")
            table[i, j] = value
    if columns == 3:
        labels = table[:, 2]
        bad = np.flatnonzero((labels != np.round(labels)) | (labels < 0) | (labels > MAX_LABEL))
        if len(bad):
            number = rows[int(bad[0])][0]
            raise DataError(f"line {number} of {path.name}: the label {labels[bad[0]]:g} is not a whole "
                            f"number from 0 to {MAX_LABEL}")
        return table[:, :2].copy(), labels.copy(), "classification"
    return table[:, :1].copy(), table[:, 1].copy(), "regression"


def _format(value: float) -> str:
    return repr(float(value))


def write_points(path: str | os.PathLike, x: np.ndarray, y: np.ndarray) -> None:
    """Write points as CSV, atomically: a half-written file never replaces an existing one.

    Two x columns are written as classification (``x1,x2,label``), one as regression (``x,target``).
    """
    path = Path(path)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    if x.ndim != 2 or x.shape[1] not in (1, 2) or len(x) != len(y):
        raise DataError("points must be a table of one or two x columns with one target per row")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise DataError("points must be finite numbers")
    classification = x.shape[1] == 2
    if classification and ((y != np.round(y)).any() or (y < 0).any() or (y > MAX_LABEL).any()):
        raise DataError(f"class labels must be whole numbers from 0 to {MAX_LABEL}")
    lines = [",".join(CLASSIFICATION_HEADER if classification else REGRESSION_HEADER)]
    for row, target in zip(x, y):
        last = str(int(target)) if classification else _format(target)
        lines.append(",".join([*map(_format, row), last]))
    text = "\n".join(lines) + "\n"
    try:
        with atomic_path(path) as tmp:
            with open(tmp, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
    except StoreError as exc:
        raise DataError(f"cannot write {path.name}: {str(exc).split(': ', 1)[-1]}") from None
