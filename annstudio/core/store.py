"""Saving and loading models, atomically and safely.

Models are Keras' own ``.keras`` files (legacy ``.h5`` models are read too, by :mod:`.legacy_h5`). Writing goes to a temporary file in the same folder, then a
rename, so a failed save never damages the file that was there. Loading keeps Keras' ``safe_mode`` on:
a file that carries code (a ``Lambda`` layer, custom objects) is refused, never executed.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from . import build  # (sets the TF log level before Keras loads)
from .atomic import StoreError, atomic_path
from .spec import NetworkSpec, TrainSpec

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
    """Read a ``.keras`` file with ``safe_mode`` on, or a legacy HDF5 model (``.h5``, ``.hdf5``: see
    :mod:`~annstudio.core.legacy_h5`); :class:`StoreError` for anything unusable."""
    path = Path(path)
    if path.is_file() and not zipfile.is_zipfile(path):
        from . import legacy_h5

        if legacy_h5.is_h5(path):
            return legacy_h5.load_h5_model(path)
    if not path.is_file():
        raise StoreError(f"{path} does not exist or is not a file")
    if path.stat().st_size == 0:
        raise StoreError(f"{path.name} is empty")
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as head:
            if head.read(4) == b"PK\x03\x04":  # starts as a zip archive but has no end: cut short
                raise StoreError(f"{path.name} is damaged: the file ends too early (an interrupted copy or "
                                 "download?)")
        raise StoreError(f"{path.name} is not a Keras model file (.keras files are zip archives)")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            config = archive.read("config.json") if "config.json" in names else b""
    except Exception as exc:  # noqa: BLE001 - zip, zlib, name-encoding and encryption errors: damaged
        raise StoreError(f"{path.name} is damaged ({type(exc).__name__})") from None
    if "config.json" not in names:
        raise StoreError(f"{path.name} is a zip archive but not a Keras model file (it has no config.json)")
    _check_sizes(path, config)
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


def model_from_weights(network: NetworkSpec, weights: tuple, train: TrainSpec | None = None) -> keras.Model:
    """A fresh Keras model of ``network`` holding ``weights`` (as EpochReport.weights gives them).

    Saving this copy, not the model being trained, is what lets a save happen while training runs.
    """
    model = build.build_model(network)
    for name, arrays in weights:
        try:
            model.get_layer(name).set_weights([np.asarray(a) for a in arrays])
        except ValueError as exc:
            raise StoreError(f"the weights do not fit the network ({name}: {exc})") from None
    if train is not None:
        build.compile_like_lecture(model, train)
        model.optimizer.build(model.trainable_variables)  # saved with its slots: loads without warnings
    return model


def save_weights_as_model(network: NetworkSpec, weights: tuple, path: str | os.PathLike,
                          train: TrainSpec | None = None) -> Path:
    return save_model(model_from_weights(network, weights, train), path)


def builder_view(model: keras.Model) -> tuple[NetworkSpec, tuple]:
    """The builder's description of ``model`` and its weights under the builder's layer names.

    :class:`~annstudio.core.spec.SpecError` when the builder cannot show the model (then it can still be
    used for prediction as it is).
    """
    spec = build.spec_from_model(model)
    ours = build.build_model(spec)
    theirs = [layer for layer in model.layers if layer.weights]
    mine = [layer for layer in ours.layers if layer.weights]
    if len(theirs) != len(mine):  # pragma: no cover - spec_from_model keeps every layer
        raise StoreError("the model's layers could not be matched")
    weights = []
    for target, source in zip(mine, theirs):
        target.set_weights(source.get_weights())
        weights.append((target.name, tuple(np.array(w) for w in target.get_weights())))
    return spec, tuple(weights)


_MAX_UNITS = 1_000_000  # far beyond any network of a lecture; a file declaring more is refused unread


def _check_sizes(path: Path, config: bytes) -> None:
    """Refuse a model whose configuration declares absurdly large layers before Keras allocates them."""
    import json

    try:
        document = json.loads(config)
    except (ValueError, RecursionError):
        raise StoreError(f"{path.name} is damaged: its configuration is not valid JSON") from None
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            units = item.get("units")
            if isinstance(units, int) and not isinstance(units, bool) and units > _MAX_UNITS:
                raise StoreError(f"{path.name} declares a layer of {units} units, far too big to open")
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
