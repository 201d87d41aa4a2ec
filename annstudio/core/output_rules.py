"""Which output layers can learn with which loss, and why not, in words a student understands.

The loss compares the output layer's numbers with the targets, so they must be the kind of number the
loss expects: binary cross-entropy one probability (0…1, sigmoid), categorical cross-entropy one
probability per class adding up to 1 (softmax), mean squared error any number (linear). Some other
combinations train badly; some cannot learn at all (softmax over one neuron always outputs 1). The builder
shows the advice and offers its fix; nothing here knows about widgets.
"""
from __future__ import annotations

from dataclasses import dataclass

from .spec import NetworkSpec, TrainSpec

CANNOT_LEARN = "cannot learn"   #: the combination cannot work: the network will not learn the task
POOR = "poor"                   #: it may train, but badly or only for some targets

#: The output activation each loss is made for.
BEST_ACTIVATION = {"binary_crossentropy": "sigmoid", "sparse_categorical_crossentropy": "softmax", "mse": "linear"}


@dataclass(frozen=True)
class OutputAdvice:
    """What is wrong with an output layer for its loss, and the activation that fixes it (None: the
    number of neurons is wrong, which follows from the data, not from a click)."""

    severity: str
    message: str
    fix: str | None

    @property
    def cannot_learn(self) -> bool:
        return self.severity == CANNOT_LEARN


def check_output(activation: str, units: int, loss: str) -> OutputAdvice | None:
    """None when an output layer of ``units`` neurons with ``activation`` suits ``loss``; else why not."""
    best = BEST_ACTIVATION.get(loss)
    if best is None:
        return None
    if loss == "binary_crossentropy":
        if units != 1:
            return OutputAdvice(CANNOT_LEARN, f"Binary cross-entropy compares one probability per point with its "
                                              f"class (0 or 1), so the output layer needs 1 neuron, not {units}.",
                                None)
        if activation == "softmax":
            return OutputAdvice(CANNOT_LEARN, "Softmax over a single neuron always outputs 1 (the probabilities "
                                              "of one class add up to 1), so the network cannot learn anything. "
                                              "For two classes use sigmoid: it gives the probability of class 1.",
                                best)
        if activation != best:
            return OutputAdvice(CANNOT_LEARN, f"Binary cross-entropy needs a probability between 0 and 1, but "
                                              f"{activation} can give numbers outside it, where training gets "
                                              f"stuck. Use sigmoid: it always gives a probability.", best)
        return None
    if loss == "sparse_categorical_crossentropy":
        if units < 2:
            return OutputAdvice(CANNOT_LEARN, "Categorical cross-entropy needs one output neuron per class "
                                              f"(at least 2), not {units}.", None)
        if activation == "sigmoid":
            return OutputAdvice(CANNOT_LEARN, f"Sigmoid gives each of the {units} neurons its own probability, "
                                              "and they do not add up to 1, so they are not the class "
                                              "probabilities categorical cross-entropy compares. Use softmax: "
                                              "it turns the outputs into probabilities that add up to 1.", best)
        if activation != best:
            return OutputAdvice(CANNOT_LEARN, f"Categorical cross-entropy needs class probabilities that add up "
                                              f"to 1, but {activation} can give negative numbers or sums other "
                                              "than 1. Use softmax.", best)
        return None
    # mean squared error: regression, any number
    if activation == "softmax":
        return OutputAdvice(CANNOT_LEARN, "Softmax makes the outputs add up to 1, so a single output neuron always "
                                          "says 1 whatever the input: it cannot fit a curve. Use linear: it can "
                                          "give any number.", best)
    ranges = {"sigmoid": "between 0 and 1", "tanh": "between −1 and 1", "relu": "of 0 or more"}
    if activation in ranges:
        return OutputAdvice(POOR, f"With {activation} the output can only give numbers {ranges[activation]}, so "
                                  "targets outside that range are never reached. Regression usually uses linear.",
                            best)
    return None


def check_network(network: NetworkSpec, train: TrainSpec) -> OutputAdvice | None:
    """:func:`check_output` for a network's output layer (its last Dense layer, or an Activation after it)."""
    dense = [i for i, layer in enumerate(network.layers) if layer.kind == "dense"]
    if not dense:
        return None
    last = network.layers[dense[-1]]
    activation = last.activation
    for layer in network.layers[dense[-1] + 1:]:
        if layer.kind == "activation":
            activation = layer.activation
    return check_output(activation, last.units, train.loss)


__all__ = ["BEST_ACTIVATION", "CANNOT_LEARN", "POOR", "OutputAdvice", "check_network", "check_output"]
