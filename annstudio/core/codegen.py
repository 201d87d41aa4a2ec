"""Export as Keras code: a standalone, readable Python script that does what the app does.

The script needs only numpy and TensorFlow. Like the lecture's notebook it builds the data, a
``tf.keras.models.Sequential`` network, compiles it with the same optimizer, learning rate and loss, trains
it with ``model.fit`` and prints the final loss. Generated data sets are produced by the same formulas with
the same ``np.random.default_rng(seed)`` calls as :mod:`annstudio.core.datasets`, so the points are
identical; a user's own points are written into the script (or, when there are many, into a CSV file
beside it). The script is organised as ``load_data()``, ``build_model()`` and ``main()``.
"""
from __future__ import annotations

import os
import textwrap
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from .augment import NOT_FOR_POINTS
from .datasets import Dataset
from . import schedules, stopping
from .errors import UserError
from .spec import DEFAULT_INITIALIZER, DataSpec, LayerSpec, NetworkSpec, SpecError, TrainSpec, uses_step

#: Up to this many points are written into the script; more go to a CSV file beside it.
EMBED_LIMIT = 2000

_OPTIMIZER_CLASSES = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop"}
_KERAS_LAYER = {"dense": "Dense", "dropout": "Dropout", "batchnorm": "BatchNormalization",
                "activation": "Activation", "flatten": "Flatten"}
_FEATURE_CODE = {"x1": "x1", "x2": "x2", "x1^2": "x1 * x1", "x2^2": "x2 * x2", "x1*x2": "x1 * x2",
                 "sin(x1)": "np.sin(x1)", "sin(x2)": "np.sin(x2)"}


class CodegenError(UserError):
    """A network or file that cannot be exported as a script, with the reason in words."""


# ---------------------------------------------------------------------------------------------------
# The data part of the script: the same formulas, the same random numbers as datasets.py

_LECTURE_STACK = """\
    C1 = np.where(g >= 0)[0]  # class 1 where g >= 0; stacked class 1 first, as the lecture builds train_X
    C0 = np.where(g < 0)[0]
    points = np.vstack([np.hstack([x1[C1], x2[C1]]), np.hstack([x1[C0], x2[C0]])])
    targets = np.concatenate([np.ones(len(C1)), np.zeros(len(C0))])
"""

_GENERATORS = {
    "linear": ("the lecture's linear problem: class 1 where 0.8·x1 + x2 − 3 ≥ 0", """\
    x1 = 8 * rng.random((m, 1))
    x2 = 7 * rng.random((m, 1)) - 4
    g = 0.8 * x1 + x2 - 3
""" + _LECTURE_STACK),
    "parabola": ("the lecture's parabola: class 1 where −0.5·(x1 − 1)² + 2·x2 + 5 ≥ 0", """\
    x1 = 10 * rng.random((m, 1)) - 5
    x2 = 8 * rng.random((m, 1)) - 4
    g = -0.5 * (x1 - 1) ** 2 + 2 * x2 + 5
""" + _LECTURE_STACK),
    "xor": ("XOR: class 1 where x1·x2 ≥ 0", """\
    points = rng.uniform(-5, 5, size=(m, 2))
    points += np.where(points > 0, 0.3, -0.3)  # a small gap around the axes
    targets = (points[:, 0] * points[:, 1] >= 0).astype(float)
"""),
    "circle": ("a circle: class 1 inside radius 2, class 0 in a ring from 3 to 5", """\
    n_in = m // 2
    r = np.concatenate([rng.uniform(0, 2.0, n_in), rng.uniform(3.0, 5.0, m - n_in)])
    angle = rng.uniform(0, 2 * np.pi, m)
    points = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    targets = np.concatenate([np.ones(n_in), np.zeros(m - n_in)])
"""),
    "gaussians": ("Gaussian clouds, one per class, around a circle of radius 2.5", """\
    targets = np.arange(m) % classes
    angle = 2 * np.pi * targets / classes + (np.pi / 4 if classes == 2 else np.pi / 2)
    centres = 2.5 * np.column_stack([np.cos(angle), np.sin(angle)])
    points = centres + rng.normal(0, 1.0, size=(m, 2))
    targets = targets.astype(float)
"""),
    "spiral": ("interleaved spirals, one arm per class", """\
    targets = np.arange(m) % classes
    t = rng.uniform(0, 1, m)
    r = 5 * t
    angle = 1.75 * 2 * np.pi * t + 2 * np.pi * targets / classes
    points = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    targets = targets.astype(float)
"""),
    "lecture-points": ("the lecture's ten regression points", """\
    points = np.linspace(-4.5, 4.5, 10).reshape(-1, 1)
    targets = np.array([0.9819, 0.7973, 1.9737, 0.1838, 1.3180, -0.8361, -0.6591, -2.4701, -2.8122, -6.2512])
"""),
    "sine": ("y = 2·sin(x) on [−5, 5]", """\
    points = np.sort(rng.uniform(-5, 5, m)).reshape(-1, 1)
    targets = 2 * np.sin(points[:, 0])
"""),
    "cubic": ("y = 0.05·x³ − 0.5·x on [−5, 5]", """\
    points = np.sort(rng.uniform(-5, 5, m)).reshape(-1, 1)
    targets = 0.05 * points[:, 0] ** 3 - 0.5 * points[:, 0]
"""),
    "step": ("a step: y = 1.5 for x ≥ 0, −1.5 below", """\
    points = np.sort(rng.uniform(-5, 5, m)).reshape(-1, 1)
    targets = np.where(points[:, 0] >= 0, 1.5, -1.5)
"""),
}

_SPLIT = '''

def split(points, targets, test_fraction, rng):
    """Hold out test_fraction of the points, chosen at random; the rest keep their order."""
    points = np.asarray(points, dtype=np.float32)
    targets = np.asarray(targets, dtype=np.float32)
    test = np.zeros(len(points), dtype=bool)
    n_test = int(round(len(points) * test_fraction))
    if n_test:
        test[rng.choice(len(points), size=n_test, replace=False)] = True
    return (points[~test], targets[~test]), (points[test], targets[test])
'''


def _generated_data(data: DataSpec) -> tuple[str, str, str]:
    """(description, body of ``make_points()``, helper functions) for a generated data set."""
    what, body = _GENERATORS[data.kind]
    regression = data.is_regression
    names = _uses(body)
    n = 10 if data.kind == "lecture-points" else data.size
    held_out = int(round(n * data.test_fraction)) > 0
    random = "rng" in names or data.noise > 0 or held_out
    lines = [f"    rng = np.random.default_rng({data.seed})"] if random else []
    if "m" in names:
        lines.append(f"    m = {data.size}")
    if "classes" in names:
        lines.append(f"    classes = {data.classes}")
    lines.append(body.rstrip("\n"))
    if data.noise > 0:
        target = "targets" if regression else "points"
        lines.append(f"    {target} = {target} + rng.normal(0, {data.noise!r}, size={target}.shape)  # noise")
    if held_out:
        lines.append(f"    return split(points, targets, {data.test_fraction!r}, rng)")
    else:
        lines.append("    points, targets = points.astype(np.float32), targets.astype(np.float32)")
        lines.append("    return (points, targets), (points[:0], targets[:0])  # no test points")
    details = [] if data.kind == "lecture-points" else [f"{n} points"]
    if data.noise > 0:
        details.append(f"noise {data.noise:g}")
    if random:
        details.append(f"seed {data.seed}")
    if held_out:
        details.append(f"{data.test_fraction:g} held out for testing")
    described = f"{what} ({', '.join(details)})" if details else what
    return described, "\n".join(lines), _SPLIT if held_out else ""


def _uses(body: str) -> set[str]:
    import re

    return set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", body))


def _float_text(values: np.ndarray) -> list[str]:
    """Shortest decimal texts that give back exactly these float32 values."""
    values = np.asarray(values, dtype=np.float32).ravel()
    texts = [np.format_float_positional(v, unique=True, trim="-") for v in values]
    back = np.array([float(t) for t in texts], dtype=np.float64).astype(np.float32)
    if not np.array_equal(back, values):  # double rounding: fall back to the exact float64 text
        texts = [repr(float(v)) for v in values]
    return texts


def _array_literal(values: np.ndarray, indent: str, per_line: int) -> str:
    values = np.asarray(values, dtype=np.float32)
    if values.size == 0:
        shape = "(0, %d)" % values.shape[1] if values.ndim == 2 else "(0,)"
        return f"np.zeros({shape}, dtype=np.float32)"
    texts = _float_text(values)
    if values.ndim == 2:
        cols = values.shape[1]
        items = ["[" + ", ".join(texts[i:i + cols]) + "]" for i in range(0, len(texts), cols)]
    else:
        items = texts
    rows = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    inner = (",\n" + indent + "    ").join(rows)
    return f"np.array([\n{indent}    {inner},\n{indent}], dtype=np.float32)"


def script_data_csv(points: Dataset) -> str:
    """The CSV a script reads when a user's points are too many to write into it: the columns of a points file
    (``x1,x2,label`` or ``x,target``) and a ``test`` column, 1 for a point held out for testing."""
    cols = points.x_train.shape[1]
    header = ["x1", "x2", "label"] if cols == 2 else ["x", "target"]
    lines = [",".join(header + ["test"])]
    for x, y, flag in ((points.x_train, points.y_train, "0"), (points.x_test, points.y_test, "1")):
        if len(x) == 0:
            continue
        xs = np.asarray(x, dtype=np.float32)
        ys = np.asarray(y, dtype=np.float32)
        x_text = _float_text(xs)
        y_text = _float_text(ys)
        for i in range(len(xs)):
            lines.append(",".join(x_text[i * cols:(i + 1) * cols] + [y_text[i], flag]))
    return "\n".join(lines) + "\n"


def _own_points(points: Dataset, data_file: str, beside: str = "script") -> tuple[str, str, str]:
    n = len(points.x_train) + len(points.x_test)
    held = f", {len(points.x_test)} of them held out for testing" if len(points.x_test) else ""
    described = f"your own points ({n} points{held})"
    if n <= EMBED_LIMIT:
        per_line = 4 if points.x_train.shape[1] == 2 else 6
        body = "\n".join([
            "    train_points = " + _array_literal(points.x_train, "    ", per_line),
            "    train_targets = " + _array_literal(points.y_train, "    ", 10),
            "    test_points = " + _array_literal(points.x_test, "    ", per_line),
            "    test_targets = " + _array_literal(points.y_test, "    ", 10),
            "    return (train_points, train_targets), (test_points, test_targets)",
        ])
        return described, body, ""
    cols = points.x_train.shape[1]
    # a notebook runs in its own folder (Jupyter's working directory) and has no __file__
    path = ("os.path.join(os.path.dirname(os.path.abspath(__file__)), DATA_FILE)" if beside == "script"
            else "DATA_FILE")
    body = "\n".join([
        f"    # {data_file} lies beside this {beside}; its last column is 1 for a point held out for testing",
        f"    path = {path}",
        "    table = np.loadtxt(path, delimiter=\",\", skiprows=1, ndmin=2)",
        f"    points = table[:, :{cols}].astype(np.float32)",
        f"    targets = table[:, {cols}].astype(np.float32)",
        f"    test = table[:, {cols + 1}] == 1",
        "    return (points[~test], targets[~test]), (points[test], targets[test])",
    ])
    return described + f", read from {data_file}", body, ""


# ---------------------------------------------------------------------------------------------------
# The network, compile and fit parts

def _activation_code(name: str) -> str:
    return "sine" if name == "sine" else repr(name)  # sine: the function the script defines


def _initializer_code(layer: LayerSpec) -> str:
    init = "tf.keras.initializers."
    return {"he_normal": init + "HeNormal()", "normal": init + "RandomNormal(mean=0.0, stddev=0.1)",
            "zeros": init + "Zeros()", "constant": init + f"Constant({float(layer.init_value)!r})"
            }.get(layer.initializer, init + "GlorotUniform()")


def _layer_code(layer: LayerSpec) -> str:
    cls = f"tf.keras.layers.{_KERAS_LAYER[layer.kind]}"
    if layer.kind == "dense":
        args = [f"units={layer.units}", f"activation={_activation_code(layer.activation)}"]
        if layer.initializer != DEFAULT_INITIALIZER:
            args.append(f"kernel_initializer={_initializer_code(layer)}")
        if layer.l1 or layer.l2:
            args.append(f"kernel_regularizer=tf.keras.regularizers.L1L2(l1={layer.l1!r}, l2={layer.l2!r})")
        return f"{cls}({', '.join(args)})"
    if layer.kind == "dropout":
        return f"{cls}({layer.rate!r})"
    if layer.kind == "activation":
        return f"{cls}({_activation_code(layer.activation)})"
    return f"{cls}()"


def activation_lines(p: "Plan") -> list[str]:
    """The sine activation, which Keras does not have, defined and registered under the name ANN Studio's
    saved models use (``annstudio>sine``), so the two load each other's ``.keras`` files; [] without sine."""
    if not any(layer.kind in ("dense", "activation") and layer.activation == "sine" for layer in p.network.layers):
        return []
    return ['@tf.keras.utils.register_keras_serializable(package="annstudio")',
            "def sine(x):",
            '    """The sine activation g(a) = sin(a); Keras has none of its own."""',
            "    return tf.sin(x)"]


def _features_code(features: Sequence[str]) -> str:
    columns = ", ".join(_FEATURE_CODE[f] for f in features)
    return f'''

def input_features(points):
    """The network's inputs computed from the 2-D points (x1, x2): {", ".join(features)}."""
    x1, x2 = points[:, 0], points[:, 1]
    return np.column_stack([{columns}]).astype(np.float32)
'''


def _check(network: NetworkSpec, train: TrainSpec, data: DataSpec, points: Dataset | None,
           features: tuple[str, ...]) -> None:
    """Refuse, in words, a combination whose script could not run."""
    out = network.output_units
    if data.kind == "mnist":
        task, classes, columns = "multiclass", 10, None
    elif points is not None:
        task, classes, columns = points.task, points.classes, points.x_train.shape[1]
    elif data.is_regression:
        task, classes, columns = "regression", 0, 1
    else:
        classes = data.classes if data.kind in ("gaussians", "spiral") else 2
        task, columns = ("binary" if classes == 2 else "multiclass"), 2
    if task == "regression" and train.loss != "mse":
        raise CodegenError("a regression data set needs the mean squared error (mse) loss")
    if task != "regression" and train.loss == "mse":
        raise CodegenError("a classification data set needs a cross-entropy loss, not mse")
    if train.loss == "binary_crossentropy" and out != 1:
        raise CodegenError(f"binary cross-entropy needs 1 output unit (sigmoid), not {out}")
    if train.loss == "sparse_categorical_crossentropy" and out < max(classes, 2):
        raise CodegenError(f"{classes} classes need an output layer of {classes} units (softmax), not {out}")
    if task == "regression" and out != 1:
        raise CodegenError(f"regression needs 1 output unit, not {out}")
    shape = tuple(network.input_shape)
    if data.kind == "mnist":
        if int(np.prod(shape)) != 784:
            raise CodegenError(f"MNIST images have 28×28 = 784 pixels, but the network takes inputs of shape {shape}")
        return
    if columns == 2 and features:
        if shape != (len(features),):
            raise CodegenError(f"{len(features)} input features need input shape ({len(features)},), not {shape}")
    elif shape != (columns,):
        raise CodegenError(f"the data have {columns} input column(s), but the network takes inputs of shape {shape}")


@dataclass(frozen=True)
class Plan:
    """Everything an exported program needs, checked once: the sections below turn it into code that the
    script (:func:`keras_script`) and the notebook (:mod:`annstudio.core.notebook`) both lay out."""

    network: NetworkSpec
    train: TrainSpec
    data: DataSpec
    points: Dataset | None
    features: tuple[str, ...]
    described: str          # the data in words
    make_points: str        # the body of make_points()
    helpers: str            # helper functions the data part needs (split, input_features)
    to_inputs: str          # "{}" turned into the network's inputs
    to_targets: str
    metric: str             # "accuracy" or "mse"
    has_test: bool
    big: bool               # the points are read from data_file
    two_d: bool
    expand: bool            # the inputs are features computed from (x1, x2)
    title: str
    note: str
    weights_file: str | None
    load_weights: bool
    data_file: str

    @property
    def optimizer_code(self) -> str:
        lr = _number(self.train.learning_rate)
        return f"tf.keras.optimizers.{_OPTIMIZER_CLASSES[self.train.optimizer]}(learning_rate={lr})"

    @property
    def training_text(self) -> str:
        t = self.train
        text = (f"{_OPTIMIZER_CLASSES[t.optimizer]} (learning rate {_number(t.learning_rate)}), loss {t.loss}, "
                f"{t.epochs} epoch{'s' if t.epochs != 1 else ''}, batch size {t.batch_size}")
        if t.schedule != "constant":
            text += f", rate schedule: {schedules.describe(t)}"
        if t.validation_split:
            text += f", validation split {_number(t.validation_split)}"
        if t.early_stopping:
            text += f", early stopping on {t.monitor} (patience {t.patience})"
        if t.target_loss is not None:
            text += f", stop at loss {_number(t.target_loss)}"
        return text + (f", augmentation: {t.augmentation.describe()}" if t.augmentation.active else "")

    @property
    def task(self) -> str:
        """"binary", "multiclass" or "regression"."""
        if self.train.loss == "mse":
            return "regression"
        return "multiclass" if self.train.loss == "sparse_categorical_crossentropy" else "binary"


def plan(network: NetworkSpec, train: TrainSpec, data: DataSpec | None = None,
         features: Sequence[str] | None = None, *, points: Dataset | None = None, epochs: int | None = None,
         title: str = "", weights_file: str | None = None, load_weights: bool = False,
         data_file: str = "data.csv", note: str = "", beside: str = "script") -> Plan:
    """Check a network, its training settings and data for export and work out the code's pieces.

    ``data`` says which data set (``None``: one that fits the network, see :func:`default_data`);
    ``points`` are a user's own points, used instead of generating data (more than :data:`EMBED_LIMIT` are
    read from ``data_file``, which the caller writes with :func:`script_data_csv`, beside the ``script`` or
    ``notebook`` as ``beside`` says); ``features`` default to the network's. ``epochs`` overrides the training
    settings' epochs. ``weights_file`` names a ``.keras`` file whose weights the code loads before training
    (``load_weights``) or mentions in a comment. ``note`` is said at the top.
    """
    try:
        network = network.validate()
        train = train.validate()
        if data is not None:
            data = data.validate()
    except SpecError as exc:
        raise CodegenError(f"cannot export: {exc}") from None
    if uses_step(network) or train.optimizer == "perceptron":
        raise CodegenError("a perceptron (a step neuron trained by the perceptron rule) cannot be exported as "
                           "Keras code: Keras has no step activation and no perceptron rule; save it as a "
                           "workspace (.annws) instead")
    if epochs is not None:
        if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
            raise CodegenError(f"epochs must be a whole number ≥ 1, not {epochs!r}")
        train = replace(train, epochs=epochs)
    if data is None:
        data = default_data(network, train)
    if data.kind == "mnist":
        points = None
    elif train.augmentation.active:
        raise CodegenError(f"cannot export: {NOT_FOR_POINTS}")
    features = tuple(network.features if features is None else features)
    bad = [f for f in features if f not in _FEATURE_CODE]
    if bad:
        raise CodegenError(f"unknown input feature(s): {', '.join(bad)}")
    _check(network, train, data, points, features)

    two_d = data.kind != "mnist" and (points.x_train.shape[1] if points is not None else
                                      (1 if data.is_regression else 2)) == 2
    expand = bool(two_d and features and tuple(features) != ("x1", "x2"))
    sparse = train.loss == "sparse_categorical_crossentropy"
    metric = "accuracy" if train.is_classification else "mse"
    big = points is not None and len(points.x_train) + len(points.x_test) > EMBED_LIMIT

    helpers = ""
    if data.kind == "mnist":
        described = "MNIST handwritten digits, scaled to [0, 1] as the lecture does (train_x / 255.0)"
        if data.size < 60000:
            described += f"; the first {data.size} training images"
        make_points = _mnist_body(data)
        has_test = True
    elif points is not None:
        described, make_points, helpers = _own_points(points, data_file, beside)
        has_test = len(points.x_test) > 0
    else:
        described, make_points, helpers = _generated_data(data)
        n = 10 if data.kind == "lecture-points" else data.size
        has_test = int(round(n * data.test_fraction)) > 0

    if data.kind == "mnist":
        to_inputs = "{}" if tuple(network.input_shape) == (28, 28) else \
            "{}.reshape((-1,) + %r)" % (tuple(network.input_shape),)
    else:
        to_inputs = "input_features({})" if expand else "{}"
        if expand:
            helpers += _features_code(features)
    to_targets = "{}.astype(np.int32)" if sparse else "{}.reshape(-1, 1)"
    return Plan(network, train, data, points, features, described, make_points, helpers, to_inputs, to_targets,
                metric, has_test, big, two_d, expand, title or "A network", note,
                str(weights_file) if weights_file else None, load_weights, data_file)


# ---------------------------------------------------------------------------------------------------
# Sections: each gives lines of code, indented as asked; the script and the notebook lay them out

def imports(p: Plan) -> list[str]:
    return (["import os"] if (p.big or p.data.kind == "mnist") else []) + \
        ["import numpy as np", "import tensorflow as tf"]


def constants(p: Plan) -> list[str]:
    out = [f"EPOCHS = {p.train.epochs}", f"BATCH_SIZE = {p.train.batch_size}",
           f"SEED = {p.train.seed}  # makes the initial weights reproducible"]
    if p.train.validation_split:
        out.append(f"VALIDATION_SPLIT = {_number(p.train.validation_split)}  # the last part of the training points, "
                   "not shuffled: fit holds it out and reports val_loss")
    if p.big:
        out.append(f"DATA_FILE = {p.data_file!r}")
    if p.data.kind == "mnist":
        out.append(f"MNIST_FILE = {p.data.path!r}  # a local mnist.npz; empty: Keras' own copy (downloaded once)")
    if p.weights_file:
        out.append(f"WEIGHTS_FILE = {p.weights_file!r}")
    return out


def data_functions(p: Plan) -> list[str]:
    """``make_points()`` (the data set's own points), its helpers and ``load_data()`` (the network's inputs)."""
    out = ["def make_points():",
           textwrap.fill(f'"""{p.described[0].upper() + p.described[1:]}.', 100, initial_indent="    ",
                         subsequent_indent="    "),
           "",
           '    Returns (train_points, train_targets), (test_points, test_targets)."""',
           p.make_points]
    if p.helpers:
        out.append(p.helpers.rstrip("\n"))
    out += ["", "", "def load_data():",
            '    """The network\'s inputs and targets: (train_X, train_y), (test_X, test_y)."""',
            "    (train_points, train_targets), (test_points, test_targets) = make_points()"]
    for part in ("train", "test"):
        out.append(f"    {part}_X = " + p.to_inputs.format(f"{part}_points"))
        out.append(f"    {part}_y = " + p.to_targets.format(f"{part}_targets"))
    out.append("    return (train_X, train_y), (test_X, test_y)")
    return out


def model_lines(p: Plan, indent: str = "") -> list[str]:
    """Seed, then ``model = tf.keras.models.Sequential([...])``."""
    out = ["tf.keras.utils.set_random_seed(SEED)", "model = tf.keras.models.Sequential([",
           f"    tf.keras.Input(shape={tuple(p.network.input_shape)!r}),"]
    out += [f"    {_layer_code(layer)}," for layer in p.network.layers]
    out.append("])")
    return [indent + line for line in out]


def compile_lines(p: Plan, indent: str = "") -> list[str]:
    return [indent + line for line in ("model.compile(optimizer=" + p.optimizer_code + ",",
                                       f"              loss={p.train.loss!r},",
                                       f"              metrics=[{p.metric!r}])")]


def weights_lines(p: Plan, indent: str = "") -> list[str]:
    """Starting from the weights of the ``.keras`` file (or a comment that says how)."""
    if not p.weights_file:
        return []
    base = os.path.basename(p.weights_file)
    if p.load_weights:
        out = [f"# Start from the weights saved in {base} (delete this line to start from fresh ones):",
               "model.load_weights(WEIGHTS_FILE)"]
    else:
        out = [f"# To start from the weights saved in {base} instead of fresh ones, uncomment:",
               "# model.load_weights(WEIGHTS_FILE)"]
    return [indent + line for line in out]


def callback_lines(p: Plan) -> list[str]:
    """``callbacks = [...]``: the run's early stopping, target loss and learning-rate schedule as Keras'
    callbacks (empty without any), each explained in a comment."""
    t = p.train
    out, names = [], []
    if t.schedule != "constant":
        out += [f"# the learning rate epoch by epoch: {schedules.describe(t)} (Keras' schedule, asked at each epoch)",
                f"schedule = {_schedule_code(t)}",
                "set_rate = tf.keras.callbacks.LearningRateScheduler(lambda epoch, rate: float(schedule(epoch)))"]
        names.append("set_rate")
    if t.early_stopping:
        out += [f"# stop when the {stopping.MONITORS[t.monitor][0]} has not improved for {t.patience} epochs"
                + ("; keep the best epoch's weights" if t.restore_best else ""),
                f"early_stopping = tf.keras.callbacks.EarlyStopping(monitor={t.monitor!r}, "
                f"mode={stopping.mode(t.monitor)!r}, patience={t.patience}, restore_best_weights={t.restore_best!r})"]
        names.append("early_stopping")
    if t.target_loss is not None:
        out += ["", "class StopAtLoss(tf.keras.callbacks.Callback):",
                '    """Stop once the training loss is at most the target."""',
                "", "    def on_epoch_end(self, epoch, logs=None):",
                f"        if logs['loss'] <= {_number(t.target_loss)}:",
                "            self.model.stop_training = True", ""]
        names.append("StopAtLoss()")
    if names:
        out.append(f"callbacks = [{', '.join(names)}]")
    return out


def _schedule_code(t: TrainSpec) -> str:
    lr = _number(t.learning_rate)
    if t.schedule in ("step", "exponential"):
        staircase = ", staircase=True" if t.schedule == "step" else ""
        return (f"tf.keras.optimizers.schedules.ExponentialDecay({lr}, decay_steps={t.schedule_every}, "
                f"decay_rate={_number(t.schedule_factor)}{staircase})")
    warm = (f", warmup_target={lr}, warmup_steps={t.schedule_warmup}" if t.schedule_warmup else "")
    start = _number(t.learning_rate * schedules.WARMUP_START) if t.schedule_warmup else lr
    return (f"tf.keras.optimizers.schedules.CosineDecay({start}, decay_steps={t.schedule_length}, "
            f"alpha={_number(t.schedule_floor)}{warm})")


def augment_lines(p: Plan) -> list[str]:
    """Data augmentation as Keras does it (empty when off): ``augment``, a stage of Keras' random layers that
    act only when called with ``training=True``, and for the stroke thickness, which has no Keras layer, a
    function of ours; ``augmented(x, y)``, the training batches with both applied. Keras draws other random
    numbers than ANN Studio, so the losses differ a little from the app's run."""
    a = p.train.augmentation
    if not a.active:
        return []
    shape = tuple(p.network.input_shape)
    out = [f"# Data augmentation as in ANN Studio ({a.describe()}): every training batch's digits are changed",
           "# at random, so the network never sees the same picture twice. (The random layers act only when",
           "# called with training=True: test images and predictions are left as they are.)",
           "augment = tf.keras.Sequential([",
           "    tf.keras.layers.Reshape((28, 28, 1)),"]
    if a.shift > 0:
        out.append(f"    tf.keras.layers.RandomTranslation({_number(a.shift)} / 28, {_number(a.shift)} / 28, "
                   "fill_mode='constant', seed=SEED),  # up to this many pixels")
    if a.rotation > 0:
        out.append(f"    tf.keras.layers.RandomRotation({_number(a.rotation)} / 360, fill_mode='constant', seed=SEED),"
                   "  # degrees, as a fraction of a turn")
    if a.scale > 0:
        out.append(f"    tf.keras.layers.RandomZoom(({-a.scale!r}, {a.scale!r}), fill_mode='constant', seed=SEED),")
    out.append("])")
    if a.thickness > 0:
        out += ["", "",
                f"def change_thickness(images, strength={_number(a.thickness)}):",
                '    """Strokes thickened or thinned at random. Keras has no layer for this, so it is ANN Studio\'s',
                "    way: each image moved part of the way (up to strength) to its 3x3 max-pool dilation (thicker) or",
                '    its min-pool erosion (thinner)."""',
                "    amount = tf.random.uniform([tf.shape(images)[0], 1, 1, 1], -strength, strength)",
                "    dilated = tf.nn.max_pool2d(images, 3, 1, 'SAME')",
                "    eroded = -tf.nn.max_pool2d(-images, 3, 1, 'SAME')",
                "    return images + tf.nn.relu(amount) * (dilated - images) + tf.nn.relu(-amount) * (eroded - images)"]
    changed = "change_thickness(augment(x, training=True))" if a.thickness > 0 else "augment(x, training=True)"
    shuffle = ".shuffle(len(x), seed=SEED)" if p.train.shuffle else ""
    out += ["", "",
            "def augmented(x, y):",
            '    """The training batches, each with its digits changed at random as above."""',
            "    data = tf.data.Dataset.from_tensor_slices((x, y))" + shuffle + ".batch(BATCH_SIZE)",
            f"    return data.map(lambda x, y: (tf.reshape({changed}, (-1,) + {shape!r}), y))"]
    return out


def fit_lines(p: Plan, indent: str = "", verbose: int = 2) -> list[str]:
    callbacks = callback_lines(p)
    extra = ", callbacks=callbacks" if callbacks else ""
    lines = list(callbacks)
    if p.train.augmentation.active:
        data = "augmented(train_X, train_y)"
        if p.train.validation_split:  # Keras cannot cut a tf.data set: the same cut (the last points) by hand
            lines += ["n_fit = int(np.ceil(len(train_X) * (1 - VALIDATION_SPLIT)))  # as Keras' validation_split"]
            data = "augmented(train_X[:n_fit], train_y[:n_fit])"
            extra = ", validation_data=(train_X[n_fit:], train_y[n_fit:])" + extra
        lines.append(f"history = model.fit({data}, epochs=EPOCHS{extra}, verbose={verbose})")
    else:
        if p.train.validation_split:
            extra = ", validation_split=VALIDATION_SPLIT" + extra
        lines.append(f"history = model.fit(train_X, train_y, epochs=EPOCHS, batch_size=BATCH_SIZE, "
                     f"shuffle={p.train.shuffle!r}{extra}, verbose={verbose})")
    return [indent + line if line else "" for line in lines] + [
            indent + "print(f\"final loss: {history.history['loss'][-1]:.4f}  "
                     f"{p.metric}: {{history.history[{p.metric!r}][-1]:.4f}}\")"]


def evaluate_lines(p: Plan, indent: str = "") -> list[str]:
    if not p.has_test:
        return []
    return [indent + f"test_loss, test_{p.metric} = model.evaluate(test_X, test_y, verbose=0)",
            indent + f"print(f\"test loss: {{test_loss:.4f}}  test {p.metric}: {{test_{p.metric}:.4f}}\")"]


def keras_script(network: NetworkSpec, train: TrainSpec, data: DataSpec | None = None,
                 features: Sequence[str] | None = None, *, points: Dataset | None = None, epochs: int | None = None,
                 title: str = "", weights_file: str | None = None, load_weights: bool = False,
                 data_file: str = "data.csv", note: str = "") -> str:
    """A standalone Keras script that builds ``network``, makes the data, compiles and trains as ``train`` says.

    The arguments are :func:`plan`'s; the script is organised as ``make_points()``, ``load_data()``,
    ``build_model()`` and ``main()``.
    """
    p = plan(network, train, data, features, points=points, epochs=epochs, title=title, weights_file=weights_file,
             load_weights=load_weights, data_file=data_file, note=note)
    return script_from_plan(p)


def script_from_plan(p: Plan) -> str:
    doc = [f'"""{p.title} — a Keras script exported by ANN Studio.', "",
           textwrap.fill(f"Network:  {p.network.describe()}", 100, subsequent_indent=" " * 10,
                         break_on_hyphens=False),
           f"Inputs:   {', '.join(p.features)}" if p.expand else None,
           textwrap.fill(f"Data:     {p.described}", 100, subsequent_indent=" " * 10),
           f"Training: {p.training_text}",
           *([""] + [textwrap.fill(p.note, 100)] if p.note else []),
           "", "Run it with python; it needs numpy and tensorflow.", '"""']
    out = [line for line in doc if line is not None]
    head = imports(p)
    out.append(("import os\n" if head[0] == "import os" else "") + "import numpy as np\nimport tensorflow as tf\n")
    out += constants(p)
    out += ["", ""]
    if activation_lines(p):
        out += activation_lines(p) + ["", ""]
    out += data_functions(p)
    if augment_lines(p):
        out += ["", ""] + augment_lines(p)
    out += ["", "", "def build_model():"]
    out += model_lines(p, "    ")
    out += compile_lines(p, "    ")
    out += ["    return model", "", "", "def main():",
            "    (train_X, train_y), (test_X, test_y) = load_data()",
            "    model = build_model()"]
    out += weights_lines(p, "    ")
    out += fit_lines(p, "    ")
    out += evaluate_lines(p, "    ")
    out += ["    return model, history", "", "", 'if __name__ == "__main__":', "    main()"]
    return "\n".join(out) + "\n"



def _number(value: float) -> str:
    """A learning rate as a person writes it (a float32 file value 0.10000000149 is 0.1)."""
    return repr(float(f"{float(value):.7g}"))


def _mnist_body(data: DataSpec) -> str:
    lines = [
        "    if MNIST_FILE and os.path.exists(MNIST_FILE):",
        "        with np.load(MNIST_FILE) as f:",
        "            train_x, train_y, test_x, test_y = f[\"x_train\"], f[\"y_train\"], f[\"x_test\"], f[\"y_test\"]",
        "    else:",
        "        (train_x, train_y), (test_x, test_y) = tf.keras.datasets.mnist.load_data()",
    ]
    if data.size < 60000:
        lines.append(f"    train_x, train_y = train_x[:{data.size}], train_y[:{data.size}]")
    lines.append("    train_x, test_x = train_x / 255.0, test_x / 255.0")
    lines.append("    return ((train_x.astype(np.float32), train_y.astype(np.float32)),")
    lines.append("            (test_x.astype(np.float32), test_y.astype(np.float32)))")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------
# From files: a .keras model or a workspace

def default_data(network: NetworkSpec, train: TrainSpec) -> DataSpec:
    """A data set that fits a network whose own data are unknown (a ``.keras`` file carries none)."""
    shape = tuple(network.input_shape)
    out = network.output_units
    if int(np.prod(shape)) == 784 and not network.features:
        return DataSpec("mnist", size=60000)
    if train.loss == "mse":
        if shape == (1,):
            return DataSpec("lecture-points", size=10)
        raise CodegenError(f"the network takes inputs of shape {shape} and predicts numbers; ANN Studio's "
                           "regression data have one input (x), so there is no data set to export it with")
    if len(shape) == 1 and shape[0] == len(network.features or ("x1", "x2")) and shape[0] >= 1:
        if out == 1:
            return DataSpec("parabola", size=1000, seed=1)
        return DataSpec("gaussians", size=1000, classes=max(2, min(out, 10)))
    raise CodegenError(f"the network takes inputs of shape {shape}; ANN Studio cannot tell which data it was "
                       "made for (it knows 2-D points, 1-D regression and 28×28 MNIST images)")


def _train_from_archive(path: Path, network: NetworkSpec) -> tuple[TrainSpec, bool]:
    """The training settings a ``.keras`` file was compiled with, and whether it said; where it does not, the
    usual ones for the network's output layer."""
    import json

    last = next((layer for layer in reversed(network.layers) if layer.kind in ("dense", "activation")), None)
    activation = last.activation if last else "linear"
    if network.output_units == 1 and activation == "sigmoid":
        loss = "binary_crossentropy"
    elif activation == "softmax":
        loss = "sparse_categorical_crossentropy"
    else:
        loss = "mse"
    optimizer, lr, said = "adam", 0.001, False
    try:
        if _is_h5_model(path):
            from .legacy_h5 import compile_config

            compiled = compile_config(path)
        else:
            with zipfile.ZipFile(path) as archive:
                config = json.loads(archive.read("config.json"))
            compiled = config.get("compile_config") or {}
        opt = compiled.get("optimizer")
        said = bool(opt)
        if isinstance(opt, str):
            optimizer = opt.lower() if opt.lower() in _OPTIMIZER_CLASSES else optimizer
        elif isinstance(opt, dict):
            name = str(opt.get("class_name", "")).lower()
            optimizer = name if name in _OPTIMIZER_CLASSES else optimizer
            value = (opt.get("config") or {}).get("learning_rate")
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
                lr = float(f"{float(value):.7g}")
        saved_loss = compiled.get("loss")
        if saved_loss in ("binary_crossentropy", "sparse_categorical_crossentropy", "mse"):
            loss = saved_loss
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, AttributeError):
        said = False
    return TrainSpec(optimizer=optimizer, learning_rate=lr, loss=loss), said


def plan_from_model_file(path: str | os.PathLike, epochs: int | None = None, load_weights: bool = False,
                         beside: str = "script") -> Plan:
    """The plan for the network in a ``.keras`` file (loaded safely), trained on data that fit it.

    The file's weights are loaded before training when ``load_weights``; otherwise a comment says how.
    """
    from . import build, store

    path = Path(path)
    try:
        model = store.load_model(path)
    except store.StoreError as exc:
        raise CodegenError(str(exc)) from None
    try:
        network = build.spec_from_model(model)
    except SpecError as exc:
        raise CodegenError(f"{path.name} cannot be exported as code: {exc}") from None
    train, said = _train_from_archive(path, network)
    note = (f"{path.name} holds a network, not its data, so this {beside} uses a data set that fits the "
            "network's inputs and outputs.")
    if not said:
        note += (f" {path.name} does not say how it was trained either; the settings above are the usual ones "
                 "for its output layer.")
    try:
        return plan(network, train, None, epochs=epochs, title=f"The network in {path.name}",
                    weights_file=str(path.resolve()), load_weights=load_weights, note=note, beside=beside)
    except CodegenError as exc:
        raise CodegenError(f"{path.name} cannot be exported as code: {exc}") from None


def script_from_model_file(path: str | os.PathLike, epochs: int | None = None, load_weights: bool = False) -> str:
    """A script that rebuilds the network in a ``.keras`` file and trains it (see :func:`plan_from_model_file`)."""
    return script_from_plan(plan_from_model_file(path, epochs, load_weights))


def plan_from_workspace(workspace, epochs: int | None = None, data_file: str = "data.csv",
                        beside: str = "script") -> Plan:
    """The plan for a workspace (a :class:`~annstudio.core.workspace.Workspace` or its file): its network,
    training settings and data — a user's own points written in (or read from ``data_file``)."""
    from .workspace import Workspace, load_workspace

    ws = workspace if isinstance(workspace, Workspace) else load_workspace(workspace)
    title = _preset_title(ws.preset) or "A workspace's network"
    return plan(ws.network, ws.train, ws.data, ws.input_features, points=_points_to_write(ws), epochs=epochs,
                title=title, data_file=data_file, beside=beside)


def script_from_workspace(workspace, epochs: int | None = None, data_file: str = "data.csv") -> str:
    """A script for a workspace (see :func:`plan_from_workspace`)."""
    return script_from_plan(plan_from_workspace(workspace, epochs, data_file))


def _preset_title(preset_id: str) -> str:
    if not preset_id:
        return ""
    from . import lessons

    try:
        return lessons.get(preset_id).title
    except SpecError:
        return ""


def _points_to_write(ws) -> Dataset | None:
    """The workspace's points when the script cannot regenerate them: a user's own, or (if the generator
    has changed since) saved points that differ from what the data settings now give."""
    if ws.data.kind == "mnist" or ws.points is None:
        return None
    if ws.user_data:
        return ws.points
    from .datasets import DataError, generate

    try:
        fresh = generate(ws.data)
    except (DataError, SpecError):
        return ws.points
    same = all(np.array_equal(np.asarray(getattr(fresh, k), np.float32), np.asarray(getattr(ws.points, k), np.float32))
               for k in ("x_train", "y_train", "x_test", "y_test"))
    return None if same else ws.points


def _is_h5_model(path: Path) -> bool:
    from .legacy_h5 import is_h5

    return not zipfile.is_zipfile(path) and is_h5(path)


def _source_kind(path: Path) -> str:
    if not path.is_file():
        raise CodegenError(f"{path} does not exist or is not a file")
    if _is_h5_model(path):  # a legacy HDF5 model (.h5): store.load_model says what is wrong with a bad one
        return "model"
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        raise CodegenError(f"{path.name} is neither a Keras model (.keras, .h5) nor an ANN Studio workspace") from None
    if "workspace.json" in names:
        return "workspace"
    if "config.json" in names:
        return "model"
    raise CodegenError(f"{path.name} is neither a Keras model (.keras, .h5) nor an ANN Studio workspace")


def export_code(source: str | os.PathLike, output: str | os.PathLike, epochs: int | None = None,
                load_weights: bool = False) -> list[Path]:
    """Write the script (``.py``) or Jupyter notebook (``.ipynb``) for a ``.keras`` file or a workspace to
    ``output`` (and, for many user points, a CSV beside it), atomically. Returns the files written."""
    from .workspace import WorkspaceError, load_workspace

    source, output = Path(source), Path(output)
    beside, write = _writer(output)
    if _source_kind(source) == "model":
        text = write(plan_from_model_file(source, epochs=epochs, load_weights=load_weights, beside=beside))
        return [write_text(output, text)]
    if load_weights:
        raise CodegenError(f"a {beside} can start from saved weights only for a .keras model file; "
                           f"{source.name} is a workspace (save its model as .keras first)")
    try:
        ws = load_workspace(source)
    except WorkspaceError as exc:
        raise CodegenError(str(exc)) from None
    return write_workspace_code(ws, output, epochs=epochs)


def write_workspace_code(ws, output: str | os.PathLike, epochs: int | None = None) -> list[Path]:
    """Write the script or notebook (by ``output``'s suffix) for a :class:`~annstudio.core.workspace.Workspace`,
    and for many user points the CSV it reads beside it, atomically. Returns the files written."""
    output = Path(output)
    beside, write = _writer(output)
    data_file = f"{output.stem}_data.csv"
    points = _points_to_write(ws)
    text = write(plan_from_workspace(ws, epochs=epochs, data_file=data_file, beside=beside))
    written: list[Path] = []
    if points is not None and len(points.x_train) + len(points.x_test) > EMBED_LIMIT:
        written.append(write_text(output.with_name(data_file), script_data_csv(points)))
    written.insert(0, write_text(output, text))
    return written


def _writer(output: Path):
    """("script" or "notebook", plan -> text) for an output file, by its suffix."""
    if output.suffix == ".py":
        return "script", script_from_plan
    if output.suffix == ".ipynb":
        from .notebook import notebook_text

        return "notebook", notebook_text
    raise CodegenError(f"the file name must end in .py (a script) or .ipynb (a notebook), not {output.name!r}")


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (the previous file survives a failed write)."""
    from . import atomic

    try:
        return atomic.write_text(path, text)
    except atomic.StoreError as exc:
        raise CodegenError(str(exc)) from None


__all__ = ["EMBED_LIMIT", "CodegenError", "Plan", "default_data", "export_code", "keras_script", "plan",
           "plan_from_model_file", "plan_from_workspace", "script_data_csv", "script_from_model_file",
           "script_from_plan", "script_from_workspace", "write_text", "write_workspace_code"]
