"""Which trainer trains a network: the perceptron rule (numpy, no TensorFlow) or the engine (Keras).

One place decides, so the window, the command line and the benchmarks never disagree about it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .augment import check_fits
from .spec import NetworkSpec, TrainSpec, is_perceptron, perceptron_problems

if TYPE_CHECKING:
    from .datasets import Dataset
    from .engine import Trainer
    from .epoch_report import Probes
    from .perceptron import PerceptronTrainer


def make_trainer(network: NetworkSpec, train: TrainSpec, data: "Dataset", probes: "Probes | None" = None,
                 **options) -> "Trainer | PerceptronTrainer":
    """A trainer for this network: :class:`~annstudio.core.perceptron.PerceptronTrainer` for a step neuron
    with the optimizer 'perceptron' (TensorFlow is not even loaded), else the engine's Trainer."""
    problems = perceptron_problems(network, train)
    if problems:  # said before TensorFlow loads (a step with Adam, the rule for a hidden layer …)
        from .perceptron import PerceptronError

        raise PerceptronError("; ".join(problems))
    check_fits(train.augmentation, network.input_shape, network.features)  # digits only, said before TF loads
    if is_perceptron(network, train):
        from .perceptron import PerceptronTrainer

        return PerceptronTrainer(network, train, data, probes, **options)
    from .engine import Trainer

    return Trainer(network, train, data, probes, **options)


__all__ = ["make_trainer"]
