"""Saving and loading models, atomically and safely.

Models are Keras' own ``.keras`` files. Writing goes to a temporary file in the same folder, then a
rename, so a failed save never damages the file that was there. Loading keeps Keras' ``safe_mode`` on:
a file that carries code (a ``Lambda`` layer, custom objects) is refused, never executed.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

from . import build  # noqa: F401  (sets the TF log level before Keras loads)
from .atomic import StoreError, atomic_path

import keras  # noqa: E402


def save_model(model: keras.Model, path: str | os.PathLike) -> Path:
    """Write ``model`` as a ``.keras`` file, atomically."""
    path = Path(path)
    if path.suffix != ".keras":
        raise StoreError(f"a model file must end in .keras, not {path.name!r}")
    with atomic_path(path) as tmp:
        try:
            model.save(tmp)
        except OSError:
            raise
        except Exception as exc:  # Keras raises assorted types for unsavable models
            raise StoreError(f"the model could not be saved: {exc}") from None
    return path


def load_model(path: str | os.PathLike) -> keras.Model:
    """Read a ``.keras`` file with ``safe_mode`` on; :class:`StoreError` for anything unusable."""
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"{path} does not exist or is not a file")
    if path.stat().st_size == 0:
        raise StoreError(f"{path.name} is empty")
    if not zipfile.is_zipfile(path):
        raise StoreError(f"{path.name} is not a Keras model file (.keras files are zip archives)")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise StoreError(f"{path.name} is damaged ({exc})") from None
    if "config.json" not in names:
        raise StoreError(f"{path.name} is a zip archive but not a Keras model file (it has no config.json)")
    try:
        model = keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as exc:  # noqa: BLE001 - Keras raises many types; all mean "cannot load"
        raise StoreError(_load_failure(path, exc)) from None
    if not isinstance(model, keras.Model):
        raise StoreError(f"{path.name} does not hold a Keras model")
    return model


def _load_failure(path: Path, exc: Exception) -> str:
    text = str(exc)
    if "Lambda" in text or "safe_mode" in text or "lambda" in text:
        return (f"{path.name} was refused: it contains code (a Lambda layer), which could run anything "
                "on your computer, so it is not loaded")
    if "Could not locate" in text or "custom" in text.lower() or "Unknown" in text:
        return (f"{path.name} was refused: it needs custom code (custom layers or objects) that ANN Studio "
                "does not run")
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return f"{path.name} could not be loaded as a Keras model ({first[:200]})"
