"""Every lesson's presets run headless through the app's core, against the lecture's own numbers.

    python bench/lessons.py --data ../shared/data/mnist.npz          # the real thing (a few minutes)
    python bench/lessons.py --quick                                  # smoke test: long runs cut short

Each preset is trained with :class:`annstudio.core.engine.Trainer` exactly as the app trains it: the
preset's data, network and training settings, and the probes its lesson's views need computed after every
epoch (decision surface or fitted curve, gradient norms, hidden activations). Per preset it prints the
lecture's figure, the app's figure and the seconds taken (data, build, compile and training), as a table;
the last line is one JSON object with all the figures.

The lecture gives numbers for logistic regression (loss 0.0919), looking at parameters (loss 0.1684) and
MNIST (test accuracy 0.9749); for XOR it gives a verdict (not linearly separable), and for overfitting it
shows curves, not numbers ("curve"): there the app's figure is the final training MSE of the fitted curve,
and ``turns`` counts how often that curve changes direction between the points (wiggles).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from annstudio.core import datasets, lesson_texts, lessons  # noqa: E402
from annstudio.core.engine import Probes  # noqa: E402
from annstudio.core.trainers import make_trainer  # noqa: E402

#: What the lecture says, per preset: a number where it prints one, else a word.
LECTURE: dict[str, float | str] = {
    "perceptron-rule": "separable",
    "perceptron-rule-xor": "not separable",
    "perceptron-xor": "not separable",
    "xor-feature": "separable",
    "xor-hidden": "separable",
    "logistic-regression": 0.0919,
    "looking-at-parameters": 0.1684,
    "backpropagation": "-",
    "how-a-network-learns": "-",
    "mnist-mlp": 0.9749,
    "vanishing-gradient": "-",
    "vanishing-gradient-relu": "-",
    "overfit-plain": "curve",
    "overfit-batchnorm": "curve",
    "overfit-dropout": "curve",
    "init-zeros": "-",
    "init-normal": "-",
    "regularization-none": "-",
    "regularization-l2": "-",
    "early-stopping": "stops when val loss rises",
    "augment-off": "-",
    "augment-on": "-",
}

#: What the lecture prints about training besides its main figure.
LECTURE_TRAIN: dict[str, dict[str, float]] = {
    "mnist-mlp": {"accuracy": 0.9842, "loss": 0.0510},
}

QUICK_EPOCHS = 100        # --quick: at most this many epochs for the long runs
QUICK_MNIST_SIZE = 6000   # --quick: MNIST trains 1 epoch on this many images


def figure_name(preset: lessons.Preset) -> str:
    if preset.data.kind == "mnist":
        return "test accuracy"
    if preset.train.loss == "mse":
        return "train MSE"
    if preset.data.test_fraction > 0:
        return "test accuracy"
    return "loss"


def probes_for(preset: lessons.Preset) -> Probes:
    views = set(preset.views) | set(lesson_texts.lesson_for_preset(preset.id).views)
    two_d = preset.data.kind != "mnist"
    return Probes(surface=two_d and bool(views & {"surface", "curve", "compare"}),
                  grad_norms="gradients" in views,
                  activations="hidden-space" in views)


def quick_version(preset: lessons.Preset) -> lessons.Preset:
    if preset.data.kind == "mnist":
        return replace(preset.with_epochs(1), data=replace(preset.data, size=QUICK_MNIST_SIZE))
    return preset.with_epochs(min(preset.train.epochs, QUICK_EPOCHS))


def turns(curve: np.ndarray) -> int:
    """How many times a sampled curve changes direction (ignoring flat stretches)."""
    slope = np.diff(curve)
    slope = slope[np.abs(slope) > 1e-4 * (np.ptp(curve) or 1.0)]
    return int(np.count_nonzero(np.diff(np.sign(slope))))


def run_preset(preset: lessons.Preset, data_path: str | None) -> dict:
    started = time.perf_counter()
    data_spec = preset.data
    if data_spec.kind == "mnist" and data_path:
        data_spec = replace(data_spec, path=data_path)
    data = datasets.load(data_spec)
    trainer = make_trainer(preset.network, preset.train, data, probes_for(preset))
    first = last = None
    for report in trainer.run():
        first = first or report
        last = report
    seconds = time.perf_counter() - started
    result = trainer.result
    metrics = dict(result.final)
    out: dict = {"epochs": len(result.history)}
    name = figure_name(preset)
    if name == "test accuracy":
        out["app"] = result.kept.get("test_accuracy", metrics["test_accuracy"])  # the weights it ends with
        out["loss"] = metrics["loss"]
    elif name == "train MSE":
        out["app"] = metrics["rmse"] ** 2  # the curve as drawn (inference mode) against the ten points
        out["loss"] = metrics["loss"]       # the running training loss, as fit prints it
        xs = np.linspace(data.x_train.min(), data.x_train.max(), 200).reshape(-1, 1)
        out["turns"] = turns(trainer.predict(xs)[:, 0])
        out["r2"] = metrics["r2"]
    else:
        out["app"] = metrics["loss"]
    if "accuracy" in metrics:
        out["accuracy"] = metrics["accuracy"]
    if last is not None and last.grad_norms:
        for label, report in (("first_epoch", first), ("last_epoch", last)):
            out[f"grad_norms_{label}"] = {layer: norm for layer, norm in report.grad_norms}
        norms = [norm for _, norm in first.grad_norms]
        if len(norms) > 2 and norms[-2] > 0:
            out["grad_first_over_last_hidden"] = norms[0] / norms[-2]
    if result.diverged:
        out["error"] = result.message
    if result.best_epoch is not None:
        out["stopped_epoch"], out["best_epoch"] = result.stopped_epoch, result.best_epoch
        out["kept_val_loss"] = result.kept.get("val_loss")
    out["seconds"] = seconds
    return out


def _note(preset_id: str, row: dict) -> str:
    notes = []
    if "accuracy" in row:
        notes.append(f"train accuracy {row['accuracy']:.4f}")
    if "lecture_train" in row:
        notes.append("lecture: " + ", ".join(f"train {k} {v}" for k, v in row["lecture_train"].items()))
    if "turns" in row:
        notes.append(f"curve turns {row['turns']}, R² {row['r2']:.3f}")
    if "grad_first_over_last_hidden" in row:
        last = row["grad_norms_last_epoch"]
        values = list(last.values())
        notes.append(f"|grad| layer 1 ÷ layer {len(values) - 1}: {row['grad_first_over_last_hidden']:.2g} "
                     f"after epoch 1, {values[0] / values[-2]:.2g} at the end")
    elif "grad_norms_last_epoch" in row:
        notes.append("|grad| " + ", ".join(f"{v:.3f}" for v in row["grad_norms_last_epoch"].values()))
    if "best_epoch" in row:
        notes.append(f"stopped after epoch {row['stopped_epoch']}, kept epoch {row['best_epoch']} "
                     f"(val loss {row['kept_val_loss']:.4f})")
    if "error" in row:
        notes.append(row["error"])
    return "; ".join(notes)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.2e}" if 0 < abs(value) < 1e-3 else f"{value:.4f}"
    return str(value)


def print_table(rows: list[tuple[str, str, dict]]) -> None:
    header = ("lesson", "preset", "figure", "lecture", "app", "seconds", "note")
    lines = [header] + [(lesson, pid, r["figure"], _fmt(r["lecture"]), _fmt(r["app"]), f"{r['seconds']:.1f}",
                         _note(pid, r)) for lesson, pid, r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for n, line in enumerate(lines):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="a local mnist.npz (default: the Keras cache; MNIST is skipped if absent)")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke test: at most {QUICK_EPOCHS} epochs, MNIST 1 epoch on {QUICK_MNIST_SIZE} images")
    parser.add_argument("--only", nargs="+", metavar="ID", help="only these lessons or presets")
    args = parser.parse_args(argv)

    figures: dict[str, dict] = {}
    rows = []
    total = time.perf_counter()
    for lesson in lesson_texts.LESSONS:
        for pid in lesson.presets:
            if args.only and pid not in args.only and lesson.id not in args.only:
                continue
            preset = lessons.get(pid)
            if preset.data.kind == "mnist" and not args.data and not datasets.mnist_cache_path().is_file():
                print(f"{pid}: skipped (no --data and no MNIST in the Keras cache)", flush=True)
                continue
            if args.quick:
                preset = quick_version(preset)
            print(f"{lesson.id} / {pid}: {preset.train.epochs} epochs …", end=" ", flush=True)
            row = run_preset(preset, args.data)
            row = {"lesson": lesson.id, "figure": figure_name(preset), "lecture": LECTURE.get(pid, "-"), **row}
            if pid in LECTURE_TRAIN:
                row["lecture_train"] = LECTURE_TRAIN[pid]
            if args.quick:
                row["quick"] = True
            print(f"{row['figure']} {_fmt(row['app'])} in {row['seconds']:.1f} s", flush=True)
            rows.append((lesson.id, pid, row))
            figures[pid] = row
    print()
    print_table(rows)
    print(f"\ntotal {time.perf_counter() - total:.0f} s{' (--quick: long runs cut short)' if args.quick else ''}")
    print(json.dumps(_rounded(figures)))


def _rounded(value):
    if isinstance(value, float):
        return round(value, 4) if abs(value) >= 1e-3 else float(f"{value:.3g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


if __name__ == "__main__":
    main()
