"""Workspaces: everything needed to continue where the user stopped, in one file.

A workspace file (``.annws``) is a zip archive holding

* ``workspace.json`` — ``{"format": "annstudio-workspace", "version": 1, ...}``: the data, network and
  training settings, the input features, the epoch count, the loss history, the open views, free-form
  GUI state and, for a teacher's lesson, its text and the controls it hides;
* ``arrays.npz`` — the numbers: the data points in use (train and test split, so points a user drew or
  imported survive; never MNIST's images, which are reloaded from the data settings) and the weights.

Files are written atomically (a temporary file in the same folder, then a rename) and read with
``allow_pickle=False``; everything read is checked, and every problem is a :class:`WorkspaceError`
with a sentence. Nothing here imports Keras until a file is written.
"""
from __future__ import annotations

import io
import json
import math
import os
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .datasets import Dataset
from .errors import UserError
from .spec import (FEATURES, DataSpec, NetworkSpec, SpecError, TrainSpec, data_from_dict, network_from_dict,
                   train_from_dict)

FORMAT = "annstudio-workspace"
VERSION = 1
SUFFIX = ".annws"
_JSON_NAME = "workspace.json"
_ARRAYS_NAME = "arrays.npz"
_JSON_LIMIT = 64 * 1024 * 1024  # a workspace.json larger than this is not one we wrote
_TASKS = ("binary", "multiclass", "regression")


class WorkspaceError(UserError):
    """A workspace that cannot be saved or opened, with the reason in words."""


@dataclass
class Workspace:
    """The state of a session, as saved and restored.

    ``points`` is the data in use (``None`` for MNIST, which is reloaded from ``data``); ``user_data``
    says the points were drawn or imported rather than generated from ``data``. ``weights`` is shaped
    like :attr:`annstudio.core.engine.EpochReport.weights`, ``((layer name, (array, ...)), ...)``, or
    ``None`` for an untrained network. ``history`` holds one dict per epoch, as ``TrainResult.history``.
    ``features`` empty means "the network's own" (:attr:`NetworkSpec.features`).
    """

    network: NetworkSpec
    train: TrainSpec
    data: DataSpec
    points: Dataset | None = None
    user_data: bool = False
    features: tuple[str, ...] = ()
    weights: tuple | None = None
    epoch: int = 0
    history: list[dict] = field(default_factory=list)
    views: list[str] = field(default_factory=list)
    gui_state: dict = field(default_factory=dict)
    lesson: str = ""
    hidden_controls: list[str] = field(default_factory=list)
    preset: str = ""

    @property
    def input_features(self) -> tuple[str, ...]:
        return tuple(self.features) or tuple(self.network.features)

    @property
    def trained(self) -> bool:
        return self.weights is not None

    def dataset(self) -> Dataset:
        """The data to continue with: the saved points, else the data settings' (MNIST: loaded)."""
        if self.points is not None:
            return self.points
        from . import datasets

        return datasets.load(self.data)


def workspace_from_training(network: NetworkSpec, train: TrainSpec, data: DataSpec, points: Dataset | None,
                            report: Any = None, history: Sequence[dict] = (), **state: Any) -> Workspace:
    """A workspace from what a training session holds: its specs, its data, its latest
    :class:`~annstudio.core.engine.EpochReport` (weights and epoch; ``None`` if not trained yet) and its
    history. ``state`` sets the other :class:`Workspace` fields (``user_data``, ``views``, ``gui_state`` …)."""
    weights = getattr(report, "weights", None) if report is not None else None
    epoch = int(getattr(report, "epoch", 0)) if report is not None else 0
    if data.kind == "mnist":
        points = None
    return Workspace(network=network, train=train, data=data, points=points, weights=weights, epoch=epoch,
                     history=[dict(row) for row in history], **state)


# ---------------------------------------------------------------------------------------------------
# Saving

def save_workspace(ws: Workspace, path: str | os.PathLike) -> Path:
    """Write ``ws`` to ``path`` atomically: the previous file stays intact if anything goes wrong."""
    path = Path(path)
    document, arrays = _to_document(ws)
    try:
        text = json.dumps(document, indent=2, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise WorkspaceError("the workspace cannot be saved: its GUI state or history holds something that is "
                             f"not plain data ({exc})") from None
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)

    from .atomic import StoreError, atomic_path

    try:
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as out:
                with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                    archive.writestr(_JSON_NAME, text)
                    archive.writestr(_ARRAYS_NAME, buffer.getvalue())
                out.flush()
                os.fsync(out.fileno())
    except StoreError as exc:
        raise WorkspaceError(str(exc)) from None
    except OSError as exc:  # pragma: no cover - atomic_path turns these into StoreError
        raise WorkspaceError(f"cannot save to {path}: {exc.strerror or exc}") from None
    return path


def _to_document(ws: Workspace) -> tuple[dict, dict[str, np.ndarray]]:
    for what, spec in (("network", ws.network), ("training settings", ws.train), ("data settings", ws.data)):
        try:
            spec.validate()
        except SpecError as exc:
            raise WorkspaceError(f"the workspace cannot be saved: its {what} are not valid ({exc})") from None
    arrays: dict[str, np.ndarray] = {}
    points = None if ws.data.kind == "mnist" else ws.points
    if ws.user_data and points is None:
        raise WorkspaceError("the workspace cannot be saved: it says the data are the user's own points, "
                             "but holds no points")
    dataset_doc = None
    if points is not None:
        for key in ("x_train", "y_train", "x_test", "y_test"):
            arrays[key] = np.asarray(getattr(points, key))
            if arrays[key].dtype.kind not in "fiu":
                raise WorkspaceError(f"the workspace cannot be saved: its data points ({key}) are not numbers")
        dataset_doc = {"name": str(points.name), "task": str(points.task), "classes": int(points.classes),
                       "bounds": [float(b) for b in points.bounds]}
    weights_doc = None
    if ws.weights is not None:
        weights_doc = []
        for i, entry in enumerate(ws.weights):
            try:
                name, layer_arrays = entry
            except (TypeError, ValueError):
                raise WorkspaceError("the workspace cannot be saved: weights must be (layer name, arrays) "
                                     "pairs") from None
            layer_arrays = tuple(layer_arrays)
            weights_doc.append({"layer": str(name), "arrays": len(layer_arrays)})
            for j, array in enumerate(layer_arrays):
                array = np.asarray(array)
                if array.dtype.kind != "f":
                    raise WorkspaceError(f"the workspace cannot be saved: the weights of layer {name!r} are not "
                                         "floating-point numbers")
                arrays[f"w_{i}_{j}"] = array
        found = [tuple(arrays[f"w_{i}_{j}"].shape for j in range(entry["arrays"]))
                 for i, entry in enumerate(weights_doc)]
        if found != expected_weight_shapes(ws.network):
            raise WorkspaceError(f"the workspace cannot be saved: its weights do not fit its network "
                                 f"{ws.network.describe()}")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "preset": ws.preset,
        "data": ws.data.to_dict(),
        "dataset": dataset_doc,
        "user_data": bool(ws.user_data),
        "features": list(ws.features),
        "network": ws.network.to_dict(),
        "train": ws.train.to_dict(),
        "weights": weights_doc,
        "epoch": int(ws.epoch),
        "history": [_plain_row(row) for row in ws.history],
        "views": [str(v) for v in ws.views],
        "gui_state": ws.gui_state,
        "lesson": {"text": ws.lesson, "hidden_controls": [str(c) for c in ws.hidden_controls]},
    }
    return document, arrays


def _plain_row(row: dict) -> dict:
    out = {}
    for key, value in dict(row).items():
        if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
            out[str(key)] = int(value)
        elif isinstance(value, (np.floating, float)):
            out[str(key)] = float(value)
        else:
            out[str(key)] = value
    return out


# ---------------------------------------------------------------------------------------------------
# Loading

def load_workspace(path: str | os.PathLike) -> Workspace:
    """Read a workspace file; :class:`WorkspaceError` with a sentence for anything unusable."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise WorkspaceError(f"{path} does not exist or is not a file")
    if path.stat().st_size == 0:
        raise WorkspaceError(f"{name} is empty")
    try:
        with zipfile.ZipFile(path) as archive:
            members = {info.filename: info for info in archive.infolist()}
            if _JSON_NAME not in members:
                raise WorkspaceError(f"{name} is not an ANN Studio workspace (it has no {_JSON_NAME})")
            if members[_JSON_NAME].file_size > _JSON_LIMIT:
                raise WorkspaceError(f"{name} is not an ANN Studio workspace ({_JSON_NAME} is far too large)")
            raw = archive.read(_JSON_NAME)
            document = _parse_json(raw, name)
            _check_format(document, name)
            if _ARRAYS_NAME not in members:
                raise WorkspaceError(f"{name} is damaged: it has no {_ARRAYS_NAME}")
            arrays = _read_arrays(archive.read(_ARRAYS_NAME), name)
    except WorkspaceError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError, NotImplementedError,
            RuntimeError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"{name} is not a readable ANN Studio workspace (damaged or not a workspace: "
                             f"{_first_line(exc)})") from None
    except OSError as exc:
        raise WorkspaceError(f"cannot read {name}: {exc.strerror or _first_line(exc)}") from None
    return _from_document(document, arrays, name)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _parse_json(raw: bytes, name: str) -> dict:
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise WorkspaceError(f"{name} is damaged: {_JSON_NAME} is not valid JSON ({_first_line(exc)})") from None
    if not isinstance(document, dict):
        raise WorkspaceError(f"{name} is damaged: {_JSON_NAME} does not hold a JSON object")
    return document


def _check_format(document: dict, name: str) -> None:
    if document.get("format") != FORMAT:
        raise WorkspaceError(f"{name} is not an ANN Studio workspace (its format is {document.get('format')!r})")
    version = document.get("version")
    if not (isinstance(version, int) and not isinstance(version, bool)) or version < 1:
        raise WorkspaceError(f"{name} is damaged: its format version {version!r} is not a whole number ≥ 1")
    if version > VERSION:
        raise WorkspaceError(f"{name} was saved by a newer ANN Studio (format {version}); "
                             f"this version reads format {VERSION}. Update ANN Studio to open it")


def _read_arrays(raw: bytes, name: str) -> dict[str, np.ndarray]:
    try:
        loaded = np.load(io.BytesIO(raw), allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ValueError("a single array where a set of arrays belongs")
        with loaded as npz:
            return {key: npz[key] for key in npz.files}
    except Exception as exc:  # noqa: BLE001 - zip, zlib, npy and encryption errors all mean "damaged"
        raise WorkspaceError(f"{name} is damaged: its arrays cannot be read ({_first_line(exc)})") from None


def _need(document: dict, key: str, kinds: type | tuple, what: str, name: str) -> Any:
    if key not in document:
        raise WorkspaceError(f"{name} is damaged: it lacks the {what} ({key!r})")
    value = document[key]
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in _as_tuple(kinds)):
        expected = " or ".join(_TYPE_WORDS.get(k, k.__name__) for k in _as_tuple(kinds))
        raise WorkspaceError(f"{name} is damaged: the {what} ({key!r}) must be {expected}, "
                             f"not {_TYPE_WORDS.get(type(value), type(value).__name__)}")
    return value


_TYPE_WORDS = {dict: "a JSON object", list: "a list", int: "a whole number", float: "a number", str: "text",
               bool: "true or false", type(None): "null"}


def _as_tuple(kinds) -> tuple:
    return kinds if isinstance(kinds, tuple) else (kinds,)


def _from_document(doc: dict, arrays: dict[str, np.ndarray], name: str) -> Workspace:
    try:
        data = data_from_dict(_need(doc, "data", dict, "data settings", name))
        network = network_from_dict(_need(doc, "network", dict, "network", name))
        train = train_from_dict(_need(doc, "train", dict, "training settings", name))
    except SpecError as exc:
        raise WorkspaceError(f"{name} holds settings that cannot be used: {exc}") from None
    features = _strings(_need(doc, "features", list, "input features", name), "input features", name)
    unknown = [f for f in features if f not in FEATURES]
    if unknown:
        raise WorkspaceError(f"{name} is damaged: unknown input feature(s) {', '.join(map(repr, unknown))}")
    for key, what in (("dataset", "data description"), ("weights", "weights"), ("preset", "preset id")):
        if key not in doc:
            raise WorkspaceError(f"{name} is damaged: it lacks the {what} ({key!r})")
    user_data = _need(doc, "user_data", bool, "data origin", name)
    points = _points(doc["dataset"], arrays, data, name)
    if user_data and points is None:
        raise WorkspaceError(f"{name} is damaged: it says the data are the user's own points, but holds none")
    weights = _weights(doc["weights"], arrays, network, name)
    epoch = _need(doc, "epoch", int, "epoch count", name)
    if epoch < 0:
        raise WorkspaceError(f"{name} is damaged: the epoch count is negative ({epoch})")
    history = _history(_need(doc, "history", list, "loss history", name), name)
    views = _strings(_need(doc, "views", list, "list of open views", name), "list of open views", name)
    gui_state = _need(doc, "gui_state", dict, "window state", name)
    lesson_doc = _need(doc, "lesson", dict, "lesson", name)
    lesson = lesson_doc.get("text", "")
    if not isinstance(lesson, str):
        raise WorkspaceError(f"{name} is damaged: the lesson text is not text")
    hidden = _strings(lesson_doc.get("hidden_controls", []), "lesson's hidden controls", name)
    preset = doc["preset"]
    if not isinstance(preset, str):
        raise WorkspaceError(f"{name} is damaged: the preset id is not text")
    return Workspace(network=network, train=train, data=data, points=points, user_data=user_data,
                     features=tuple(features), weights=weights, epoch=epoch, history=history, views=views,
                     gui_state=gui_state, lesson=lesson, hidden_controls=hidden, preset=preset)


def _strings(value: Any, what: str, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise WorkspaceError(f"{name} is damaged: the {what} must be a list of text")
    return list(value)


def _finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _points(doc: Any, arrays: dict[str, np.ndarray], data: DataSpec, name: str) -> Dataset | None:
    if doc is None:
        return None
    if data.kind == "mnist":
        raise WorkspaceError(f"{name} is damaged: it holds data points for MNIST, whose images are never saved")
    if not isinstance(doc, dict):
        raise WorkspaceError(f"{name} is damaged: the data description is not a JSON object")
    task, classes, bounds = doc.get("task"), doc.get("classes"), doc.get("bounds")
    label = doc.get("name", "data")
    if task not in _TASKS:
        raise WorkspaceError(f"{name} is damaged: the data's task must be one of {', '.join(_TASKS)}, not {task!r}")
    if not (isinstance(classes, int) and not isinstance(classes, bool) and 0 <= classes <= 10):
        raise WorkspaceError(f"{name} is damaged: the number of classes must be a whole number from 0 to 10")
    if not (isinstance(bounds, list) and len(bounds) == 4 and all(_finite_number(b) for b in bounds)):
        raise WorkspaceError(f"{name} is damaged: the data bounds must be four finite numbers")
    if not isinstance(label, str):
        raise WorkspaceError(f"{name} is damaged: the data's name is not text")
    parts = {}
    for key in ("x_train", "y_train", "x_test", "y_test"):
        if key not in arrays:
            raise WorkspaceError(f"{name} is damaged: the data points ({key}) are missing")
        array = arrays[key]
        if array.dtype.kind not in "fiu":
            raise WorkspaceError(f"{name} is damaged: the data points ({key}) are not numbers")
        with np.errstate(over="ignore"):
            parts[key] = array.astype(np.float32)
        if not np.isfinite(parts[key]).all():
            raise WorkspaceError(f"{name} is damaged: the data points ({key}) are not all finite numbers")
    for x_key, y_key in (("x_train", "y_train"), ("x_test", "y_test")):
        x, y = parts[x_key], parts[y_key]
        if x.ndim != 2 or x.shape[1] not in (1, 2) or y.ndim != 1 or len(x) != len(y):
            raise WorkspaceError(f"{name} is damaged: the data points ({x_key}, {y_key}) have shapes "
                                 f"{x.shape} and {y.shape}, not a table of 1 or 2 columns with one target per row")
    if parts["x_test"].shape[1] != parts["x_train"].shape[1] and len(parts["x_test"]):
        raise WorkspaceError(f"{name} is damaged: the training and test points have different columns")
    if len(parts["x_train"]) == 0:
        raise WorkspaceError(f"{name} is damaged: it holds no training points")
    return Dataset(label, parts["x_train"], parts["y_train"], parts["x_test"], parts["y_test"], task, classes,
                   tuple(float(b) for b in bounds))


def expected_weight_shapes(network: NetworkSpec) -> list[tuple[tuple[int, ...], ...]]:
    """The weight arrays' shapes, layer by layer (layers without weights left out), as Keras makes them."""
    shape = tuple(int(n) for n in network.input_shape)
    shapes: list[tuple[tuple[int, ...], ...]] = []
    for layer in network.layers:
        if layer.kind == "flatten":
            shape = (int(np.prod(shape)),)
        elif layer.kind == "dense":
            shapes.append(((shape[-1], layer.units), (layer.units,)))
            shape = shape[:-1] + (layer.units,)
        elif layer.kind == "batchnorm":
            shapes.append(((shape[-1],),) * 4)
    return shapes


def _weights(doc: Any, arrays: dict[str, np.ndarray], network: NetworkSpec, name: str) -> tuple | None:
    if doc is None:
        return None
    if not isinstance(doc, list):
        raise WorkspaceError(f"{name} is damaged: the weights' description is not a list")
    out = []
    for i, entry in enumerate(doc):
        if not (isinstance(entry, dict) and isinstance(entry.get("layer"), str)
                and isinstance(entry.get("arrays"), int) and not isinstance(entry.get("arrays"), bool)
                and 0 <= entry["arrays"] <= 16):
            raise WorkspaceError(f"{name} is damaged: weights entry {i + 1} must name a layer and its number "
                                 "of arrays")
        layer_arrays = []
        for j in range(entry["arrays"]):
            key = f"w_{i}_{j}"
            if key not in arrays:
                raise WorkspaceError(f"{name} is damaged: the weights of layer {entry['layer']!r} are missing")
            array = arrays[key]
            if array.dtype.kind != "f" or not np.isfinite(array).all():
                raise WorkspaceError(f"{name} is damaged: the weights of layer {entry['layer']!r} are not "
                                     "finite numbers")
            array.flags.writeable = False
            layer_arrays.append(array)
        out.append((entry["layer"], tuple(layer_arrays)))
    expected = expected_weight_shapes(network)
    found = [tuple(tuple(a.shape) for a in layer_arrays) for _, layer_arrays in out]
    if found != expected:
        raise WorkspaceError(f"{name} is damaged: its weights do not fit its network {network.describe()} "
                             f"(weight shapes {found}, the network needs {expected})")
    return tuple(out)


def _history(rows: list, name: str) -> list[dict]:
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise WorkspaceError(f"{name} is damaged: loss history entry {i + 1} is not a JSON object")
        for key, value in row.items():
            if value is not None and not (isinstance(value, (int, float)) and not isinstance(value, bool)):
                raise WorkspaceError(f"{name} is damaged: loss history entry {i + 1} holds {key!r} = {value!r}, "
                                     "not a number")
    return [dict(row) for row in rows]


__all__ = ["FORMAT", "SUFFIX", "VERSION", "Workspace", "WorkspaceError", "expected_weight_shapes",
           "load_workspace", "save_workspace", "workspace_from_training"]
