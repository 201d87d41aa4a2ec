"""The headless command line, run as a user runs it: a separate process, output read back."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from annstudio.core import lessons

PRESET_IDS = ["perceptron-xor", "logistic-regression", "looking-at-parameters", "mnist-mlp", "overfit-plain",
              "overfit-batchnorm", "overfit-dropout", "vanishing-gradient"]


def annstudio(*args, timeout=600):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "annstudio", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def _json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_presets_lists_every_lecture_experiment_id_first():
    out = annstudio("presets")
    assert out.returncode == 0
    rows = [line.split("\t") for line in out.stdout.splitlines()]
    assert [r[0] for r in rows] == lessons.ids()
    assert set(PRESET_IDS) <= {r[0] for r in rows}
    assert all(len(r) == 2 and r[1] for r in rows)


def test_logistic_regression_reaches_the_lectures_loss():
    out = annstudio("train", "--preset", "logistic-regression", "--json")
    assert out.returncode == 0, out.stderr
    rows = _json_lines(out.stdout)
    assert [r["epoch"] for r in rows[:-1]] == list(range(1, 11))
    assert rows[-1]["final"] and rows[-1]["loss"] <= 0.12


def test_looking_at_parameters_reaches_the_lectures_loss():
    out = annstudio("train", "--preset", "looking-at-parameters", "--epochs", "10", "--json")
    assert out.returncode == 0, out.stderr
    assert _json_lines(out.stdout)[-1]["loss"] <= 0.25


def test_mnist_mlp_reaches_the_lectures_accuracy_and_saves_a_keras_file(mnist_path, tmp_path):
    model_path = tmp_path / "mnist.keras"
    out = annstudio("train", "--preset", "mnist-mlp", "--epochs", "5", "--data", str(mnist_path),
                    "--save", str(model_path), "--json")
    assert out.returncode == 0, out.stderr
    rows = _json_lines(out.stdout)
    assert len(rows) == 6 and all("test_accuracy" in r and "loss" in r for r in rows)
    final = rows[-1]
    assert final["test_accuracy"] >= 0.972, final
    import keras

    model = keras.models.load_model(model_path)
    x_test = np.load(mnist_path)["x_test"][:500] / 255.0
    y_test = np.load(mnist_path)["y_test"][:500]
    assert (model.predict_on_batch(x_test).argmax(axis=1) == y_test).mean() > 0.95


def test_early_stopping_headless_says_where_it_stopped_and_what_it_kept():
    out = annstudio("train", "--preset", "early-stopping", "--epochs", "60", "--json")
    assert out.returncode == 0, out.stderr
    rows = _json_lines(out.stdout)
    epochs, final = rows[:-1], rows[-1]
    assert all("val_loss" in row and "val_accuracy" in row for row in epochs)
    assert final["stopped_epoch"] == len(epochs) < 60  # it stopped before its epoch budget
    best = epochs[final["best_epoch"] - 1]
    assert best["val_loss"] == min(row["val_loss"] for row in epochs)
    assert final["val_loss"] == pytest.approx(best["val_loss"], rel=1e-4)  # the best epoch's weights were kept
    assert "early stopping" in final["message"]


def test_plain_output_is_readable():
    out = annstudio("train", "--preset", "overfit-dropout", "--epochs", "2")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].startswith("epoch 1/2  loss ")


@pytest.mark.parametrize("args, words", [
    (["train", "--preset", "nope"], "unknown preset 'nope'"),
    (["train", "--preset", "logistic-regression", "--epochs", "0"], "--epochs must be a whole number"),
    (["train", "--preset", "logistic-regression", "--epochs", "ten"], "invalid int value"),
    (["train"], "--preset"),
    (["fly"], "invalid choice"),
    (["train", "--preset", "mnist-mlp", "--data", "/no/such/mnist.npz"], "does not exist"),
    (["train", "--preset", "logistic-regression", "--data", "x.npz"], "does not use MNIST"),
    (["train", "--preset", "logistic-regression", "--save", "model.h5"], "ending in .keras"),
])
def test_errors_are_one_clear_line_and_a_non_zero_exit(args, words):
    out = annstudio(*args)
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0], out.stderr


def test_a_bad_mnist_file_is_refused(tmp_path):
    bad = tmp_path / "mnist.npz"
    bad.write_bytes(os.urandom(5000))
    out = annstudio("train", "--preset", "mnist-mlp", "--data", str(bad))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "not a readable MNIST" in out.stderr


def test_save_into_a_missing_folder_is_one_line(tmp_path):
    out = annstudio("train", "--preset", "logistic-regression", "--epochs", "1", "--save",
                    str(tmp_path / "no" / "m.keras"))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "does not exist" in out.stderr.strip().splitlines()[-1]


def test_train_a_perceptron_headless_prints_updates_and_converges():
    out = annstudio("train", "--preset", "perceptron-rule", "--json", timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = _json_lines(out.stdout)
    epochs, final = lines[:-1], lines[-1]
    assert all({"epoch", "accuracy", "updates", "loss"} <= set(row) for row in epochs)
    assert epochs[-1]["updates"] == 0 and epochs[-1]["accuracy"] == 1.0 and epochs[0]["updates"] > 0
    assert final["final"] and final["converged"] and "converged" in final["message"]
    assert final["epochs"] == len(epochs) < lessons.get("perceptron-rule").train.epochs
    xor = annstudio("train", "--preset", "perceptron-rule-xor", "--epochs", "20", "--json", timeout=120)
    assert xor.returncode == 0, xor.stderr[-2000:]
    rows = _json_lines(xor.stdout)
    assert len(rows) == 21 and all(row["accuracy"] < 1 for row in rows[:-1]) and "converged" not in rows[-1]
    saved = annstudio("train", "--preset", "perceptron-rule", "--save", "p.keras", timeout=120)
    assert saved.returncode != 0 and "no Keras model to save" in saved.stderr and "Traceback" not in saved.stderr


def test_shot_writes_the_picture_and_exits_without_asking_to_save(tmp_path):
    """The trained window is closed after the picture: the unsaved-work question must not wait for an answer
    nobody can give (it hung for ever)."""
    out = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ANNSTUDIO_SETTINGS": str(tmp_path / "s.ini")}
    done = subprocess.run([sys.executable, "-m", "annstudio", "shot", "--preset", "logistic-regression",
                           "--epochs", "3", "-o", str(out)], env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.stat().st_size > 10_000
