"""Export as Keras code: the script runs on its own, makes the app's exact data and builds the same network."""
import importlib.util
import os
import subprocess
import sys
import uuid
from dataclasses import replace

import numpy as np
import pytest

from annstudio.core import build, codegen, datasets, lessons, store
from annstudio.core.codegen import CodegenError, keras_script
from annstudio.core.spec import (CLASSIFICATION_KINDS, REGRESSION_KINDS, DataSpec, NetworkSpec, TrainSpec, dense,
                                 flatten)
from annstudio.core.workspace import Workspace, save_workspace


def run_script(path, timeout=300):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=path.parent)


def import_script(path):
    """The generated script as a module (its main() does not run): load_data(), build_model() …"""
    spec = importlib.util.spec_from_file_location(f"exported_{uuid.uuid4().hex}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def app_arrays(data: datasets.Dataset, network: NetworkSpec, train: TrainSpec):
    """The inputs and targets the app's engine trains on, as the script should make them."""
    def inputs(x):
        return datasets.expand_features(x, network.features) if network.features else np.asarray(x, np.float32)

    def targets(y):
        if train.loss == "sparse_categorical_crossentropy":
            return np.asarray(y).astype(np.int32)
        return np.asarray(y, np.float32).reshape(-1, 1)

    return (inputs(data.x_train), targets(data.y_train)), (inputs(data.x_test), targets(data.y_test))


def assert_same_arrays(script_arrays, app):
    for (a_x, a_y), (b_x, b_y) in zip(script_arrays, app):
        assert a_x.dtype == b_x.dtype and a_y.dtype == b_y.dtype
        np.testing.assert_array_equal(a_x, b_x)
        np.testing.assert_array_equal(a_y, b_y)


def assert_same_network(module, network: NetworkSpec, seed: int):
    mine = module.build_model()
    app = build.build_model(network, seed=seed)
    assert mine.count_params() == app.count_params()
    kinds = [type(layer).__name__ for layer in mine.layers]
    assert kinds == [type(layer).__name__ for layer in app.layers if type(layer).__name__ != "InputLayer"]
    x = np.random.default_rng(0).normal(size=(8,) + tuple(network.input_shape)).astype(np.float32)
    # the same seed gives the same initial weights as the app's own model
    np.testing.assert_allclose(mine.predict_on_batch(x), app.predict_on_batch(x), rtol=1e-5, atol=1e-6)


def _own_points(n: int, task: str = "binary") -> datasets.Dataset:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(n, 2)) * 3
    y = (x[:, 0] * x[:, 1] > 0).astype(float) if task == "binary" else np.sin(x[:, 0])
    if task == "regression":
        return datasets.from_points(x[:, :1], y, "regression", test_fraction=0.25, seed=3)
    return datasets.from_points(x, y, task, test_fraction=0.25, seed=3)


XOR_FEATURES = ("x1", "x2", "x1*x2")

CASES = {
    "logistic-regression": lambda: (lessons.get("logistic-regression"), None),
    "looking-at-parameters": lambda: (lessons.get("looking-at-parameters"), None),
    "looking-at-parameters+x1*x2": lambda: (replace(
        lessons.get("looking-at-parameters"),
        data=replace(lessons.get("looking-at-parameters").data, noise=0.2, test_fraction=0.2),
        network=NetworkSpec((3,), lessons.get("looking-at-parameters").network.layers, XOR_FEATURES)), None),
    "overfit-dropout": lambda: (lessons.get("overfit-dropout"), None),
    "own points": lambda: (lessons.get("xor-feature"), _own_points(150)),
    "sine, GELU, ELU and initialisers": lambda: (replace(
        lessons.get("looking-at-parameters"), network=NetworkSpec((2,), (
            dense(3, "sine", initializer="normal"), dense(3, "gelu", initializer="he_normal"),
            dense(2, "elu", initializer="constant", init_value=0.3), dense(1, "sigmoid", initializer="zeros")))),
        None),
    "early stopping, a target loss and a warm-up schedule": lambda: (replace(
        lessons.get("early-stopping"), train=replace(lessons.get("early-stopping").train, target_loss=0.05,
                                                     schedule="cosine", schedule_warmup=3)), None),
}


@pytest.mark.parametrize("case", list(CASES))
def test_exported_script_runs_one_epoch_with_the_apps_data_and_network(case, tmp_path):
    preset, points = CASES[case]()
    text = keras_script(preset.network, preset.train, preset.data, points=points, epochs=1, title=preset.title)
    assert "tf.keras.models.Sequential([" in text and "model.fit(train_X, train_y" in text
    assert "EPOCHS = 1\n" in text
    if "early stopping" in case:
        assert "validation_split=VALIDATION_SPLIT" in text and "VALIDATION_SPLIT = 0.25" in text
        assert ("tf.keras.callbacks.EarlyStopping(monitor='val_loss', mode='min', patience=20, "
                "restore_best_weights=True)") in text
        assert "CosineDecay(" in text and "LearningRateScheduler(" in text and "class StopAtLoss(" in text
    if "sine" in case:
        assert "def sine(x):" in text and "activation=sine" in text and "Constant(0.3)" in text
    for line in text.splitlines():
        if line.startswith(("import ", "from ")):
            assert line in ("import os", "import numpy as np", "import tensorflow as tf"), line
    path = tmp_path / "exported.py"
    path.write_text(text, encoding="utf-8")

    module = import_script(path)
    data = points if points is not None else datasets.generate(preset.data)
    assert_same_arrays(module.load_data(), app_arrays(data, preset.network, preset.train))
    assert_same_network(module, preset.network, preset.train.seed)

    out = run_script(path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Traceback" not in out.stderr
    loss = [line for line in out.stdout.splitlines() if line.startswith("final loss: ")]
    assert loss and np.isfinite(float(loss[0].split()[2])), out.stdout[-2000:]
    if len(data.x_test):
        assert "test loss: " in out.stdout


@pytest.mark.parametrize("kind", CLASSIFICATION_KINDS + REGRESSION_KINDS)
def test_every_generator_gives_the_apps_points(kind, tmp_path):
    regression = kind in REGRESSION_KINDS
    classes = 3 if kind in ("gaussians", "spiral") else 2
    data = DataSpec(kind, size=123, noise=0.3, seed=11, test_fraction=0.3, classes=classes)
    if regression:
        network = NetworkSpec((1,), (dense(4, "tanh"), dense(1)), ())
        train = TrainSpec(loss="mse")
    elif classes == 3:
        network = NetworkSpec((4,), (dense(3, "softmax"),), ("x1", "x2", "x1^2", "sin(x2)"))
        train = TrainSpec(loss="sparse_categorical_crossentropy")
    else:
        network = NetworkSpec((3,), (dense(1, "sigmoid"),), ("x2^2", "sin(x1)", "x1*x2"))
        train = TrainSpec()
    path = tmp_path / f"{kind}.py"
    path.write_text(keras_script(network, train, data), encoding="utf-8")
    module = import_script(path)
    assert_same_arrays(module.load_data(), app_arrays(datasets.generate(data), network, train))


def test_many_own_points_go_to_a_csv_beside_the_script(tmp_path):
    preset = lessons.get("xor-feature")
    points = _own_points(codegen.EMBED_LIMIT + 500)
    ws = Workspace(preset.network, preset.train, preset.data, points=points, user_data=True)
    source = save_workspace(ws, tmp_path / "big.annws")
    (tmp_path / "out").mkdir()
    written = codegen.export_code(source, tmp_path / "out" / "big.py", epochs=1)
    assert [p.name for p in written] == ["big.py", "big_data.csv"]
    text = written[0].read_text(encoding="utf-8")
    assert "big_data.csv" in text and len(text) < 10_000
    module = import_script(written[0])
    assert_same_arrays(module.load_data(), app_arrays(points, preset.network, preset.train))


def test_own_regression_points_are_embedded_exactly(tmp_path):
    points = _own_points(40, "regression")
    network = lessons.get("overfit-plain").network
    train = lessons.get("overfit-plain").train
    path = tmp_path / "reg.py"
    path.write_text(keras_script(network, train, DataSpec("sine"), points=points), encoding="utf-8")
    assert_same_arrays(import_script(path).load_data(), app_arrays(points, network, train))


def test_workspace_script_uses_its_settings(tmp_path):
    preset = lessons.get("overfit-batchnorm")
    ws = Workspace(preset.network, replace(preset.train, learning_rate=0.005), preset.data,
                   points=datasets.generate(preset.data), preset=preset.id)
    text = codegen.script_from_workspace(save_workspace(ws, tmp_path / "w.annws"), epochs=3)
    assert preset.title in text and "EPOCHS = 3\n" in text and "Adam(learning_rate=0.005)" in text
    assert "BatchNormalization()" in text and "np.linspace(-4.5, 4.5, 10)" in text  # generated, not embedded
    path = tmp_path / "w.py"
    path.write_text(text, encoding="utf-8")
    assert_same_network(import_script(path), preset.network, preset.train.seed)


def test_mnist_script_loads_a_local_file(mnist_path, tmp_path):
    preset = lessons.get("mnist-mlp")
    data = replace(preset.data, size=300, path=str(mnist_path))
    text = keras_script(preset.network, preset.train, data)
    assert "tf.keras.datasets.mnist.load_data()" in text and "/ 255.0" in text
    path = tmp_path / "mnist.py"
    path.write_text(text, encoding="utf-8")
    module = import_script(path)
    assert_same_arrays(module.load_data(), app_arrays(datasets.load(data), preset.network, preset.train))


def test_model_file_script_rebuilds_it_and_can_start_from_its_weights(tmp_path):
    preset = lessons.get("looking-at-parameters")
    model = build.compile_like_lecture(build.build_model(preset.network, seed=42), preset.train)
    source = store.save_model(model, tmp_path / "net.keras")
    text = codegen.script_from_model_file(source, epochs=1, load_weights=True)
    assert "Adam(learning_rate=0.1)" in text and "loss='binary_crossentropy'" in text
    assert "model.load_weights(WEIGHTS_FILE)" in text and "# model.load_weights" not in text
    path = tmp_path / "from_model.py"
    path.write_text(text, encoding="utf-8")
    module = import_script(path)
    rebuilt = module.build_model()
    rebuilt.load_weights(module.WEIGHTS_FILE)
    x = np.random.default_rng(1).normal(size=(10, 2)).astype(np.float32)
    np.testing.assert_allclose(rebuilt.predict_on_batch(x), model.predict_on_batch(x), rtol=1e-6)
    assert "# model.load_weights(WEIGHTS_FILE)" in codegen.script_from_model_file(source)


def test_unexportable_inputs_are_refused_in_words(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3), keras.layers.Flatten(),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.save(tmp_path / "conv.keras")
    with pytest.raises(CodegenError, match="conv.keras cannot be exported as code: .*Conv2D"):
        codegen.script_from_model_file(tmp_path / "conv.keras")
    lam = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda x: x * 2), keras.layers.Dense(1)])
    lam.save(tmp_path / "lambda.keras")
    with pytest.raises(CodegenError, match="contains code"):
        codegen.script_from_model_file(tmp_path / "lambda.keras")
    odd = NetworkSpec((5,), (dense(1, "sigmoid"),), ())
    with pytest.raises(CodegenError, match="cannot tell which data"):
        keras_script(odd, TrainSpec())
    with pytest.raises(CodegenError, match="regression data set needs the mean squared error"):
        keras_script(lessons.get("overfit-plain").network, TrainSpec(), DataSpec("sine"))
    with pytest.raises(CodegenError, match="epochs must be a whole number"):
        keras_script(lessons.get("logistic-regression").network, TrainSpec(), epochs=0)
    with pytest.raises(CodegenError, match="MNIST images have 28×28"):
        keras_script(NetworkSpec((2,), (flatten(), dense(10, "softmax")), ()),
                     TrainSpec(loss="sparse_categorical_crossentropy"), DataSpec("mnist"))
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(CodegenError, match="neither a Keras model"):
        codegen.export_code(tmp_path / "notes.txt", tmp_path / "x.py")
    with pytest.raises(CodegenError, match="must end in .py"):
        codegen.export_code(tmp_path / "conv.keras", tmp_path / "x.txt")
