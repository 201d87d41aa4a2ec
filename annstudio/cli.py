"""The ``annstudio`` command: no sub-command opens the window; sub-commands work headless.

Every failure ends as one line on stderr and a non-zero exit, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from typing import Sequence

from .core.errors import UserError, sentence

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(UserError):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = _Parser(prog="annstudio", description="ANN Studio: build, train and look inside neural networks. "
                     "'annstudio FILE' opens a workspace (.annws) or a model (.keras, .h5) in the window.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    gui = sub.add_parser("gui", help="open the main window (the default), with FILE if given")
    gui.add_argument("file", nargs="?", metavar="FILE", help="a workspace (.annws) or a model (.keras, .h5) to open")
    sub.add_parser("presets", help="list the lecture's experiments: id, then title")

    train = sub.add_parser("train", help="train a preset headless")
    train.add_argument("--preset", required=True, help="preset id (see 'annstudio presets')")
    train.add_argument("--epochs", type=int, help="number of epochs (default: the preset's)")
    train.add_argument("--data", help="a local mnist.npz instead of the Keras cache")
    train.add_argument("--save", help="write the trained model to this .keras file")
    train.add_argument("--json", action="store_true", help="one JSON object per epoch, then one with the results")
    train.add_argument("--validation-split", type=float, metavar="F",
                       help="hold out the last fraction F of the training points (val_loss every epoch), as Keras")
    train.add_argument("--patience", type=int, metavar="N",
                       help="early stopping: stop after N epochs without a better val_loss, keep the best weights")
    train.add_argument("--target-loss", type=float, metavar="L", help="stop once the training loss is at most L")
    train.add_argument("--augment", metavar="NAME=NUMBER,…",
                       help="MNIST: move each training batch's digits at random, e.g. shift=2,rotation=10,scale=0.1,"
                            "thickness=0.5 (pixels, degrees, fraction of the size, 0-1)")

    shot = sub.add_parser("shot", help="train a preset in the real window offscreen and save a picture of it")
    shot.add_argument("--preset", required=True, help="preset id (see 'annstudio presets')")
    shot.add_argument("--epochs", type=int, help="number of epochs (default: the preset's)")
    shot.add_argument("-o", "--output", required=True, help="the picture to write (.png)")
    shot.add_argument("--data", help="a local mnist.npz for the MNIST preset")

    export = sub.add_parser("export-code", help="write a standalone Keras script (.py) or a Jupyter notebook (.ipynb) "
                            "for a model or a workspace")
    export.add_argument("source", metavar="MODEL.keras|MODEL.h5|WORKSPACE",
                        help="a Keras model file (.keras, or a legacy .h5/.hdf5) or an ANN Studio workspace")
    export.add_argument("-o", "--output", required=True, help="the script (.py) or notebook (.ipynb) to write")
    export.add_argument("--epochs", type=int, help="epochs the script trains for (default: the saved settings')")
    export.add_argument("--with-weights", action="store_true",
                        help="a model file: the script starts from the file's weights")

    report = sub.add_parser("report", help="write a report to hand in (one HTML page, or a PDF) about a workspace")
    report.add_argument("workspace", metavar="WORKSPACE.annws", help="an ANN Studio workspace")
    report.add_argument("-o", "--output", required=True, help="the report to write (.html, or .pdf)")

    predict = sub.add_parser("predict", help="read a picture of a handwritten digit with a trained MNIST model")
    predict.add_argument("model", metavar="MODEL.keras", help="a model that reads 28x28 digits (made by "
                         "'annstudio train --preset mnist-mlp --save MODEL.keras', or a legacy .h5 from Keras)")
    predict.add_argument("image", metavar="IMAGE", help="a PNG or JPEG of one digit, any size; dark ink on "
                         "light paper or light on dark")
    predict.add_argument("--json", action="store_true", help="print one JSON object: digit and probabilities")

    desktop = sub.add_parser("install-desktop", help="Linux: add ANN Studio to the desktop's menu (with its icon, "
                             "and .annws files opening in it), for this user")
    desktop.add_argument("--uninstall", action="store_true", help="remove what install-desktop wrote")

    backprop = sub.add_parser("backprop", help="one sample's forward and backward pass through a .keras model, "
                              "with every number")
    backprop.add_argument("model", metavar="MODEL.keras", help="a model made of Dense layers")
    backprop.add_argument("--input", required=True, help="the sample's input numbers, comma-separated, e.g. 0.5,-1.2")
    backprop.add_argument("--target", required=True, help="its target: a number, a class number, or one number "
                          "per output, comma-separated")
    backprop.add_argument("--loss", help="the loss when the model was saved without one: binary_crossentropy, "
                          "categorical_crossentropy, sparse_categorical_crossentropy or mse")
    backprop.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _say(text: str) -> None:
    print(text, flush=True)


def _number(value: float) -> float | None:
    return round(value, 6) if isinstance(value, float) and math.isfinite(value) else None


def cmd_presets(_args) -> int:
    from .core import lessons

    for preset in lessons.PRESETS:
        _say(f"{preset.id}\t{preset.title}")
    return 0


def cmd_train(args) -> int:
    from dataclasses import replace

    from .core import lessons

    preset = lessons.get(args.preset)
    if args.epochs is not None:
        if args.epochs < 1:
            raise UsageError(f"--epochs must be a whole number ≥ 1, not {args.epochs}")
        preset = preset.with_epochs(args.epochs)
    preset = _with_stopping(preset, args)
    if args.save and not args.save.endswith(".keras"):
        raise UsageError(f"--save needs a file name ending in .keras, not {args.save!r}")
    data_spec = preset.data
    if args.data:
        if data_spec.kind != "mnist":
            raise UsageError(f"--data is a local MNIST file, but preset {preset.id!r} does not use MNIST")
        data_spec = replace(data_spec, path=args.data)
    if args.augment is not None:
        from .core import augment

        try:
            augmentation = augment.parse(args.augment)
            augment.check_fits(augmentation, preset.network.input_shape, preset.network.features)
        except augment.AugmentError as exc:
            raise UsageError(str(exc)) from None
        preset = replace(preset, train=replace(preset.train, **augment.fields_of(augmentation)))

    from .core import datasets
    from .core.spec import is_perceptron
    from .core.trainers import make_trainer

    if args.save and is_perceptron(preset.network, preset.train):
        raise UsageError(f"preset {preset.id!r} is a perceptron, which has no Keras model to save; "
                         "leave out --save (or save it as a workspace in the window)")
    data = datasets.load(data_spec, progress=_download_progress)
    trainer = make_trainer(preset.network, preset.train, data)
    total = trainer.train.epochs
    for report in trainer.run():
        if report.partial:  # the kept weights' picture (early stopping restored them): the final line says
            continue
        row = {"epoch": report.epoch, **{k: _number(v) for k, v in report.metrics.items()}}
        if args.json:
            _say(json.dumps(row))
        else:
            values = "  ".join(f"{k} {v:.4f}" for k, v in report.metrics.items())
            _say(f"epoch {report.epoch}/{total}  {values}")
    result = trainer.result
    final = {"final": True, "preset": preset.id, "epochs": len(result.history),
             **{k: _number(v) for k, v in result.final.items() if k != "epoch"},
             "seconds": round(report.seconds, 3) if result.history else 0.0}
    if result.diverged:
        final["error"] = result.message
    final.update(_stopping_fields(trainer, result))
    if getattr(result, "converged", False):
        final["converged"] = True
        final["message"] = result.message
    if args.save:
        from .core import store

        store.save_model(trainer.model, args.save)
        final["saved"] = args.save
    if args.json:
        _say(json.dumps(final))
    else:
        _say("done: " + ", ".join(f"{k} {v}" for k, v in final.items() if k not in ("final",)))
    if result.diverged:
        print(f"annstudio: {result.message}", file=sys.stderr)
        return EXIT_ERROR
    return 0


def _with_stopping(preset, args):
    """The preset with the stopping options given (each checked by the TrainSpec, in its words)."""
    from dataclasses import replace

    changes = {}
    if args.validation_split is not None:
        changes["validation_split"] = args.validation_split
    if args.patience is not None:
        changes.update(early_stopping=True, patience=args.patience)
        if not preset.train.validation_split and args.validation_split is None:
            changes["monitor"] = "loss"
    if args.target_loss is not None:
        changes["target_loss"] = args.target_loss
    if not changes:
        return preset
    problems = replace(preset.train, **changes).problems()
    if problems:
        raise UsageError("; ".join(problems))
    return replace(preset, train=replace(preset.train, **changes))


def _stopping_fields(trainer, result) -> dict:
    """What the final line says of the stopping rules: where a rule stopped the run (null: it did not), early
    stopping's best epoch, why, and the validation numbers of the weights kept (the best epoch's, restored)."""
    train = trainer.train
    if not (getattr(train, "validation_split", 0) or getattr(train, "early_stopping", False)
            or getattr(train, "target_loss", None) is not None):
        return {}
    fields = {"stopped_epoch": result.stopped_epoch, "best_epoch": result.best_epoch}
    if result.stopped_epoch is not None and not result.diverged:
        fields["message"] = result.message
    fields.update({key: _number(value) for key, value in result.kept.items()})
    return fields


def _download_progress(done: int, total: int) -> None:
    if total:
        print(f"\rdownloading MNIST: {100 * done // total}%", end="", file=sys.stderr, flush=True)
        if done >= total:
            print(file=sys.stderr)


def cmd_export_code(args) -> int:
    if args.epochs is not None and args.epochs < 1:
        raise UsageError(f"--epochs must be a whole number ≥ 1, not {args.epochs}")
    from .core.codegen import CodegenError, export_code

    try:
        written = export_code(args.source, args.output, epochs=args.epochs, load_weights=args.with_weights)
    except CodegenError as exc:
        print(f"annstudio: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_ERROR
    extra = f" (its data: {written[1]})" if len(written) > 1 else ""
    how = "open it in Jupyter" if written[0].suffix == ".ipynb" else f"run it with: python {written[0]}"
    _say(f"wrote {written[0]}{extra}; {how}")
    return 0


def cmd_report(args) -> int:
    from .gui.report import report_from_file

    path, note = report_from_file(args.workspace, args.output)
    _say(f"wrote {path}" + (f"; {note}" if note else ""))
    return 0


def cmd_shot(args) -> int:
    if args.epochs is not None and args.epochs < 1:
        raise UsageError(f"--epochs must be a whole number ≥ 1, not {args.epochs}")
    from .gui.shot import take_shot

    path = take_shot(args.preset, args.output, epochs=args.epochs, data=args.data)
    _say(f"saved {path}")
    return 0


def cmd_predict(args) -> int:
    from pathlib import Path

    from .core import digits
    from .core.words import a_or_an

    canvas = digits.image_to_canvas(args.image)  # a bad picture is refused before TensorFlow loads
    if digits.is_empty(canvas):
        raise digits.DigitError(f"{Path(args.image).name} looks blank: no digit was found in it")
    image = digits.prepare_digit(canvas)

    from .core import store

    model = store.load_model(args.model)
    probabilities = _digit_probabilities(model, image, Path(args.model).name)
    digit = int(probabilities.argmax())
    if args.json:
        _say(json.dumps({"digit": digit, "probabilities": [round(float(p), 6) for p in probabilities]}))
        return 0
    order = probabilities.argsort()[::-1]
    doubt = (f"; not sure: {a_or_an(order[1])} has {probabilities[order[1]]:.3f}"
             if probabilities[digit] < 0.5 else "")
    _say(f"digit {digit} (probability {probabilities[digit]:.3f}{doubt})")
    for k, p in enumerate(probabilities):
        _say(f"  {k}  {p:.4f}")
    return 0


def _digit_probabilities(model, image, name: str):
    """The ten probabilities a model gives a prepared 28x28 digit: a numpy forward pass for networks the
    builder knows, Keras' predict_on_batch for others."""
    import numpy as np

    from .core import build
    from .core.digits import DigitError
    from .core.forward import NumpyForward, model_weights
    from .core.spec import SpecError

    shape = tuple(model.inputs[0].shape[1:]) if len(model.inputs) == 1 else ()
    if shape not in ((28, 28), (784,), (28, 28, 1)):
        raise DigitError(f"{name} takes inputs of shape {shape or 'several'}, not 28x28 images: "
                         "use a model trained on MNIST digits")
    outputs = tuple(model.outputs[0].shape[1:]) if len(model.outputs) == 1 else ()
    if outputs != (10,):
        raise DigitError(f"{name} gives outputs of shape {outputs or 'several'}, not 10 probabilities, "
                         "one per digit: use a model trained on MNIST digits")
    try:
        forward = NumpyForward(build.spec_from_model(model), model_weights(model))
        result = forward.predict(image)[0]
    except SpecError:  # layers the builder does not know: let Keras compute
        result = np.asarray(model.predict_on_batch(image.reshape((1,) + shape)))[0]
    result = np.asarray(result, np.float64)
    if not np.isfinite(result).all():
        raise DigitError(f"{name} gave an answer that is not a number (its weights may be broken)")
    if result.min() < 0 or abs(result.sum() - 1) > 1e-3:  # scores, not probabilities: softmax them
        result = np.exp(result - result.max())
        result /= result.sum()
    return result


def _numbers(text: str, option: str) -> list[float]:
    try:
        values = [float(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise UsageError(f"{option} must be numbers separated by commas, not {text!r}") from None
    if not values or not all(math.isfinite(v) for v in values):
        raise UsageError(f"{option} must be numbers separated by commas, not {text!r}")
    return values


def cmd_backprop(args) -> int:
    x = _numbers(args.input, "--input")
    target = _numbers(args.target, "--target")
    from .core import backprop, build, store
    from .core.forward import model_weights

    chosen = backprop.loss_name(args.loss) if args.loss else None
    model = store.load_model(args.model)
    own = backprop.loss_from_config(store.compiled_loss(args.model))
    if own and chosen and own != chosen:
        raise UsageError(f"the model was compiled with {own}; leave out --loss or give that one")
    loss = own or chosen
    if loss is None:
        raise UsageError("the model was saved without a loss; name one with --loss "
                         f"({', '.join(backprop.LOSSES)})")
    spec = build.spec_from_model(model)
    result = backprop.explain(spec, model_weights(model), x, target, loss)
    if args.json:
        _say(json.dumps(result.to_dict()))
        return 0
    _say(f"input {_row(result.x)}  target {_row(result.target)}  prediction {_row(result.prediction)}")
    _say(f"loss ({result.loss_name}) {result.loss:.6g}")
    for layer in result.layers:
        _say(f"{layer.name} ({layer.activation}, {layer.inputs.size} inputs -> {layer.a.size} units)")
        for label, values in (("a", layer.a), ("output", layer.output), ("delta", layer.delta),
                              ("grad_bias", layer.grad_bias)):
            _say(f"  {label:<11} {_row(values)}")
        _say("  grad_kernel (one row per input)")
        for row in layer.grad_kernel:
            _say(f"    {_row(row)}")
    return 0


def _row(values) -> str:
    return "  ".join(f"{float(v): .6g}" for v in values)


#: What ``annstudio FILE`` opens in the window.
OPENABLE = (".annws", ".keras", ".h5", ".hdf5")


def cmd_gui(args) -> int:
    path = getattr(args, "file", None)
    if path:  # refused here, in one line, rather than after the window has come up
        if not os.path.isfile(path):
            raise UsageError(f"{path} is neither a command nor a file that exists (see 'annstudio --help')")
        if not path.lower().endswith(OPENABLE):
            raise UsageError(f"{os.path.basename(path)} is not a file ANN Studio opens: a workspace (.annws) or a "
                             "model (.keras, .h5, .hdf5)")
        path = os.path.abspath(path)
    from .gui.app import run

    return run(open_file=path)


def cmd_install_desktop(args) -> int:
    from .core import desktop

    if args.uninstall:
        removed = desktop.uninstall()
        _say(f"removed {len(removed)} files of ANN Studio's desktop entry" if removed else
             f"nothing to remove: no desktop entry of ANN Studio under {desktop.data_home()}")
        return 0
    written = desktop.install()
    _say(f"wrote {written[0]} and {len(written) - 1} more files (icons, the .annws file type); ANN Studio is in "
         "the desktop's menu now (remove it with: annstudio install-desktop --uninstall)")
    return 0


COMMANDS = {"gui": cmd_gui, "presets": cmd_presets, "train": cmd_train, "shot": cmd_shot, "export-code": cmd_export_code,
            "predict": cmd_predict, "install-desktop": cmd_install_desktop, "report": cmd_report,
            "backprop": cmd_backprop}


def _looks_like_a_file(word: str) -> bool:
    """A file name rather than a mistyped command: it exists, or has a suffix or a folder in it."""
    if word.startswith("-"):
        return False
    return os.path.exists(word) or "." in os.path.basename(word) or os.sep in word


def main(argv: Sequence[str] | None = None) -> int:
    # numpy's BLAS threads fight TensorFlow's for the same cores and then run 20-100x slower; our numpy
    # work is small, so one BLAS thread is the fast choice (set before numpy loads)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    argv = _glue_negative_numbers(list(sys.argv[1:] if argv is None else argv))
    if len(argv) == 1 and argv[0] not in COMMANDS and _looks_like_a_file(argv[0]):  # annstudio FILE: opened
        argv.insert(0, "gui")
    try:
        args = _parser().parse_args(argv)
        return COMMANDS[args.command or "gui"](args)
    except UsageError as exc:
        print(f"annstudio: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("annstudio: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SystemExit as exc:  # --help and friends
        return int(exc.code or 0)
    except Exception as exc:  # noqa: BLE001 - the promise is: one line, never a traceback
        print(f"annstudio: error: {_describe(exc)}", file=sys.stderr)
        return EXIT_ERROR


def _glue_negative_numbers(argv: list[str]) -> list[str]:
    """``--input -0.5,1`` as ``--input=-0.5,1``: argparse takes a value starting with a minus for an option."""
    glued: list[str] = []
    for arg in argv:
        if glued and glued[-1] in ("--input", "--target") and arg[:1] == "-" and arg[1:2] in tuple("0123456789."):
            glued[-1] = f"{glued[-1]}={arg}"
        else:
            glued.append(arg)
    return glued


def _describe(exc: Exception) -> str:
    return sentence(exc, "unexpected {name}: {text}", limit=300)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
