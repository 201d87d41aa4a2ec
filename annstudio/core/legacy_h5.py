"""Legacy HDF5 models (``.h5``, ``.hdf5``): what ``model.save("x.h5")`` wrote in TensorFlow 2's tutorials.

Such a file keeps the model's configuration as a JSON attribute (``model_config``) and its weights in the
group ``model_weights/<layer>/…``. Keras 3 reads the files its own legacy writer makes, but misreads many of
the Keras 2 era (standalone Keras 2.x, ``tf.keras`` ≤ 2.15: ``batch_input_shape``, weights named
``kernel:0``): a Keras 2.3.1 784-64-10 network comes back with inputs of shape (None, 784) and fails to predict.
So a network made of the builder's layers (Dense, Dropout, BatchNormalization, Activation, Flatten) is read
here, with h5py: its configuration becomes a :class:`~annstudio.core.spec.NetworkSpec`, the builder builds it,
and the stored weights go in. Any other network (a convnet, say) goes to Keras' loader with ``safe_mode`` on —
but only after its configuration has been read and found free of code: a ``Lambda`` layer or a custom class is
refused before Keras sees the file, so nothing in it ever runs.
"""
from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import StoreError
from .spec import ACTIVATIONS, LayerSpec, NetworkSpec, SpecError

SUFFIXES = (".h5", ".hdf5")
SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: Input shapes the app can feed: 2-D points, one number (regression), 28×28 digits (as images or flat).
FEEDABLE_SHAPES = ((2,), (1,), (28, 28), (28, 28, 1), (784,))
_CODE_LAYERS = ("Lambda", "TFOpLambda", "SlicingOpLambda")
_MODEL_CLASSES = ("Sequential", "Functional", "Model")
_BATCHNORM_EPSILON = 1e-3  # Keras' default, and what the builder's BatchNormalization uses


def is_h5(path: str | os.PathLike) -> bool:
    """Whether ``path`` is meant as an HDF5 model: by its suffix, or (for a renamed file) by its first bytes."""
    path = Path(path)
    if path.suffix.lower() in SUFFIXES:
        return True
    try:
        with open(path, "rb") as head:
            return head.read(8) == SIGNATURE
    except OSError:
        return False


def load_h5_model(path: str | os.PathLike) -> Any:
    """A Keras model from a legacy HDF5 file; :class:`StoreError` (one sentence) for anything unusable."""
    path = Path(path)
    config, _ = read_configs(path)
    layers = _layers(path.name, config)
    _refuse_code(path.name, layers)
    shape = _input_shape(path.name, layers, config)
    network = network_spec(config, shape)
    if network is not None:
        return _build(path, network, layers)
    return _keras_load(path, shape)


# ---------------------------------------------------------------------------------------------------
# Reading the file

def _open(path: Path):
    import h5py

    if not path.is_file():
        raise StoreError(f"{path} does not exist or is not a file")
    if path.stat().st_size == 0:
        raise StoreError(f"{path.name} is empty")
    with open(path, "rb") as head:
        if head.read(8) != SIGNATURE:
            raise StoreError(f"{path.name} is not a Keras model file: an .h5 model is an HDF5 file, and this one "
                             "is not")
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        text = str(exc).lower()
        if "truncated" in text or "eof" in text:
            raise StoreError(f"{path.name} is damaged: the file ends too early (an interrupted copy or "
                             "download?)") from None
        raise StoreError(f"{path.name} is a damaged HDF5 file ({str(exc).splitlines()[0][:120]})") from None


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _text(value.item())
    return str(value)


def read_configs(path: str | os.PathLike) -> tuple[dict, dict | None]:
    """The file's model configuration and its training configuration (``None`` if it was not compiled).

    A weights-only file (``save_weights``) and an HDF5 file that is no Keras model are refused in words."""
    from .store import _check_sizes

    path = Path(path)
    with _open(path) as f:
        try:
            raw = f.attrs.get("model_config")
            training = f.attrs.get("training_config")
            weights_only = raw is None and ("layer_names" in f.attrs or "layers" in f or "vars" in f)
        except (OSError, RuntimeError, KeyError) as exc:
            raise StoreError(f"{path.name} is damaged ({type(exc).__name__})") from None
    if weights_only:
        raise StoreError(f"{path.name} holds only weights (saved with save_weights), not a whole model: save the "
                         "model itself with model.save(...) and open that file")
    if raw is None:
        raise StoreError(f"{path.name} is an HDF5 file but not a Keras model (it has no model configuration)")
    text = _text(raw)
    _check_sizes(path, text.encode())
    config = json.loads(text)
    if not isinstance(config, dict) or not isinstance(config.get("config"), (dict, list)):
        raise StoreError(f"{path.name} is damaged: its model configuration is not a model's")
    compiled = None
    if training is not None:
        try:
            compiled = json.loads(_text(training))
        except (ValueError, RecursionError):
            compiled = None
    return config, compiled if isinstance(compiled, dict) else None


def _layers(name: str, config: dict) -> list[dict]:
    kind = config.get("class_name")
    inner = config.get("config")
    if kind not in _MODEL_CLASSES:
        raise StoreError(f"{name} holds a {kind!s:.40}, which is not a Keras model ANN Studio can open")
    layers = inner if isinstance(inner, list) else inner.get("layers")  # Keras ≤ 2.1 kept a Sequential as a list
    if not isinstance(layers, list) or not layers or not all(isinstance(x, dict) for x in layers):
        raise StoreError(f"{name} is damaged: its model configuration has no layers")
    return layers


def _refuse_code(name: str, layers: list[dict]) -> None:
    """Refuse a model whose configuration names code: a Lambda layer, or a layer class Keras does not have
    (also inside nested models)."""
    import keras

    stack: list[Any] = [{"layers": layers}]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            layers = item.get("layers")
            if isinstance(layers, list):
                for layer in layers:
                    kind = layer.get("class_name") if isinstance(layer, dict) else None
                    if kind in _CODE_LAYERS:
                        raise StoreError(f"{name} was refused: it contains code (a {kind} layer), which could "
                                         "run anything on your computer, so it is not loaded")
                    if not isinstance(kind, str) or not (kind in _MODEL_CLASSES or hasattr(keras.layers, kind)):
                        raise StoreError(f"{name} was refused: it needs custom code (a layer of kind "
                                         f"{str(kind)[:40]!r}) that ANN Studio does not run")
            stack.extend(item.values())


def _input_shape(name: str, layers: list[dict], config: dict) -> tuple[int, ...]:
    """The shape of one input, from the InputLayer, the first layer's ``batch_input_shape`` or (a Sequential
    built by its first ``fit``) the model's ``build_input_shape``, refused in a sentence that names it when
    the app cannot feed it."""
    first = next((x for x in layers if x.get("class_name") == "InputLayer"), layers[0])
    cfg = first.get("config") if isinstance(first.get("config"), dict) else {}
    shape: Any = None
    for key in ("batch_shape", "batch_input_shape"):
        if isinstance(cfg.get(key), list) and cfg[key]:
            shape = cfg[key][1:]
            break
    else:
        if isinstance(cfg.get("input_shape"), list):
            shape = cfg["input_shape"]
        elif isinstance(cfg.get("input_dim"), int):
            shape = [cfg["input_dim"]]
        elif isinstance(config.get("config"), dict) and isinstance(config["config"].get("build_input_shape"), list):
            shape = config["config"]["build_input_shape"][1:]
    if shape is None:
        raise StoreError(f"{name} does not say the shape of its input, so ANN Studio cannot feed it")
    if not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in shape):
        text = "×".join("any" if n is None else str(n) for n in shape)
        raise StoreError(f"{name} takes inputs of shape {text} (sizes that are not fixed); ANN Studio feeds "
                         "2-D points, one number or 28×28 images, so it does not open it")
    shape = tuple(shape)
    if shape not in FEEDABLE_SHAPES:
        raise StoreError(f"{name} takes inputs of shape {'×'.join(map(str, shape))}; ANN Studio can feed a network "
                         "2-D points, one number (regression) or 28×28 images of digits, so it does not open it")
    return shape


# ---------------------------------------------------------------------------------------------------
# A network of the builder's layers: build it ourselves

def _activation(value: Any) -> str | None:
    name = "linear" if value is None else value
    return name if name in ACTIVATIONS else None


def _regularizer(value: Any) -> tuple[float, float] | None:
    """(l1, l2) of a kernel regularizer the builder can make (none, L1, L2, L1L2); ``None`` for others."""
    if value is None:
        return 0.0, 0.0
    if not isinstance(value, dict) or value.get("class_name") not in ("L1L2", "L1", "L2"):
        return None
    cfg = value.get("config") or {}
    try:
        return float(cfg.get("l1", 0.0) or 0.0), float(cfg.get("l2", 0.0) or 0.0)
    except (TypeError, ValueError):
        return None


def _layer_spec(layer: dict, rank: int) -> LayerSpec | None:
    """The builder's layer for a configuration entry whose input has ``rank`` axes (the batch's included), or
    ``None`` where the builder's layer would compute something else (no bias, an unusual activation, a
    BatchNormalization with its own epsilon or over another axis …)."""
    kind, cfg = layer.get("class_name"), layer.get("config") or {}
    if kind == "Dense":
        activation, reg = _activation(cfg.get("activation")), _regularizer(cfg.get("kernel_regularizer"))
        if activation is None or reg is None or cfg.get("use_bias", True) is not True:
            return None
        if not isinstance(cfg.get("units"), int):
            return None
        return LayerSpec("dense", units=cfg["units"], activation=activation, l1=reg[0], l2=reg[1])
    if kind == "Dropout":
        rate = cfg.get("rate")
        return LayerSpec("dropout", rate=float(rate)) if isinstance(rate, (int, float)) else None
    if kind == "BatchNormalization":
        axis = cfg.get("axis", -1)
        axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
        if axis not in (-1, rank - 1) or not cfg.get("center", True) or not cfg.get("scale", True):
            return None
        if abs(float(cfg.get("epsilon", _BATCHNORM_EPSILON)) - _BATCHNORM_EPSILON) > 1e-9:
            return None
        return LayerSpec("batchnorm")
    if kind == "Activation":
        activation = _activation(cfg.get("activation"))
        return LayerSpec("activation", activation=activation) if activation else None
    if kind == "Flatten":
        return LayerSpec("flatten")
    return None


def _inbound(node: Any) -> list[str]:
    """The names of the layers a functional layer's inbound nodes refer to (Keras 2's and Keras 3's forms)."""
    names: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            history = item.get("keras_history")
            if isinstance(history, list) and history and isinstance(history[0], str):
                names.append(history[0])
            else:
                stack.extend(item.values())
        elif isinstance(item, list):
            if len(item) >= 3 and isinstance(item[0], str) and isinstance(item[1], int):
                names.append(item[0])
            else:
                stack.extend(item)
    return names


def _is_chain(layers: list[dict]) -> bool:
    """Whether a functional model's layers follow one another, each fed by the one before."""
    previous = None
    for layer in layers:
        feeds = _inbound(layer.get("inbound_nodes", []))
        if previous is None:
            if layer.get("class_name") != "InputLayer" or feeds:
                return False
        elif feeds != [previous]:
            return False
        previous = layer.get("name") or (layer.get("config") or {}).get("name")
    return True


def network_spec(config: dict, shape: tuple[int, ...]) -> NetworkSpec | None:
    """The builder's description of the network in ``config``, or ``None`` when it is not one the builder
    computes exactly as Keras would (then Keras' loader reads it)."""
    inner = config.get("config")
    layers = inner if isinstance(inner, list) else inner.get("layers", [])
    if config.get("class_name") in ("Functional", "Model") and not _is_chain(layers):
        return None
    specs = []
    rank = len(shape) + 1
    for layer in layers:
        if layer.get("class_name") == "InputLayer":
            continue
        try:
            spec = _layer_spec(layer, rank)
        except (TypeError, ValueError):
            spec = None
        if spec is None:
            return None
        specs.append(spec)
        rank = 2 if spec.kind == "flatten" else rank
    if rank != 2:  # outputs that are not one vector per input: not a network the builder makes
        return None
    try:
        return NetworkSpec(input_shape=shape, layers=tuple(specs),
                           features=("x1", "x2") if shape == (2,) else ()).validate()
    except SpecError:
        return None


def _layer_name(layer: dict) -> str:
    return str((layer.get("config") or {}).get("name") or layer.get("name") or "")


def _build(path: Path, network: NetworkSpec, layers: list[dict]) -> Any:
    """The builder's model of ``network`` holding the weights stored in the file."""
    from .store import model_from_weights

    stored = [x for x in layers if x.get("class_name") != "InputLayer"]
    weights = []
    with _open(path) as f:
        try:
            group = f["model_weights"] if "model_weights" in f else f
            for layer, ours in zip(stored, network.layer_names()):
                if layer.get("class_name") not in ("Dense", "BatchNormalization"):
                    continue
                name = _layer_name(layer)
                if name not in group:
                    raise StoreError(f"{path.name} is damaged: the weights of its layer {name!r} are missing")
                g = group[name]
                names = [_text(n) for n in g.attrs.get("weight_names", [])]
                weights.append((ours, tuple(np.asarray(g[n], dtype=np.float32) for n in names)))
        except StoreError:
            raise
        except (OSError, KeyError, RuntimeError, ValueError, TypeError) as exc:
            raise StoreError(f"{path.name} is damaged: its weights cannot be read ({type(exc).__name__})") from None
    try:
        return model_from_weights(network, tuple(weights))
    except StoreError as exc:
        raise StoreError(f"{path.name} is damaged: {exc}") from None


def _keras_load(path: Path, shape: tuple[int, ...]) -> Any:
    """Keras' own legacy loader, safe mode on, for layers the builder does not have (the configuration has been
    checked for code already). Refused if Keras misreads the input's ``shape`` (it does so with Keras 2.3.1's
    files), rather than opened wrong."""
    import keras

    from .store import _load_failure

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Do not pass an input_shape argument", addressed to the file's author
            model = keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as exc:  # noqa: BLE001 - Keras raises many types; all mean "cannot load"
        raise StoreError(_load_failure(path, exc)) from None
    if not isinstance(model, keras.Model):
        raise StoreError(f"{path.name} does not hold a Keras model")
    read = tuple(model.inputs[0].shape[1:]) if len(model.inputs) == 1 else ()
    if read != shape:
        raise StoreError(f"{path.name} was written by an older Keras that today's Keras misreads (inputs of shape "
                         f"{read} instead of {shape}), and it has layers ANN Studio cannot rebuild itself")
    return model


def compile_config(path: str | os.PathLike) -> dict:
    """How the file's model was compiled, in the form of a ``.keras`` file's ``compile_config``
    (``{"optimizer": {"class_name": "Adam", "config": {"learning_rate": …}}, "loss": …}``); empty if unknown."""
    try:
        _, training = read_configs(path)
    except (StoreError, ValueError, RecursionError):
        return {}
    if not training:
        return {}
    optimizer = training.get("optimizer_config")
    out: dict = {"loss": training.get("loss")}
    if isinstance(optimizer, dict):
        kind = str(optimizer.get("class_name", "")).split(">")[-1]  # tf.keras 2.11+ wrote "Custom>Adam"
        cfg = dict(optimizer.get("config") or {})
        if "learning_rate" not in cfg and "lr" in cfg:  # Keras ≤ 2.2
            cfg["learning_rate"] = cfg["lr"]
        out["optimizer"] = {"class_name": kind, "config": cfg}
    return out


__all__ = ["FEEDABLE_SHAPES", "SUFFIXES", "compile_config", "is_h5", "load_h5_model", "network_spec",
           "read_configs"]
