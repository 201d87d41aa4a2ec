"""Legacy HDF5 models (.h5, .hdf5), headless: Keras 2 era and Keras 3 files open and predict as Keras did;
files that carry code, hold only weights, take inputs the app cannot feed, or are damaged are refused in a
sentence. The fixtures and how they were made: tests/fixtures/h5/make_fixtures.py."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest

from annstudio.core import build, legacy_h5, store
from annstudio.core.atomic import StoreError
from annstudio.core.spec import NetworkSpec, batchnorm, dense, dropout

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "h5"
EXPECTED = json.loads((FIXTURES / "k2_expected.json").read_text())


def probes(shape, n: int = 5) -> np.ndarray:
    """The inputs make_fixtures.py gave TensorFlow 2.15 (same generator, same seed)."""
    return np.random.default_rng(7).random((n,) + tuple(shape)).astype(np.float32) * 2 - 1


def predict(model, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict_on_batch(x.reshape((len(x),) + tuple(model.inputs[0].shape[1:]))))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_keras2_files_predict_what_tensorflow_2_15_predicted(name):
    """Files written by tf.keras 2.15 (and one in standalone Keras 2.3.1's layout) give TF 2.15's answers."""
    model = store.load_model(FIXTURES / name)
    x = probes(EXPECTED[name]["shape"])
    np.testing.assert_allclose(predict(model, x), np.array(EXPECTED[name]["outputs"]), rtol=1e-5, atol=1e-6)
    spec, _ = store.builder_view(model)  # the builder can show every one of them
    assert spec.layers


def test_the_keras_2_3_1_file_keeps_its_784_inputs():
    """Keras 3's own loader reads this file's inputs as (None, None, 784); ours as 784, as it was saved."""
    model = store.load_model(FIXTURES / "k2_keras231_mnist.h5")
    spec, weights = store.builder_view(model)
    assert spec.input_shape == (784,) and spec.describe() == "Input(784) → Dense(8, relu) → Dense(10, softmax)"
    assert [w[0].shape for _, w in weights] == [(784, 8), (8, 10)]


@pytest.mark.parametrize("name", ["k3_lecture_2d.h5", "k3_mnist_mlp.hdf5", "k3_convnet.h5"])
def test_keras3_legacy_files_predict_as_plain_keras_does(name):
    theirs = keras.models.load_model(FIXTURES / name, compile=False)
    ours = store.load_model(FIXTURES / name)
    x = probes(theirs.inputs[0].shape[1:], 4)
    np.testing.assert_allclose(predict(ours, x), predict(theirs, x), rtol=1e-6, atol=1e-7)


def test_an_h5_saved_by_plain_keras_opens_and_predicts_identically(tmp_path):
    """A network the app would build, with weights as training leaves them (BatchNormalization's moving
    statistics too), saved by plain Keras as .h5: same predictions, same network in the builder, same weights."""
    network = NetworkSpec(input_shape=(2,), layers=(dense(5, "tanh"), batchnorm(), dropout(0.2), dense(1, "sigmoid")))
    model = build.build_model(network, seed=3)
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape).astype(np.float32) + (1.5 if "variance" in w.path else 0)
                       for w in model.weights])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    x = rng.normal(size=(64, 2)).astype(np.float32)
    model.save(tmp_path / "trained.h5")  # Keras 3's legacy HDF5 writer
    opened = store.load_model(tmp_path / "trained.h5")
    np.testing.assert_allclose(predict(opened, x), predict(model, x), rtol=1e-6, atol=1e-7)
    spec, weights = store.builder_view(opened)
    assert spec == network
    for (_, ours), layer in zip(weights, [layer for layer in model.layers if layer.weights]):
        for a, b in zip(ours, layer.get_weights()):
            np.testing.assert_array_equal(a, b)


def test_layers_the_builder_would_compute_differently_go_to_keras(tmp_path):
    """A Dense without bias is no builder layer: Keras' loader reads the file, and it still predicts the same."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, use_bias=False, activation="relu"),
                              keras.layers.Dense(1)])
    model.save(tmp_path / "nobias.h5")
    opened = store.load_model(tmp_path / "nobias.h5")
    x = probes((2,))
    np.testing.assert_allclose(predict(opened, x), predict(model, x), rtol=1e-6)
    assert legacy_h5.network_spec(legacy_h5.read_configs(tmp_path / "nobias.h5")[0], (2,)) is None


def test_batch_normalization_over_another_axis_is_left_to_keras(tmp_path):
    """The builder normalizes over the last axis; over the rows of a 28×28 image it would compute something else."""
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.BatchNormalization(axis=1), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    rng = np.random.default_rng(0)
    model.set_weights([np.abs(rng.normal(size=w.shape)).astype(np.float32) + 0.5 for w in model.weights])
    model.save(tmp_path / "rows.h5")
    assert legacy_h5.network_spec(legacy_h5.read_configs(tmp_path / "rows.h5")[0], (28, 28)) is None
    x = probes((28, 28), 3)
    np.testing.assert_allclose(predict(store.load_model(tmp_path / "rows.h5"), x), predict(model, x), rtol=1e-5)


def test_an_old_file_keras_misreads_is_refused_not_opened_wrong(tmp_path):
    """A Keras 2.3.1 file with a layer the builder lacks (an elu activation) can only go to Keras' loader, which
    reads its 784 inputs as (None, 784): refused in a sentence rather than opened wrong."""
    path = _edit_config(FIXTURES / "k2_keras231_mnist.h5", tmp_path / "elu.h5",
                        lambda c: c["config"]["layers"][0]["config"].update(activation="elu"))
    with pytest.raises(StoreError, match="elu.h5 was written by an older Keras that today's Keras misreads"):
        store.load_model(path)


def test_training_settings_are_read_from_the_file():
    xor = legacy_h5.compile_config(FIXTURES / "k2_lecture_xor.h5")
    assert xor["optimizer"]["class_name"] == "SGD" and xor["optimizer"]["config"]["learning_rate"] == 0.5
    assert xor["loss"] == "binary_crossentropy"
    old = legacy_h5.compile_config(FIXTURES / "k2_keras231_mnist.h5")
    assert old["optimizer"]["class_name"] == "RMSprop"
    assert legacy_h5.compile_config(FIXTURES / "k2_functional.h5") == {}  # never compiled


# --------------------------------------------------------------------------------------------------
# refused, in one sentence naming the file


def _edit_config(source: Path, target: Path, edit) -> Path:
    shutil.copyfile(source, target)
    with h5py.File(target, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        edit(config)
        f.attrs["model_config"] = json.dumps(config)
    return target


def _custom_layer(config):
    config["config"]["layers"][1]["class_name"] = "StudentDense"


def _nested_lambda(config):
    config["config"]["layers"].insert(1, {"class_name": "Sequential", "config": {"name": "inner", "layers": [
        {"class_name": "Lambda", "config": {"name": "l", "function": ["4wEAAAAAAAAA", None, None]}}]}})


def _huge(config):
    config["config"]["layers"][1]["config"]["units"] = 10**9


def _truncated(path: Path) -> None:
    data = (FIXTURES / "k2_lecture_xor.h5").read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _random_hdf5(path: Path) -> None:
    with h5py.File(path, "w") as f:
        f["measurements"] = np.arange(10.0)


BAD = {  # case: (make the file at path, words)
    "lambda": (lambda p: shutil.copyfile(FIXTURES / "k2_lambda.h5", p), "contains code (a Lambda layer)"),
    "lambda-nested": (lambda p: _edit_config(FIXTURES / "k2_lecture_xor.h5", p, _nested_lambda),
                      "contains code (a Lambda layer)"),
    "custom-layer": (lambda p: _edit_config(FIXTURES / "k2_lecture_xor.h5", p, _custom_layer), "needs custom code"),
    "weights-only": (lambda p: shutil.copyfile(FIXTURES / "k2_weights_only.h5", p),
                     "holds only weights (saved with save_weights), not a whole model"),
    "224x224x3": (lambda p: shutil.copyfile(FIXTURES / "k2_imagenet_shape.h5", p), "takes inputs of shape 224×224×3"),
    "huge-layer": (lambda p: _edit_config(FIXTURES / "k2_lecture_xor.h5", p, _huge), "far too big to open"),
    "truncated": (_truncated, "is damaged: the file ends too early"),
    "text": (lambda p: p.write_text("my model, see notebook\n"), "is not a Keras model file"),
    "empty": (lambda p: p.write_bytes(b""), "is empty"),
    "random-hdf5": (_random_hdf5, "is an HDF5 file but not a Keras model"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_h5_files_are_refused_in_a_sentence(case, tmp_path, monkeypatch):
    make, words = BAD[case]
    path = tmp_path / f"{case}.h5"
    make(path)
    asked = []
    monkeypatch.setattr(keras.models, "load_model", lambda *a, **k: asked.append(a))  # Keras must not see these
    with pytest.raises(StoreError) as caught:
        store.load_model(path)
    message = str(caught.value)
    assert path.name in message and words in message, message
    assert "\n" not in message and not asked


def test_a_renamed_h5_is_recognised_by_its_first_bytes(tmp_path):
    path = shutil.copyfile(FIXTURES / "k2_lecture_xor.h5", tmp_path / "model.bin")
    assert legacy_h5.is_h5(path)
    assert store.load_model(path).inputs[0].shape[1:] == (2,)
