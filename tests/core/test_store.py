import zipfile

import keras
import numpy as np
import pytest

from annstudio.core import build, lessons, store
from annstudio.core.spec import SpecError
from annstudio.core.store import StoreError


@pytest.mark.parametrize("pid", ["looking-at-parameters", "mnist-mlp", "overfit-batchnorm", "overfit-dropout"])
def test_spec_model_spec_round_trip(pid):
    spec = lessons.get(pid).network
    assert build.spec_from_model(build.build_model(spec)) == spec


def test_saved_model_loads_in_plain_keras_with_equal_predictions(tmp_path):
    spec = lessons.get("looking-at-parameters").network
    model = build.build_model(spec, seed=3)
    path = store.save_model(model, tmp_path / "m.keras")
    plain = keras.models.load_model(path)
    x = np.random.default_rng(0).normal(size=(16, 2)).astype("float32")
    np.testing.assert_allclose(plain.predict_on_batch(x), model.predict_on_batch(x), rtol=1e-6)
    again = store.load_model(path)
    np.testing.assert_allclose(again.predict_on_batch(x), model.predict_on_batch(x), rtol=1e-6)


def test_a_plain_keras_sequential_model_opens_in_the_builder(tmp_path):
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(100, activation="relu"),
                              keras.layers.Dropout(0.1), keras.layers.Dense(10, activation="softmax")])
    model.save(tmp_path / "plain.keras")
    spec = build.spec_from_model(store.load_model(tmp_path / "plain.keras"))
    assert spec.input_shape == (28, 28) and spec.describe().endswith("Dense(10, softmax)")


def test_a_model_with_unknown_layers_is_not_shown_in_the_builder():
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    with pytest.raises(SpecError, match="Conv2D"):
        build.spec_from_model(model)


def test_lambda_model_is_refused_not_run(tmp_path):
    marker = tmp_path / "ran"
    model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda x: x * 2), keras.layers.Dense(1)])
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(StoreError, match="contains code"):
        store.load_model(tmp_path / "lambda.keras")
    assert not marker.exists()


@pytest.mark.parametrize("content, words", [
    (b"", "is empty"),
    (b"\x00\x01garbage" * 100, "not a Keras model file"),
])
def test_bad_model_files_are_refused(tmp_path, content, words):
    path = tmp_path / "bad.keras"
    path.write_bytes(content)
    with pytest.raises(StoreError, match=words):
        store.load_model(path)


def test_zip_that_is_not_keras_and_truncated_keras(tmp_path):
    path = tmp_path / "other.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(StoreError, match="no config.json"):
        store.load_model(path)
    good = store.save_model(build.build_model(lessons.get("logistic-regression").network), tmp_path / "g.keras")
    cut = tmp_path / "cut.keras"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(StoreError, match="damaged: the file ends too early"):
        store.load_model(cut)


def test_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    model = build.build_model(lessons.get("logistic-regression").network)
    path = store.save_model(model, tmp_path / "m.keras")
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keras.Model, "save", boom)
    with pytest.raises(StoreError, match="No space left"):
        store.save_model(model, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


def test_save_refuses_wrong_suffix_and_missing_folder(tmp_path):
    model = build.build_model(lessons.get("logistic-regression").network)
    with pytest.raises(StoreError, match="must end in .keras"):
        store.save_model(model, tmp_path / "m.h5")
    with pytest.raises(StoreError, match="does not exist"):
        store.save_model(model, tmp_path / "nope" / "m.keras")


def test_weights_saved_as_a_model_and_read_back_under_the_builders_names(tmp_path):
    from annstudio.core.engine import Trainer
    from annstudio.core import datasets

    preset = lessons.get("looking-at-parameters")
    trainer = Trainer(preset.network, preset.train, datasets.load(preset.data))
    report = list(trainer.run(2))[-1]
    path = store.save_weights_as_model(preset.network, report.weights, tmp_path / "w.keras", preset.train)
    plain = keras.models.load_model(path)
    x = np.random.default_rng(1).normal(size=(8, 2)).astype("float32")
    np.testing.assert_allclose(plain.predict_on_batch(x), trainer.model.predict_on_batch(x), rtol=1e-5)
    # a plain Keras model with other layer names comes back with the builder's names
    other = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="sigmoid", name="hidden"),
                              keras.layers.Dense(1, activation="sigmoid", name="out")])
    spec, weights = store.builder_view(other)
    assert [name for name, _ in weights] == ["dense_1", "dense_2"]
    np.testing.assert_array_equal(weights[0][1][0], other.get_layer("hidden").get_weights()[0])
    assert spec == preset.network
