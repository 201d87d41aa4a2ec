"""The bad-input matrix (issue 7), headless half: every bad input a student can hand the core or the CLI.

Each row is one test id. "core" is the loader's own error type with a sentence naming the file; "CLI" is
``annstudio …`` run in-process: a non-zero exit, exactly one line on stderr, never a traceback. "kept"
means the file that was there before is byte-identical afterwards. The GUI half of the matrix is
``tests/gui/test_bad_input_matrix_gui.py``.

case                                  expected answer                                                 test
----------------------------------------------------------------------------------------------------------
**model files** (``.keras``)          core: StoreError naming the file; CLI ``predict``: one line
model: missing                        "… does not exist"                                              test_bad_model_file[missing]
model: empty                          "… is empty"                                                    test_bad_model_file[empty]
model: random bytes                   "… is not a Keras model file"                                   test_bad_model_file[random-bytes]
model: truncated                      "… is damaged: the file ends too early"                         test_bad_model_file[truncated]
model: zip that is not Keras          "… has no config.json"                                          test_bad_model_file[zip-not-keras]
model: config that is not JSON        "… its configuration is not valid JSON"                         test_bad_model_file[config-not-json]
model: absurdly large layer           "… far too big to open" (refused unread)                        test_bad_model_file[huge-layer]
model: Lambda layer                   "… contains code (a Lambda layer)"; the code never runs         test_bad_model_file[lambda-layer]
model: custom objects                 "… needs custom code"                                           test_bad_model_file[custom-object]
model: input does not fit canvas      CLI predict: "… not 28x28 images"                               test_model_that_does_not_fit_the_canvas[input-2]
model: wrong output size              CLI predict: "… not 10 probabilities"                           test_model_that_does_not_fit_the_canvas[output-1]
model: workspace given as model       CLI predict: "… a zip archive but not a Keras model file"       test_model_that_does_not_fit_the_canvas[a-workspace]
**workspace files** (``.annws``)      core: WorkspaceError naming the file; CLI ``export-code``: one line, no script written
                                      (for a file that is no zip at all export-code says "… is neither a Keras model
                                      (.keras, .h5) nor an ANN Studio workspace")
workspace: empty                      "… is empty"                                                    test_bad_workspace_file[empty]
workspace: random bytes               "… not a readable ANN Studio workspace"                         test_bad_workspace_file[random-bytes]
workspace: truncated                  "… not a readable ANN Studio workspace"                         test_bad_workspace_file[truncated]
workspace: corrupt (bytes flipped)    "… not a readable ANN Studio workspace (damaged …"              test_bad_workspace_file[corrupt]
workspace: newer format version       "… saved by a newer ANN Studio (format 2)"                      test_bad_workspace_file[newer-version]
workspace: missing field              "… lacks the network"                                           test_bad_workspace_file[missing-network]
workspace: missing arrays             "… has no arrays.npz"                                           test_bad_workspace_file[missing-arrays]
workspace: JSON not valid             "… is not valid JSON"                                           test_bad_workspace_file[json-not-valid]
**invalid values** (hand-edited)      core: WorkspaceError "settings that cannot be used: …"; CLI export-code: one line
0 units                               "units must be a whole number ≥ 1"                              test_invalid_values_in_a_workspace[units-0]
dropout 1.5                           "dropout rate must be a number from 0 up to …"                  test_invalid_values_in_a_workspace[dropout-1.5]
negative learning rate                "learning rate must be a number > 0"                            test_invalid_values_in_a_workspace[learning-rate-negative]
empty field                           "learning rate must be a number > 0, not ''"                    test_invalid_values_in_a_workspace[learning-rate-empty]
**MNIST files** (``mnist.npz``)       core: DataError naming the file; CLI ``train --data``: one line
mnist: random bytes                   "… not a readable MNIST .npz file"                              test_bad_mnist_file[random-bytes]
mnist: truncated                      "… not a readable MNIST .npz file"                              test_bad_mnist_file[truncated]
mnist: wrong arrays                   "… it lacks x_train"                                            test_bad_mnist_file[wrong-arrays]
mnist: a single array                 "… a single numpy array"                                        test_bad_mnist_file[single-array]
mnist: wrong shape                    "… has shape (5, 28, 27)"                                       test_bad_mnist_file[wrong-shape]
mnist: wrong dtype                    "… holds float32, not uint8"                                    test_bad_mnist_file[wrong-dtype]
mnist: labels and images differ       "… 5 images but 4 labels"                                       test_bad_mnist_file[count-mismatch]
mnist: labels above 9                 "… labels above 9"                                              test_bad_mnist_file[labels-above-9]
**images to predict**                 core: DigitError naming the file; CLI ``predict``: one line
image: not an image                   "… is not a picture that can be read"                           test_bad_image[not-an-image]
image: zero bytes                     "… is empty (0 bytes)"                                          test_bad_image[zero-bytes]
image: zero-sized (0x0 PNG)           "… is a picture of size 0x0, which has no pixels"               test_bad_image[zero-sized]
image: huge (8000x6000 claimed)       "… is too large: at most 40 million pixels"                     test_bad_image[huge]
image: truncated                      "… is damaged or not a complete picture"                        test_bad_image[truncated]
image: blank page                     CLI: "… looks blank: no digit was found"                        test_bad_image[blank]
image: colour                         read as grey; CLI prints the digit, exit 0                      test_colour_and_transparent_images_are_read[colour]
image: transparent                    transparent = paper; CLI prints the digit, exit 0               test_colour_and_transparent_images_are_read[transparent]
**training**
divergence (learning rate 100)        stops with "diverged … try a smaller learning rate"; the last   test_divergence_keeps_the_last_good_weights
                                      good weights are kept, all finite
CLI: unknown preset                   "unknown preset 'no-such-lesson'", exit 1                       test_cli_refuses_bad_arguments[unknown-preset]
CLI: --epochs 0                       "--epochs must be a whole number ≥ 1, not 0", exit 2            test_cli_refuses_bad_arguments[epochs-0]
CLI: --epochs with an empty value     "invalid int value: ''", exit 2                                 test_cli_refuses_bad_arguments[epochs-empty]
CLI: --save model.h5                  "… needs a file name ending in .keras", exit 2                  test_cli_refuses_bad_arguments[save-not-keras]
CLI: export-code --epochs -3          "--epochs must be a whole number ≥ 1, not -3", exit 2           test_cli_refuses_bad_arguments[export-epochs-negative]
CLI: predict without a picture        "the following arguments are required: IMAGE", exit 2           test_cli_refuses_bad_arguments[predict-no-image]
CLI: --patience 0                     "patience must be a whole number of epochs ≥ 1 …", exit 2       test_cli_refuses_bad_arguments[patience-0]
CLI: --target-loss -0.5               "the target loss must be a number above 0 …", exit 2            test_cli_refuses_bad_arguments[target-loss-negative]
CLI: --validation-split 1             "the validation split must be a fraction from 0 up to …", exit 2 test_cli_refuses_bad_arguments[validation-split-1]
CLI: a split that leaves no point     "… leaves none of the 1000 training points to train on", exit 1 test_cli_refuses_bad_arguments[validation-split-leaves-nothing]
schedule: rate 0 or below, patience…  core SpecError, one sentence each (factor 0, floor 0, …)       tests/core/test_stopping.py::test_bad_stopping_and_schedule_settings_get_one_clear_sentence
CLI: --augment on 2-D points          "augmentation … inputs are points, not images", exit 2          test_cli_refuses_bad_arguments[augment-2d-data]
CLI: --augment wobble=3               "--augment takes name=number pairs …", exit 2                   test_cli_refuses_bad_arguments[augment-unknown]
CLI: --augment rotation=90            "… rotation must be a number from 0 to 45", exit 2              test_cli_refuses_bad_arguments[augment-too-strong]
CLI: Ctrl+C while loading             "annstudio: interrupted", exit 130                              test_cli_interrupted_is_one_line
**saving** (previous file kept)
model into a read-only folder         StoreError "Permission denied"; kept                            test_failed_save_keeps_the_previous_file[model-read-only-folder]
model onto a full disk                StoreError "No space left on device"; kept                      test_failed_save_keeps_the_previous_file[model-full-disk]
workspace into a read-only folder     WorkspaceError "Permission denied"; kept                        test_failed_save_keeps_the_previous_file[workspace-read-only-folder]
workspace onto a full disk            WorkspaceError "No space left on device"; kept                  test_failed_save_keeps_the_previous_file[workspace-full-disk]
script onto a full disk (CLI)         export-code: one line "No space left on device"; kept           test_failed_save_keeps_the_previous_file[script-full-disk-cli]
CLI train --save, read-only folder    one line "Permission denied"; kept                              test_cli_train_save_into_a_read_only_folder
saving while training                 a copy of the weights is saved; training goes on; file loads    test_saving_while_training_saves_a_consistent_copy
"""
from __future__ import annotations

import io
import json
import os
import stat
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

from annstudio import cli
from annstudio.core import atomic, build, datasets, digits, lessons, store
from annstudio.core.digits import DigitError
from annstudio.core.spec import DataSpec, NetworkSpec, TrainSpec, dense, flatten
from annstudio.core.store import StoreError
from annstudio.core.workspace import Workspace, WorkspaceError, load_workspace, save_workspace

# --------------------------------------------------------------------------------------------------
# helpers


def cli_fails(capsys, *argv, match: str, code: int = 1) -> str:
    """Run ``annstudio ARGV`` in-process: exit ``code``, one line on stderr holding ``match``, no traceback."""
    status = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    lines = [line for line in out.err.splitlines() if line.strip()]
    assert "Traceback" not in out.err + out.out
    assert status == code, (status, out.err)
    assert len(lines) == 1, out.err
    assert match in lines[0], lines[0]
    return lines[0]


def refused(error_type, call, *, name: str, match: str) -> str:
    """``call()`` raises the app's own ``error_type``: one sentence naming the file and the problem."""
    with pytest.raises(error_type) as info:
        call()
    message = str(info.value)
    assert name in message and match in message, message
    assert "\n" not in message and "Traceback" not in message
    return message


def by_name(rows):
    """Parameter rows whose first value, the case's name, is also the test id."""
    return [pytest.param(*row, id=row[0]) for row in rows]


def _digit_picture(path: Path, mode: str = "L") -> Path:
    """A scan of a 1: dark ink on light paper (or the same in colour, or ink on a transparent sheet)."""
    ink = np.zeros((120, 120), np.float32)
    ink[15:105, 55:68] = 1.0
    if mode == "RGB":
        grey = 235 - 215 * ink
        Image.fromarray(np.stack([grey, grey * 0.8, grey * 0.6], -1).astype(np.uint8)).save(path)
    elif mode == "RGBA":
        rgba = np.zeros((120, 120, 4), np.uint8)
        rgba[..., 2] = 120  # blue ink
        rgba[..., 3] = (ink * 255).astype(np.uint8)
        Image.fromarray(rgba).save(path)
    else:
        Image.fromarray((235 - 215 * ink).astype(np.uint8)).save(path)
    return path


def _png_claiming_size(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims another size (a decompression bomb, or no pixels at all)."""
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(path)
    data = bytearray(path.read_bytes())
    data[16:24] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    path.write_bytes(bytes(data))
    return path


def _rezip(source: Path, target: Path, edit_member) -> Path:
    """Copy a zip archive, passing every member's bytes through ``edit_member(name, data)``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = edit_member(name, old.read(name))
            if data is not None:
                new.writestr(name, data)
    return target


def _edit_json(edit):
    def member(name, data):
        if name.endswith(".json") and name != "metadata.json":
            document = json.loads(data)
            edit(document)
            return json.dumps(document)
        return data
    return member


def _set_class(document, old: str, new: dict) -> None:
    """Replace every layer entry of class ``old`` in a Keras config by ``new`` fields (in place)."""
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("class_name") == old:
                item.update(new)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def good_files(tmp_path_factory) -> dict[str, Path]:
    """Good inputs to spoil: a tiny MNIST-shaped model, a small 2-D model, a picture of a digit, a workspace."""
    folder = tmp_path_factory.mktemp("good")
    reader = NetworkSpec(input_shape=(28, 28), layers=(flatten(), dense(10, "softmax")), features=())
    points = lessons.get("looking-at-parameters")
    data_spec = replace(points.data, size=60, test_fraction=0.2)
    ws = Workspace(points.network, points.train, data_spec, points=datasets.generate(data_spec), preset=points.id)
    return {
        "reader": store.save_model(build.build_model(reader, seed=1), folder / "reader.keras"),
        "points": store.save_model(build.build_model(points.network, seed=1), folder / "points.keras"),
        "picture": _digit_picture(folder / "one.png"),
        "workspace": save_workspace(ws, folder / "good.annws"),
    }


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return good_files(tmp_path_factory)


# --------------------------------------------------------------------------------------------------
# model files


def _zip_with(path: Path, name: str, text: str) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(name, text)


def _lambda_model(path: Path, good: dict) -> None:
    inputs = keras.Input((28, 28))
    x = keras.layers.Lambda(lambda t: t * 2.0)(inputs)
    keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Flatten()(x))).save(path)


MODEL_CASES = {
    "missing": (lambda p, g: None, "does not exist"),
    "empty": (lambda p, g: p.write_bytes(b""), "is empty"),
    "random-bytes": (lambda p, g: p.write_bytes(np.random.default_rng(0).bytes(5000)), "is not a Keras model file"),
    "truncated": (lambda p, g: p.write_bytes(g["reader"].read_bytes()[: g["reader"].stat().st_size // 2]),
                  "is damaged: the file ends too early"),
    "zip-not-keras": (lambda p, g: _zip_with(p, "notes.txt", "not a model"), "has no config.json"),
    "config-not-json": (lambda p, g: _rezip(g["reader"], p, lambda n, d: b"{not json" if n == "config.json" else d),
                        "its configuration is not valid JSON"),
    "huge-layer": (lambda p, g: _rezip(g["reader"], p, _edit_json(
        lambda doc: _set_class(doc, "Dense", {"config": {"units": 10**9, "name": "dense_1"}}))), "far too big to open"),
    "lambda-layer": (_lambda_model, "contains code (a Lambda layer)"),
    "custom-object": (lambda p, g: _rezip(g["reader"], p, _edit_json(lambda doc: _set_class(
        doc, "Dense", {"class_name": "StudentDense", "module": "student_layers", "registered_name": "StudentDense"}))),
        "needs custom code"),
}


@pytest.mark.parametrize("case", list(MODEL_CASES))
def test_bad_model_file(case, files, tmp_path, capsys):
    make, words = MODEL_CASES[case]
    path = tmp_path / f"{case}.keras"
    make(path, files)
    refused(StoreError, lambda: store.load_model(path), name=path.name, match=words)
    cli_fails(capsys, "predict", path, files["picture"], match=words)


def _workspace_as_model(path: Path, good: dict) -> None:
    path.write_bytes(good["workspace"].read_bytes())


@pytest.mark.parametrize("case, make, words", by_name([
    ("input-2", lambda p, g: p.write_bytes(g["points"].read_bytes()), "takes inputs of shape (2,), not 28x28 images"),
    ("output-1", lambda p, g: store.save_model(build.build_model(
        NetworkSpec(input_shape=(784,), layers=(dense(1, "sigmoid"),), features=())), p), "not 10 probabilities"),
    ("a-workspace", _workspace_as_model, "is a zip archive but not a Keras model file"),
]))
def test_model_that_does_not_fit_the_canvas(case, make, words, files, tmp_path, capsys):
    path = tmp_path / f"{case}.keras"
    make(path, files)
    line = cli_fails(capsys, "predict", path, files["picture"], match=words)
    assert path.name in line


# --------------------------------------------------------------------------------------------------
# workspace files


def _ws_edit(edit):
    return lambda p, g: _rezip(g["workspace"], p, _edit_json(edit))


def _flip(data: bytes) -> bytes:
    return data[:100] + bytes(b ^ 0xFF for b in data[100:300]) + data[300:]


NOT_EITHER = "is neither a Keras model (.keras, .h5) nor an ANN Studio workspace"  # export-code's word for a non-zip
WORKSPACE_CASES = {  # case: (make, core's words, export-code's words)
    "empty": (lambda p, g: p.write_bytes(b""), "is empty", NOT_EITHER),
    "random-bytes": (lambda p, g: p.write_bytes(np.random.default_rng(1).bytes(4000)),
                     "is not a readable ANN Studio workspace", NOT_EITHER),
    "truncated": (lambda p, g: p.write_bytes(g["workspace"].read_bytes()[:-40]),
                  "is not a readable ANN Studio workspace", NOT_EITHER),
    "corrupt": (lambda p, g: p.write_bytes(_flip(g["workspace"].read_bytes())),
                "is not a readable ANN Studio workspace (damaged", None),
    "newer-version": (_ws_edit(lambda d: d.update(version=2)), "was saved by a newer ANN Studio (format 2)", None),
    "missing-network": (_ws_edit(lambda d: d.pop("network")), "is damaged: it lacks the network ('network')", None),
    "missing-arrays": (lambda p, g: _rezip(g["workspace"], p, lambda n, d: None if n == "arrays.npz" else d),
                       "is damaged: it has no arrays.npz", None),
    "json-not-valid": (lambda p, g: _rezip(g["workspace"], p, lambda n, d: b"{" if n == "workspace.json" else d),
                       "is damaged: workspace.json is not valid JSON", None),
}


@pytest.mark.parametrize("case", list(WORKSPACE_CASES))
def test_bad_workspace_file(case, files, tmp_path, capsys):
    make, words, cli_words = WORKSPACE_CASES[case]
    path = tmp_path / f"{case}.annws"
    make(path, files)
    refused(WorkspaceError, lambda: load_workspace(path), name=path.name, match=words)
    script = tmp_path / "never.py"
    line = cli_fails(capsys, "export-code", path, "-o", script, match=cli_words or words)
    assert path.name in line and not script.exists()


def _layer(index: int, **fields):
    def edit(document):
        document["network"]["layers"][index].update(fields)
    return edit


@pytest.mark.parametrize("case, edit, words", by_name([
    ("units-0", _layer(0, units=0), "layer 1 (dense): units must be a whole number ≥ 1, not 0"),
    ("dropout-1.5", _layer(0, kind="dropout", rate=1.5), "dropout rate must be a number from 0 up to (not including) 1"),
    ("learning-rate-negative", lambda d: d["train"].update(learning_rate=-0.1), "learning rate must be a number > 0"),
    ("learning-rate-empty", lambda d: d["train"].update(learning_rate=""), "learning rate must be a number > 0, not ''"),
]))
def test_invalid_values_in_a_workspace(case, edit, words, files, tmp_path, capsys):
    """Values the builder and training panels never let through, typed into a workspace file by hand."""
    path = _rezip(files["workspace"], tmp_path / f"{case}.annws", _edit_json(edit))
    message = refused(WorkspaceError, lambda: load_workspace(path), name=path.name, match=words)
    assert "settings that cannot be used" in message
    cli_fails(capsys, "export-code", path, "-o", tmp_path / "never.py", match=words)
    assert not (tmp_path / "never.py").exists()


# --------------------------------------------------------------------------------------------------
# MNIST files


def _mnist(path: Path, **change) -> Path:
    arrays = {"x_train": np.zeros((5, 28, 28), np.uint8), "y_train": np.arange(5, dtype=np.uint8),
              "x_test": np.zeros((3, 28, 28), np.uint8), "y_test": np.arange(3, dtype=np.uint8)}
    arrays.update(change)
    with open(path, "wb") as out:  # np.savez would add ".npz" to a name without it
        np.savez(out, **{k: v for k, v in arrays.items() if v is not None})
    return path


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


MNIST_CASES = {
    "random-bytes": (lambda p, m: p.write_bytes(np.random.default_rng(2).bytes(5000)), "is not a readable MNIST .npz file"),
    "truncated": (lambda p, m: p.write_bytes(m.read_bytes()[:200_000]), "is not a readable MNIST .npz file"),
    "wrong-arrays": (lambda p, m: _mnist(p, x_train=None, y_train=None, points=np.zeros((4, 2))), "it lacks x_train"),
    "single-array": (lambda p, m: p.write_bytes(_npy(np.zeros((5, 28, 28), np.uint8))), "is a single numpy array"),
    "wrong-shape": (lambda p, m: _mnist(p, x_train=np.zeros((5, 28, 27), np.uint8)), "has shape (5, 28, 27)"),
    "wrong-dtype": (lambda p, m: _mnist(p, x_test=np.zeros((3, 28, 28), np.float32)), "holds float32, not uint8"),
    "count-mismatch": (lambda p, m: _mnist(p, y_train=np.zeros(4, np.uint8)), "5 images but 4 labels"),
    "labels-above-9": (lambda p, m: _mnist(p, y_test=np.array([1, 2, 12], np.uint8)), "labels above 9"),
}


@pytest.mark.parametrize("case", list(MNIST_CASES))
def test_bad_mnist_file(case, mnist_path, tmp_path, capsys):
    make, words = MNIST_CASES[case]
    path = tmp_path / f"{case}.npz"
    make(path, mnist_path)
    refused(datasets.DataError, lambda: datasets.read_mnist_file(path), name=path.name, match=words)
    cli_fails(capsys, "train", "--preset", "mnist-mlp", "--epochs", "1", "--data", path, match=words)


# --------------------------------------------------------------------------------------------------
# images to predict


IMAGE_CASES = {
    "not-an-image": (lambda p: p.write_text("a 7, honestly"), "is not a picture that can be read"),
    "zero-bytes": (lambda p: p.write_bytes(b""), "is empty (0 bytes)"),
    "zero-sized": (lambda p: _png_claiming_size(p, 0, 0), "which has no pixels"),
    "huge": (lambda p: _png_claiming_size(p, 8000, 6000), "is too large: at most 40 million pixels are read"),
    "truncated": (lambda p: p.write_bytes(_digit_picture(p).read_bytes()[:120]), "is damaged or not a complete picture"),
}


@pytest.mark.parametrize("case", list(IMAGE_CASES) + ["blank"])
def test_bad_image(case, files, tmp_path, capsys):
    path = tmp_path / f"{case}.png"
    if case == "blank":  # a readable picture with nothing on it: only the command can say so
        Image.fromarray(np.full((60, 60), 230, np.uint8)).save(path)
        assert digits.is_empty(digits.image_to_canvas(path))
        words = "looks blank: no digit was found"
    else:
        make, words = IMAGE_CASES[case]
        make(path)
        refused(DigitError, lambda: digits.image_to_canvas(path), name=path.name, match=words)
    cli_fails(capsys, "predict", files["reader"], path, match=words)


@pytest.mark.parametrize("mode", ["colour", "transparent"])
def test_colour_and_transparent_images_are_read(mode, files, tmp_path, capsys):
    """Not errors: a colour scan reads as its grey levels, a transparent sheet as ink on paper."""
    path = _digit_picture(tmp_path / f"{mode}.png", "RGB" if mode == "colour" else "RGBA")
    canvas = digits.image_to_canvas(path)
    grey = digits.image_to_canvas(files["picture"])
    assert canvas.shape == grey.shape and np.abs(canvas.astype(int) - grey).mean() < 8
    assert cli.main(["predict", str(files["reader"]), str(path), "--json"]) == 0
    out = capsys.readouterr()
    result = json.loads(out.out)
    assert out.err == "" and 0 <= result["digit"] <= 9
    assert sum(result["probabilities"]) == pytest.approx(1, abs=1e-4)


# --------------------------------------------------------------------------------------------------
# training


def test_divergence_keeps_the_last_good_weights():
    """Learning rate 100 on the lecture's regression points: the loss explodes within a few epochs."""
    from annstudio.core.engine import Trainer

    network = NetworkSpec(input_shape=(1,), layers=(dense(4, "tanh"), dense(1, "linear")), features=())
    trainer = Trainer(network, TrainSpec("sgd", 100.0, 32, 50, "mse"), datasets.load(DataSpec("lecture-points")))
    start = trainer.weights_snapshot()
    reports = list(trainer.run())
    result = trainer.result
    assert result.diverged and len(reports) < 50
    assert "diverged" in result.message and "smaller learning rate" in result.message
    last_good = reports[-1].weights if reports and reports[-1].weights is not None else start
    for name, arrays in last_good:
        for kept, now in zip(arrays, trainer.model.get_layer(name).get_weights()):
            assert np.isfinite(now).all()
            np.testing.assert_array_equal(kept, now)
    assert all(np.isfinite(row["loss"]) for row in result.history)


@pytest.mark.parametrize("argv, words", [
    (["train", "--preset", "no-such-lesson"], "unknown preset 'no-such-lesson'"),
    (["train", "--preset", "logistic-regression", "--epochs", "0"], "--epochs must be a whole number ≥ 1, not 0"),
    (["train", "--preset", "logistic-regression", "--epochs", ""], "invalid int value: ''"),
    (["train", "--preset", "logistic-regression", "--save", "model.h5"], "ending in .keras"),
    (["export-code", "x.keras", "-o", "x.py", "--epochs", "-3"], "--epochs must be a whole number ≥ 1, not -3"),
    (["predict", "only-a-model.keras"], "the following arguments are required: IMAGE"),
    (["train", "--preset", "logistic-regression", "--patience", "0"], "patience must be a whole number of epochs ≥ 1"),
    (["train", "--preset", "logistic-regression", "--target-loss", "-0.5"], "the target loss must be a number above 0"),
    (["train", "--preset", "logistic-regression", "--validation-split", "1"], "the validation split must be a fraction"),
    (["train", "--preset", "logistic-regression", "--validation-split", "0.9999"],
     "leaves none of the 1000 training points to train on"),
    (["train", "--preset", "xor-hidden", "--augment", "shift=2"], "inputs are points, not images"),
    (["train", "--preset", "mnist-mlp", "--augment", "wobble=3"], "--augment takes name=number pairs"),
    (["train", "--preset", "mnist-mlp", "--augment", "rotation=90"], "rotation must be a number from 0 to 45"),
], ids=["unknown-preset", "epochs-0", "epochs-empty", "save-not-keras", "export-epochs-negative", "predict-no-image",
        "patience-0", "target-loss-negative", "validation-split-1", "validation-split-leaves-nothing",
        "augment-2d-data", "augment-unknown", "augment-too-strong"])
def test_cli_refuses_bad_arguments(argv, words, capsys):
    code = 1 if argv[2:3] == ["no-such-lesson"] or "0.9999" in argv else 2
    line = cli_fails(capsys, *argv, match=words, code=code)
    assert line.startswith("annstudio: error: ")


def test_cli_interrupted_is_one_line(capsys, monkeypatch):
    """Ctrl+C while the command loads its data: one line and exit 130, no traceback."""
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(datasets, "load", interrupted)
    cli_fails(capsys, "train", "--preset", "logistic-regression", match="annstudio: interrupted", code=130)


# --------------------------------------------------------------------------------------------------
# saving: the previous file stays intact


def _read_only(folder: Path, monkeypatch) -> None:
    """Make ``folder`` refuse new files: by its permissions, or (as root, who may write anyway) the way
    the system answers then."""
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    if os.access(folder, os.W_OK):
        real = atomic.tempfile.mkstemp

        def refuse(*args, dir=None, **kwargs):
            if dir is not None and Path(dir) == folder:
                raise PermissionError(13, "Permission denied")
            return real(*args, dir=dir, **kwargs)

        monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse)


def _full_disk(*args, **kwargs):
    raise OSError(28, "No space left on device")


def _half_saved(model, filepath, *args, **kwargs):
    """Keras' save on a full disk: part of the file is written, then the disk is full."""
    Path(filepath).write_bytes(b"PK half a model")
    raise OSError(28, "No space left on device")


class _FullDiskFile:
    """``open`` on a full disk: the file is created, the first bytes land, then writing fails."""

    def __init__(self, path, mode="r", *args, **kwargs):
        self._file = open(path, mode, *args, **kwargs)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._file.close()

    def write(self, data):
        self._file.write(data[:10])
        self._file.flush()
        raise OSError(28, "No space left on device")


def _save_model(files, path, monkeypatch, fault):
    if fault == "full-disk":
        monkeypatch.setattr(keras.Model, "save", _half_saved)
    model = build.build_model(lessons.get("looking-at-parameters").network, seed=2)
    return lambda: store.save_model(model, path)


def _save_workspace(files, path, monkeypatch, fault):
    if fault == "full-disk":
        from annstudio.core import workspace

        monkeypatch.setattr(workspace.os, "fsync", _full_disk)
    ws = replace(load_workspace(files["workspace"]), lesson="a newer text")
    return lambda: save_workspace(ws, path)


@pytest.mark.parametrize("case, suffix, save, fault, error, words", by_name([
    ("model-read-only-folder", ".keras", _save_model, "read-only", StoreError, "Permission denied"),
    ("model-full-disk", ".keras", _save_model, "full-disk", StoreError, "No space left on device"),
    ("workspace-read-only-folder", ".annws", _save_workspace, "read-only", WorkspaceError, "Permission denied"),
    ("workspace-full-disk", ".annws", _save_workspace, "full-disk", WorkspaceError, "No space left on device"),
    ("script-full-disk-cli", ".py", None, "full-disk", None, "No space left on device"),
]))
def test_failed_save_keeps_the_previous_file(case, suffix, save, fault, error, words, files, tmp_path, monkeypatch,
                                             capsys):
    folder = tmp_path / "class"
    folder.mkdir()
    path = folder / f"mine{suffix}"
    previous = (files["points"] if suffix == ".keras" else files["workspace"]).read_bytes()
    if suffix == ".py":
        previous = b"print('my own script')\n"
    path.write_bytes(previous)
    try:
        if save is None:  # export-code onto a full disk, through the command
            from annstudio.core import atomic

            monkeypatch.setattr(atomic, "open", _FullDiskFile, raising=False)  # scripts are written through it
            cli_fails(capsys, "export-code", files["workspace"], "-o", path, match=words)
        else:
            call = save(files, path, monkeypatch, fault)
            if fault == "read-only":
                _read_only(folder, monkeypatch)
            refused(error, call, name=path.name, match=words)
    finally:
        folder.chmod(stat.S_IRWXU)
    assert path.read_bytes() == previous
    assert os.listdir(folder) == [path.name]  # no temporary file left behind


def test_cli_train_save_into_a_read_only_folder(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "model.keras"
    path.write_bytes(b"yesterday's model")
    _read_only(folder, monkeypatch)
    try:
        cli_fails(capsys, "train", "--preset", "logistic-regression", "--epochs", "1", "--save", path,
                  match="Permission denied")
    finally:
        folder.chmod(stat.S_IRWXU)
    assert path.read_bytes() == b"yesterday's model"


def test_saving_while_training_saves_a_consistent_copy(tmp_path):
    """The GUI saves a report's weights while the trainer goes on; the file holds exactly that epoch."""
    from annstudio.core.engine import Trainer

    preset = lessons.get("logistic-regression")
    data = datasets.generate(replace(preset.data, size=100))
    trainer = Trainer(preset.network, replace(preset.train, epochs=4), data)
    run = trainer.run()
    report = next(run)
    path = store.save_weights_as_model(preset.network, report.weights, tmp_path / "live.keras", preset.train)
    rest = list(run)
    assert trainer.result is not None and len(rest) == 3 and not trainer.result.diverged
    saved = store.load_model(path).get_layer("dense_1").get_weights()
    np.testing.assert_array_equal(saved[0], report.layer_weights("dense_1")[0])
    assert not np.array_equal(saved[0], trainer.model.get_layer("dense_1").get_weights()[0])
