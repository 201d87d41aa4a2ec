"""Where an opened model goes: the one rule for Open model, drag and drop, recent files and ``annstudio FILE``.

A model the builder can show goes to the workspace whose data it reads: 2-D points (or one number, for
regression) to the Playground, 28×28 digits into 10 outputs to the MNIST workspace. A model the builder
cannot show, but that reads digits, goes to the MNIST workspace for prediction only. Anything else is refused
with a sentence that says why and that nothing was changed.

Qt-free: the window asks :func:`place_model` and then does what the answer says.
"""
from __future__ import annotations

from dataclasses import dataclass

from .spec import DataSpec, NetworkSpec

PLAYGROUND, MNIST, PREDICTION, REFUSED = "playground", "mnist", "prediction", "refused"


@dataclass(frozen=True)
class Placement:
    """The answer: ``where`` is one of PLAYGROUND, MNIST (the builder's copy, trainable), PREDICTION (the
    MNIST workspace, the model as it is) or REFUSED; ``why`` is the sentence for a refusal."""

    where: str
    why: str = ""


def builder_can_take(network: NetworkSpec) -> bool:
    """Whether a workspace can hold ``network`` as the builder shows it: 2-D points, one number (regression),
    or 28×28 digits into 10 outputs."""
    shape = tuple(network.input_shape)
    return shape in ((2,), (1,)) or (shape == (28, 28) and network.output_units == 10)


def place_model(name: str, network: NetworkSpec | None, builder_refusal: str = "",
                digit_refusal: str = "") -> Placement:
    """Where the model file ``name`` goes.

    ``network`` is the builder's view of it (None when the builder cannot show it: ``builder_refusal`` says
    why); ``digit_refusal`` is empty when the model reads 28×28 digits into 10 outputs, else why it does not.
    """
    reads_digits = not digit_refusal
    if network is None:
        if reads_digits:
            return Placement(PREDICTION)
        return Placement(REFUSED, f"{name} was read, but ANN Studio cannot use it: the builder cannot show it "
                                  f"({builder_refusal}), and {digit_refusal}, so it cannot read drawn digits "
                                  "either.")
    if not builder_can_take(network) and reads_digits:  # e.g. 784 flat inputs: use it as it is
        return Placement(PREDICTION)
    shape, output = tuple(network.input_shape), network.output_units
    if shape == (28, 28) and output == 10:
        return Placement(MNIST)
    if shape == (28, 28):
        return Placement(REFUSED, f"{name} reads 28×28 images but gives {output} outputs; a digit reader needs "
                                  "10, one per digit. Nothing was changed.")
    if shape not in ((2,), (1,)):
        return Placement(REFUSED, f"{name} takes inputs of shape {shape}; the playground feeds 2-D points (or "
                                  "one number for regression) and the MNIST tab 28×28 images. Nothing was "
                                  "changed.")
    if shape == (1,) and output != 1:
        return Placement(REFUSED, f"{name} takes one number but gives {output} outputs; the playground's "
                                  "one-number data are regression, which needs exactly 1 output. Nothing was "
                                  "changed.")
    return Placement(PLAYGROUND)


def playground_data(network: NetworkSpec, current: DataSpec | None) -> tuple[DataSpec, str]:
    """The data set and loss for a model opened in the Playground: the current data when the model fits
    them, else a lecture data set it fits (one number: the regression set; more than 2 outputs: a spiral with
    that many classes; else the two-class set of 'looking at parameters')."""
    from . import lessons

    shape, output = tuple(network.input_shape), network.output_units
    data = current
    if shape == (1,):
        if current is None or not current.is_regression:
            data = lessons.get("overfit-plain").data
    elif output > 2:
        if current is None or current.classes != output:
            data = DataSpec("spiral", size=600, classes=output)
    elif current is None or current.is_regression or current.classes > 2:
        data = lessons.get("looking-at-parameters").data
    loss = "mse" if shape == (1,) else ("binary_crossentropy" if output == 1
                                         else "sparse_categorical_crossentropy")
    return data, loss
