"""Data augmentation's maths (core/augment.py): what each change does to a digit, and that it is repeatable."""
from __future__ import annotations

import numpy as np
import pytest

from annstudio.core import augment
from annstudio.core.augment import Augmentation, AugmentError
from annstudio.core.spec import SpecError, TrainSpec, replace, train_from_dict


def _digit() -> np.ndarray:
    """A '1'-like bar with a foot, in the middle of a 28×28 picture (ink 1, paper 0)."""
    img = np.zeros((28, 28), np.float32)
    img[6:22, 13:15] = 1.0
    img[21, 10:18] = 1.0
    return img


def _batch(n: int = 16) -> np.ndarray:
    return np.stack([_digit()] * n)


def _centre(img: np.ndarray) -> tuple[float, float]:
    rows, cols = np.mgrid[0:28, 0:28]
    ink = img.sum()
    return float((rows * img).sum() / ink), float((cols * img).sum() / ink)


def test_strength_zero_is_the_identity():
    images = _batch()
    assert np.array_equal(augment.preview(images, Augmentation(), seed=3), images)
    assert not Augmentation().active


def test_shift_moves_the_centre_of_mass():
    images = _batch()
    out = augment.preview(images, Augmentation(shift=4), seed=1)
    before = np.array(_centre(images[0]))
    moved = [np.hypot(*(np.array(_centre(o)) - before)) for o in out]
    assert max(moved) > 1.5  # up to 4 pixels each way
    assert max(moved) <= 4 * np.sqrt(2) + 0.1
    assert np.allclose(out.sum(axis=(1, 2)), images.sum(axis=(1, 2)), rtol=0.02)  # the ink stays in the picture


def test_a_small_rotation_keeps_the_ink_and_its_centre():
    images = _batch()
    out = augment.preview(images, Augmentation(rotation=10), seed=2)
    assert not np.allclose(out, images)
    assert np.allclose(out.sum(axis=(1, 2)), images.sum(axis=(1, 2)), rtol=0.05)
    for o in out:
        assert np.allclose(_centre(o), _centre(images[0]), atol=1.0)


def test_scaling_changes_the_size():
    images = _batch()
    out = augment.preview(images, Augmentation(scale=0.3), seed=4)
    ink = out.sum(axis=(1, 2)) / images[0].sum()
    assert ink.min() < 0.95 and ink.max() > 1.05  # smaller and larger digits (ink grows with the area)


def test_thickness_adds_or_removes_ink():
    images = _batch()
    out = augment.preview(images, Augmentation(thickness=1.0), seed=5)
    ink = out.sum(axis=(1, 2))
    base = images[0].sum()
    assert ink.max() > 1.5 * base   # thickened strokes
    assert ink.min() < 0.7 * base   # thinned ones
    assert out.min() >= 0 and out.max() <= 1


def test_the_same_seed_gives_the_same_output_and_another_seed_another():
    images = _batch()
    all_on = Augmentation(shift=2, rotation=15, scale=0.1, thickness=0.5)
    first = augment.preview(images, all_on, seed=7)
    assert np.array_equal(first, augment.preview(images, all_on, seed=7))
    assert not np.allclose(first, augment.preview(images, all_on, seed=8))
    assert not np.allclose(first[0], first[1])  # each image of a batch changed differently


def test_flat_images_keep_their_shape():
    import tensorflow as tf

    flat = _batch(4).reshape(4, 784)
    out = augment.augment_graph(tf.constant(flat), Augmentation(shift=2, thickness=0.5), tf.constant([0, 0], tf.int64))
    assert out.shape == (4, 784)


def test_the_settings_are_checked_and_round_trip():
    train = replace(TrainSpec(), augment_shift=2.0, augment_rotation=10.0)
    assert train.augmentation == Augmentation(shift=2.0, rotation=10.0)
    assert train_from_dict(train.to_dict()) == train
    old = {k: v for k, v in TrainSpec().to_dict().items() if not k.startswith("augment")}
    assert not train_from_dict(old).augmentation.active  # files from before augmentation load: off
    with pytest.raises(SpecError, match="rotation must be a number from 0 to 45"):
        train_from_dict({**train.to_dict(), "augment_rotation": 90})
    with pytest.raises(SpecError, match="shift"):
        train_from_dict({**train.to_dict(), "augment_shift": -1})


def test_parse_and_fit():
    assert augment.parse("shift=2, rotation=10") == Augmentation(shift=2, rotation=10)
    with pytest.raises(AugmentError, match="name=number"):
        augment.parse("wobble=3")
    with pytest.raises(AugmentError, match="must be a number"):
        augment.parse("shift=lots")
    augment.check_fits(Augmentation(shift=1), (28, 28))
    augment.check_fits(Augmentation(), (2,), ("x1", "x2"))
    with pytest.raises(AugmentError, match="points, not images"):
        augment.check_fits(Augmentation(shift=1), (2,), ("x1", "x2"))


def test_numpy_and_tensorflow_do_the_same_maths_and_xla_compiles_it():
    import tensorflow as tf

    all_on = Augmentation(shift=2, rotation=15, scale=0.1, thickness=0.5)
    images = _batch()
    r = np.random.default_rng(0).uniform(-1, 1, (len(images), 5)).astype(np.float32)
    expected = augment.apply_numpy(images, r, all_on)
    fn = tf.function(lambda x, r: augment.apply_graph(x, r, all_on), jit_compile=True)
    assert np.allclose(fn(tf.constant(images), tf.constant(r)).numpy(), expected, atol=1e-4)
    drawn = tf.function(lambda x, s: augment.augment_graph(x, all_on, s), jit_compile=True)
    once = drawn(tf.constant(images), tf.constant([7, 0], tf.int64)).numpy()
    assert np.array_equal(once, drawn(tf.constant(images), tf.constant([7, 0], tf.int64)).numpy())
    assert not np.allclose(once, images)


# ---------------------------------------------------------------------------------------------------
# In the engine's compiled training

def _digits_data():
    from annstudio.core.datasets import Dataset

    rng = np.random.default_rng(0)
    x = np.clip(_batch(64) + 0.1 * rng.random((64, 28, 28), dtype=np.float32), 0, 1)
    y = rng.integers(0, 10, 64).astype(np.float32)
    return Dataset("mnist", x, y, x[:16], y[:16], "multiclass", 10, (0.0, 28.0, 0.0, 28.0))


def _digit_run(train: TrainSpec) -> dict:
    from annstudio.core.engine import Trainer
    from annstudio.core.spec import NetworkSpec, dense, flatten

    net = NetworkSpec(input_shape=(28, 28), features=(), layers=(flatten(), dense(8, "relu"), dense(10, "softmax")))
    return Trainer(net, train, _digits_data(), xla=False).train_to_end().final  # XLA: see the test above


def test_training_with_augmentation_is_repeatable_and_differs_from_without():
    plain = TrainSpec(loss="sparse_categorical_crossentropy", epochs=1, batch_size=16)
    moved = replace(plain, augment_shift=3.0, augment_rotation=10.0, augment_thickness=0.5)
    first = _digit_run(moved)
    assert first == _digit_run(moved)        # the same seed: the same run, number for number
    assert first["loss"] != _digit_run(plain)["loss"]


def test_augmentation_on_points_is_refused_in_a_sentence():
    from annstudio.core import datasets
    from annstudio.core.spec import DataSpec, NetworkSpec, dense
    from annstudio.core.trainers import make_trainer

    data = datasets.generate(DataSpec("xor", size=20))
    net = NetworkSpec(layers=(dense(2, "tanh"), dense(1, "sigmoid")))
    with pytest.raises(AugmentError, match="inputs are points, not images"):
        make_trainer(net, replace(TrainSpec(), augment_rotation=5.0), data)


def test_the_command_line_trains_mnist_with_augmentation(monkeypatch, capsys):
    """``annstudio train --preset mnist-mlp --augment …`` hands the strengths to the trainer (tiny data in
    place of the 60000 digits; the trainer is the real one, only watched)."""
    import json

    from annstudio import cli
    from annstudio.core import datasets, trainers

    monkeypatch.setattr(datasets, "load", lambda spec, progress=None: _digits_data())
    made = []
    real = trainers.make_trainer

    def watched(network, train, data, *args, **kwargs):
        made.append(train)
        return real(network, train, data, *args, **kwargs)

    monkeypatch.setattr(trainers, "make_trainer", watched)
    assert cli.main(["train", "--preset", "mnist-mlp", "--epochs", "1", "--augment", "shift=2,thickness=0.5",
                     "--json"]) == 0
    final = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert final["final"] and np.isfinite(final["loss"])
    assert made[0].augmentation == Augmentation(shift=2, thickness=0.5)


def test_exported_script_and_notebook_augment_and_the_script_trains_an_epoch(mnist_path, tmp_path):
    import subprocess
    import sys

    from annstudio.core import codegen, lessons
    from annstudio.core.notebook import notebook_text

    preset = lessons.get("mnist-mlp")
    train = replace(preset.train, epochs=1, augment_shift=2.0, augment_rotation=10.0, augment_scale=0.1,
                    augment_thickness=0.5)
    data = replace(preset.data, size=200, path=str(mnist_path))
    text = codegen.keras_script(preset.network, train, data)
    for words in ("RandomTranslation(2.0 / 28, 2.0 / 28", "RandomRotation(10.0 / 360", "RandomZoom((-0.1, 0.1)",
                  "def change_thickness(images, strength=0.5)", "Keras has no layer for this",
                  "model.fit(augmented(train_X, train_y)"):
        assert words in text
    path = tmp_path / "augmented.py"
    path.write_text(text, encoding="utf-8")
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                         env={**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert "test accuracy" in out.stdout
    notebook = notebook_text(codegen.plan(preset.network, train, data))
    assert "### Data augmentation" in notebook and "RandomRotation" in notebook
    assert "RandomTranslation" not in codegen.keras_script(preset.network, preset.train, data)  # off: as before
    with pytest.raises(codegen.CodegenError, match="points, not images"):
        codegen.plan(lessons.get("xor-hidden").network, replace(lessons.get("xor-hidden").train, augment_shift=1.0))


def test_a_workspace_keeps_the_augmentation(tmp_path):
    from annstudio.core import lessons
    from annstudio.core.workspace import Workspace, load_workspace, save_workspace

    preset = lessons.get("augment-on")
    path = tmp_path / "augmented.annws"
    save_workspace(Workspace(preset.network, preset.train, preset.data), path)
    assert load_workspace(path).train.augmentation == augment.TYPICAL


def test_the_report_names_the_augmentation():
    from annstudio.core import lessons
    from annstudio.core.report import report_html
    from annstudio.core.workspace import Workspace

    preset = lessons.get("augment-on")
    page = report_html(Workspace(preset.network, preset.train, preset.data), {})
    assert "Data augmentation" in page and "rotation 10°" in page
