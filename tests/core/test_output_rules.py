"""Which output activation / loss / units combinations can work (issue 12: softmax on one neuron)."""
from __future__ import annotations

import pytest

from annstudio.core import lessons
from annstudio.core.output_rules import CANNOT_LEARN, POOR, check_network, check_output
from annstudio.core.spec import NetworkSpec, TrainSpec, activation, dense

BCE, CCE, MSE = "binary_crossentropy", "sparse_categorical_crossentropy", "mse"


@pytest.mark.parametrize("act, units, loss", [("sigmoid", 1, BCE), ("softmax", 10, CCE), ("softmax", 2, CCE),
                                              ("linear", 1, MSE)])
def test_the_lectures_output_layers_are_fine(act, units, loss):
    assert check_output(act, units, loss) is None


@pytest.mark.parametrize("act, units, loss, fix, words", [
    ("softmax", 1, BCE, "sigmoid", "always outputs 1"),
    ("linear", 1, BCE, "sigmoid", "between 0 and 1"),
    ("relu", 1, BCE, "sigmoid", "between 0 and 1"),
    ("sigmoid", 3, BCE, None, "needs 1 neuron, not 3"),
    ("sigmoid", 4, CCE, "softmax", "do not add up to 1"),
    ("linear", 4, CCE, "softmax", "add up to 1"),
    ("softmax", 1, CCE, None, "one output neuron per class"),
    ("softmax", 1, MSE, "linear", "always says 1"),
])
def test_combinations_that_cannot_learn_say_why_and_how_to_fix_them(act, units, loss, fix, words):
    advice = check_output(act, units, loss)
    assert advice is not None and advice.severity == CANNOT_LEARN and advice.cannot_learn
    assert advice.fix == fix and words in advice.message


@pytest.mark.parametrize("act, words", [("sigmoid", "between 0 and 1"), ("tanh", "between −1 and 1"),
                                        ("relu", "0 or more")])
def test_a_squashing_output_for_regression_is_only_poor(act, words):
    advice = check_output(act, 1, MSE)
    assert advice.severity == POOR and not advice.cannot_learn and advice.fix == "linear" and words in advice.message


def test_check_network_reads_the_last_dense_layer_and_an_activation_after_it():
    net = NetworkSpec((2,), (dense(4, "relu"), dense(1, "softmax")))
    assert check_network(net, TrainSpec(loss=BCE)).fix == "sigmoid"
    fixed = NetworkSpec((2,), (dense(4, "relu"), dense(1, "linear"), activation("sigmoid")))
    assert check_network(fixed, TrainSpec(loss=BCE)) is None


def test_every_preset_passes():
    for preset in lessons.PRESETS:
        assert check_network(preset.network, preset.train) is None, preset.id
